// Group commit: writes share one transaction, each in its own savepoint.
#include "StoreTestSupport.h"

using namespace storetest;

TEST_CASE("a group commits its writes together and a failed write undoes only itself") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  auto other = openStore(dir.file("db"));
  REQUIRE(store->beginGroup());
  ok(store->addMessage(message("s", "a", "first")));
  // An import repeating a message id is refused inside its own savepoint.
  SessionDocument broken;
  broken.session = Session{"t", "", 1, 1};
  broken.messages = {message("t", "x", "1"), message("t", "x", "2")};
  CHECK_FALSE(store->importSession(broken));
  ok(store->addMessage(message("s", "b", "second")));
  // The group's writes are visible to it, and not yet to another connection.
  CHECK(ok(store->messageCount("s")) == 2);
  CHECK(ok(other->messageCount("s")) == 0);
  REQUIRE(store->endGroup());
  CHECK(ok(other->messageCount("s")) == 2);
  CHECK_FALSE(ok(other->findSession("t")));
  // Outside a group every write commits on its own again.
  ok(store->addMessage(message("s", "c", "third")));
  CHECK(ok(other->messageCount("s")) == 3);
}

TEST_CASE("a group whose first write fails stays usable") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  auto other = openStore(dir.file("db"));
  REQUIRE(store->beginGroup());
  SessionDocument broken;
  broken.session = Session{"t", "", 1, 1};
  broken.messages = {message("t", "x", "1"), message("t", "x", "2")};
  CHECK_FALSE(store->importSession(broken));
  ok(store->addMessage(message("s", "a", "after the failure")));
  ok(store->addMessage(message("s", "b", "and another")));
  REQUIRE(store->endGroup());
  CHECK(ok(other->messageCount("s")) == 2);
  CHECK_FALSE(ok(other->findSession("t")));
}
