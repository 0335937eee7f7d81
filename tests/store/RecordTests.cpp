// Sessions, messages and interactions: idempotent adds, paging, counts,
// titles, images, listing and deletion.
#include <chrono>
#include <utility>

#include "StoreTestSupport.h"

using namespace storetest;

namespace {

Timestamp now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> ids(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m.id);
  return out;
}

}  // namespace

TEST_CASE("adding a message id twice stores one row and returns the stored one") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  Message first = message("s", "m1", "hello");
  first.images = {Image{"image/png", "iVBORw0KGgo="}, Image{"image/jpeg", "/9j/4AAQ"}};
  first.interactionId = "i1";
  first.status = RecordStatus::Interrupted;
  CHECK(ok(store->addMessage(first)) == first);

  Message retry = first;
  retry.content = "a different body";
  retry.createdAt = 5'000;
  CHECK(ok(store->addMessage(retry)) == first);
  CHECK(ok(store->messageCount("s")) == 1);
  auto page = ok(store->listMessages("s", std::nullopt, 10));
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0] == first);

  // Ids are unique per session, not globally.
  Message elsewhere = message("t", "m1", "same id, other session");
  CHECK(ok(store->addMessage(elsewhere)) == elsewhere);
  CHECK(ok(store->messageCount("t")) == 1);
  CHECK(ok(store->messageCount("s")) == 1);
}

TEST_CASE("a record without createdAt gets the current time") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  const Timestamp before = now();
  auto stored = ok(store->addMessage(message("s", "m1", "hi", Role::User, 0)));
  auto storedInteraction = ok(store->addInteraction(interaction("s", "i1", 0)));
  const Timestamp after = now();
  CHECK(stored.createdAt >= before);
  CHECK(stored.createdAt <= after);
  CHECK(storedInteraction.createdAt >= before);
  CHECK(storedInteraction.createdAt <= after);
  CHECK(ok(store->listMessages("s", std::nullopt, 1)).items.at(0).createdAt == stored.createdAt);
}

TEST_CASE("invalid records are refused") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  auto noId = store->addMessage(message("s", "", "x"));
  REQUIRE_FALSE(noId);
  CHECK(noId.error().kind == StoreError::Kind::Invalid);
  auto noSession = store->addInteraction(interaction("", "i1"));
  REQUIRE_FALSE(noSession);
  CHECK(noSession.error().kind == StoreError::Kind::Invalid);
  auto negative = store->listMessages("s", std::nullopt, -1);
  REQUIRE_FALSE(negative);
  CHECK(negative.error().kind == StoreError::Kind::Invalid);
  CHECK_FALSE(ok(store->findSession("s")).has_value());
}

TEST_CASE("images are stored as a JSON list the protocol's image codec reads back, and nothing else is") {
  TempDir dir;
  const std::string path = dir.file("db");
  auto store = openStore(path);
  Message withImage = message("s", "m1", "look");
  withImage.images = {Image{"image/png", "iVBORw0KGgo="}};
  ok(store->addMessage(withImage));
  RawDb raw(path);
  // The same text as before the store used the protocol's codec.
  CHECK(raw.text("SELECT images FROM messages WHERE id = 'm1'") ==
        R"([{"data":"iVBORw0KGgo=","mimeType":"image/png"}])");

  // What would not read back is refused, not stored.
  Message badImage = message("s", "m2", "look again");
  badImage.images = {Image{"image/png", "iVBORw0KGgo="}, Image{"text/plain", "aGk="}};
  auto refused = store->addMessage(badImage);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == StoreError::Kind::Invalid);
  CHECK_THAT(refused.error().message, Catch::Contains("images[1].mimeType"));
  SessionDocument document;
  document.session = Session{"t", "", 1, 1};
  document.messages = {badImage};
  auto imported = store->importSession(document);
  REQUIRE_FALSE(imported);
  CHECK(imported.error().kind == StoreError::Kind::Invalid);
  CHECK_THAT(imported.error().message, Catch::Contains("message 'm2': images[1].mimeType"));
  CHECK(ok(store->messageCount("s")) == 1);
  CHECK_FALSE(ok(store->findSession("t")));

  // Stored text that is not such a list reads as a corrupt database.
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"{}", "corrupt database: messages.images is not a JSON image list"},
           {"not json", "corrupt database: messages.images is not a JSON image list"},
           {R"([{"mimeType":"image/png"}])", "corrupt database: messages.images[0].data"},
           {R"([{"mimeType":"image/png","data":"!!!!"}])", "corrupt database: messages.images[0].data"}}) {
    INFO(text);
    raw.exec("UPDATE messages SET images = '" + text + "' WHERE id = 'm1'");
    auto page = store->listMessages("s", std::nullopt, 10);
    REQUIRE_FALSE(page);
    CHECK(page.error().kind == StoreError::Kind::Storage);
    CHECK_THAT(page.error().message, Catch::StartsWith(expected));
  }
}

TEST_CASE("adding creates the session, titles it from the first user message and updates updated_at") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  ok(store->addMessage(message("s", "m0", "You are helpful.", Role::System, 1'000)));
  auto session = ok(store->findSession("s"));
  REQUIRE(session);
  CHECK(session->title.empty());
  CHECK(session->createdAt == 1'000);
  CHECK(session->updatedAt == 1'000);

  ok(store->addMessage(message("s", "m1", "  \n\t Build a login form  \nwith two fields", Role::User, 2'000)));
  ok(store->addMessage(message("s", "m2", "Something else", Role::User, 3'000)));
  session = ok(store->findSession("s"));
  CHECK(session->title == "Build a login form");
  CHECK(session->createdAt == 1'000);
  CHECK(session->updatedAt == 3'000);

  ok(store->addInteraction(interaction("s", "i1", 4'000)));
  CHECK(ok(store->findSession("s"))->updatedAt == 4'000);
  ok(store->saveComponent(component("s", "c1", "<div/>", 5'000)));
  CHECK(ok(store->findSession("s"))->updatedAt == 5'000);
  // An idempotent retry changes nothing.
  ok(store->addMessage(message("s", "m1", "again", Role::User, 9'000)));
  CHECK(ok(store->findSession("s"))->updatedAt == 5'000);

  // Titles are at most 60 characters, counted in code points.
  std::string accents;
  for (int i = 0; i < 70; ++i) accents += "\xC3\xA9";  // é
  ok(store->addMessage(message("long", "m1", accents)));
  CHECK(ok(store->findSession("long"))->title == accents.substr(0, 120));
}

TEST_CASE("ensureSession creates once and then returns the stored session") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  auto created = ok(store->ensureSession("s", 7'000));
  CHECK(created == Session{"s", "", 7'000, 7'000});
  CHECK(ok(store->ensureSession("s", 9'000)) == created);
  CHECK(ok(store->findSession("s")) == created);
  CHECK_FALSE(ok(store->findSession("other")).has_value());
  CHECK(ok(store->messageCount("other")) == 0);
}

TEST_CASE("messages page newest first, each page oldest first, over 237 messages") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  std::vector<std::string> all;
  for (int i = 0; i < 237; ++i) {
    all.push_back("m" + std::to_string(i));
    // Creation times run backwards: the order is insertion order, not time.
    ok(store->addMessage(message("s", all.back(), "text", Role::User, 100'000 - i)));
  }
  ok(store->addMessage(message("other", "x", "not in s")));
  CHECK(ok(store->messageCount("s")) == 237);

  std::vector<std::string> collected;
  std::optional<std::string> before;
  std::vector<std::size_t> sizes;
  for (;;) {
    auto page = ok(store->listMessages("s", before, 50));
    sizes.push_back(page.items.size());
    const auto pageIds = ids(page.items);
    collected.insert(collected.begin(), pageIds.begin(), pageIds.end());
    if (!page.hasMore) break;
    before = page.items.front().id;
  }
  CHECK(sizes == std::vector<std::size_t>{50, 50, 50, 50, 37});
  CHECK(collected == all);

  SECTION("the newest page") {
    auto page = ok(store->listMessages("s", std::nullopt, 50));
    CHECK(page.items.front().id == "m187");
    CHECK(page.items.back().id == "m236");
    CHECK(page.hasMore);
  }
  SECTION("the oldest end") {
    auto page = ok(store->listMessages("s", std::string("m1"), 50));
    CHECK(ids(page.items) == std::vector<std::string>{"m0"});
    CHECK_FALSE(page.hasMore);
    auto none = ok(store->listMessages("s", std::string("m0"), 50));
    CHECK(none.items.empty());
    CHECK_FALSE(none.hasMore);
  }
  SECTION("limits at and around the total") {
    CHECK_FALSE(ok(store->listMessages("s", std::nullopt, 237)).hasMore);
    CHECK(ok(store->listMessages("s", std::nullopt, 237)).items.size() == 237);
    CHECK(ok(store->listMessages("s", std::nullopt, 236)).hasMore);
    CHECK(ok(store->listMessages("s", std::nullopt, 1'000'000)).items.size() == 237);
    auto zero = ok(store->listMessages("s", std::nullopt, 0));
    CHECK(zero.items.empty());
    CHECK(zero.hasMore);
  }
  SECTION("before must be a message of the session") {
    auto missing = store->listMessages("s", std::string("nope"), 10);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == StoreError::Kind::NotFound);
    auto otherSession = store->listMessages("s", std::string("x"), 10);
    REQUIRE_FALSE(otherSession);
    CHECK(otherSession.error().kind == StoreError::Kind::NotFound);
  }
  SECTION("an unknown session has an empty page") {
    auto page = ok(store->listMessages("unknown", std::nullopt, 10));
    CHECK(page.items.empty());
    CHECK_FALSE(page.hasMore);
  }
}

TEST_CASE("interactions are idempotent, paged, and keep usage, error and metadata") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  Interaction first = interaction("s", "i0");
  first.usage = Usage{12, 345};
  first.metadata = R"({"temperature":0.2})";
  first.status = RecordStatus::Failed;
  first.error = "provider timed out";
  CHECK(ok(store->addInteraction(first)) == first);
  Interaction changed = first;
  changed.response = "other";
  CHECK(ok(store->addInteraction(changed)) == first);
  for (int i = 1; i < 7; ++i) ok(store->addInteraction(interaction("s", "i" + std::to_string(i))));

  auto newest = ok(store->listInteractions("s", std::nullopt, 4));
  REQUIRE(newest.items.size() == 4);
  CHECK(newest.items.front().id == "i3");
  CHECK(newest.items.back().id == "i6");
  CHECK(newest.hasMore);
  auto rest = ok(store->listInteractions("s", newest.items.front().id, 4));
  REQUIRE(rest.items.size() == 3);
  CHECK(rest.items.front() == first);
  CHECK_FALSE(rest.items[1].usage.has_value());
  CHECK_FALSE(rest.items[1].error.has_value());
  CHECK_FALSE(rest.hasMore);
  auto missing = store->listInteractions("s", std::string("nope"), 4);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == StoreError::Kind::NotFound);
}

TEST_CASE("session/list orders by updated_at desc then id, with an opaque cursor") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  const std::vector<std::pair<std::string, Timestamp>> sessions = {
      {"e", 200}, {"a", 100}, {"c", 200}, {"g", 300}, {"b", 200}, {"f", 50}, {"d", 200}};
  for (const auto& [id, at] : sessions) ok(store->ensureSession(id, at));
  // Opened at 200, its records dated 150: its times become its records'.
  ok(store->addMessage(message("c", "m1", "one", Role::User, 150)));
  ok(store->addMessage(message("c", "m2", "two", Role::User, 150)));
  ok(store->saveComponent(component("c", "k1", "<div/>", 150)));

  const std::vector<std::string> expected = {"g", "b", "d", "e", "c", "a", "f"};
  for (std::int64_t limit : {1, 2, 3, 7, 100}) {
    INFO("limit " << limit);
    std::vector<std::string> seen;
    std::optional<std::string> cursor;
    int pages = 0;
    do {
      auto list = ok(store->listSessions(limit, cursor));
      for (const auto& summary : list.sessions) seen.push_back(summary.session.id);
      CHECK((list.nextCursor.has_value() || seen.size() == expected.size()));
      cursor = list.nextCursor;
      ++pages;
    } while (cursor && pages < 20);
    CHECK(seen == expected);
  }

  auto first = ok(store->listSessions(5, std::nullopt));
  REQUIRE(first.sessions.size() == 5);
  CHECK(first.sessions[4].session == Session{"c", "one", 150, 150});
  CHECK(first.sessions[4].messageCount == 2);
  CHECK(first.sessions[4].componentCount == 1);
  CHECK(first.sessions[0].messageCount == 0);

  auto bad = store->listSessions(3, std::string("not a cursor!"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == StoreError::Kind::Invalid);
  auto zero = store->listSessions(0, std::nullopt);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().kind == StoreError::Kind::Invalid);
}

namespace {

std::vector<std::string> listedIds(Store& store, std::int64_t limit) {
  std::vector<std::string> ids;
  std::optional<std::string> cursor;
  for (int pages = 0; pages < 20; ++pages) {
    auto list = ok(store.listSessions(limit, cursor));
    for (const auto& summary : list.sessions) ids.push_back(summary.session.id);
    cursor = list.nextCursor;
    if (!cursor) break;
  }
  return ids;
}

}  // namespace

TEST_CASE("messages to the first session leave its row alone, and every reader still sees their time") {
  TempDir dir;
  const auto path = dir.file("db");
  auto store = openStore(path);
  RawDb raw(path);
  const auto rowTime = [&](const std::string& id) {
    return raw.integer("SELECT updated_at FROM sessions WHERE id = '" + id + "'");
  };
  ok(store->addMessage(message("a", "a1", "one", Role::User, 1'000)));
  ok(store->addMessage(message("b", "b1", "one", Role::User, 2'000)));
  ok(store->addMessage(message("b", "b2", "two", Role::Assistant, 3'000)));
  ok(store->addMessage(message("b", "b3", "three", Role::User, 4'000)));
  CHECK(rowTime("b") == 2'000);  // b was first: its row was not written again
  CHECK(ok(store->findSession("b"))->updatedAt == 4'000);
  CHECK(ok(store->listSessions(10, std::nullopt)).sessions.at(0).session.updatedAt == 4'000);
  CHECK(ok(store->exportSession("b")).session.updatedAt == 4'000);

  // A message dated before what readers saw does not take the time back.
  ok(store->addMessage(message("b", "b4", "late", Role::User, 3'500)));
  CHECK(ok(store->findSession("b"))->updatedAt == 4'000);

  // b lags again; then c, dated between b's row and b's last message, is
  // written. b catches up first, so the order stays by what readers see.
  ok(store->addMessage(message("c", "c1", "one", Role::User, 3'000)));
  ok(store->addMessage(message("b", "b5", "five", Role::User, 5'000)));
  REQUIRE(rowTime("b") < 5'000);
  ok(store->addMessage(message("c", "c2", "two", Role::User, 4'500)));
  CHECK(rowTime("b") == 5'000);
  for (std::int64_t limit : {1, 2, 10}) {
    INFO("limit " << limit);
    CHECK(listedIds(*store, limit) == std::vector<std::string>{"b", "c", "a"});
  }

  // An interaction, a component or a new session moves its session's row, so
  // the first session catches up then too.
  ok(store->addMessage(message("b", "b6", "six", Role::User, 6'000)));
  REQUIRE(rowTime("b") < 6'000);
  ok(store->addInteraction(interaction("a", "i1", 5'500)));
  CHECK(rowTime("b") == 6'000);
  CHECK(listedIds(*store, 1) == std::vector<std::string>{"b", "a", "c"});
}

TEST_CASE("deleting a session cascades to all its records") {
  TempDir dir;
  const std::string path = dir.file("db");
  auto store = openStore(path);
  for (const std::string session : {"doomed", "kept"}) {
    ok(store->addMessage(message(session, "m1", "hello")));
    ok(store->addInteraction(interaction(session, "i1")));
    ok(store->saveComponent(component(session, "c1", "<div/>")));
    ok(store->saveComponent(component(session, "c1", "<span/>")));
  }
  ok(store->deleteSession("doomed"));
  CHECK_FALSE(ok(store->findSession("doomed")).has_value());

  RawDb raw(path);
  for (const std::string table : {"messages", "interactions", "components", "component_versions"}) {
    INFO(table);
    CHECK(raw.integer("SELECT count(*) FROM " + table + " WHERE session_id = 'doomed'") == 0);
    CHECK(raw.integer("SELECT count(*) FROM " + table + " WHERE session_id = 'kept'") > 0);
  }
  CHECK(ok(store->componentHistory("kept", "c1")).size() == 2);

  auto again = store->deleteSession("doomed");
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == StoreError::Kind::NotFound);
  CHECK(ok(store->integrityCheck()) == "ok");
}
