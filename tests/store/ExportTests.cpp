// Export and import of whole sessions.
#include "StoreTestSupport.h"

using namespace storetest;

namespace {

/// A session with every kind of record and field filled in.
void fillSession(Store& store, const std::string& id) {
  Message user = message(id, "u1", "Build a card\nwith a title", Role::User, 1'000);
  user.images = {Image{"image/png", "iVBORw0KGgo="}};
  ok(store.addMessage(user));
  ok(store.addMessage(message(id, "sys", "Be brief.", Role::System, 1'001)));

  Interaction first = interaction(id, "i1", 1'100);
  first.usage = Usage{10, 20};
  first.metadata = R"({"seed":7})";
  ReplyRecords reply{message(id, "a1", "```jsx\n<Card/>\n```", Role::Assistant, 1'100), first,
                     component(id, "card", "<Card/>", 1'100)};
  reply.assistantMessage.interactionId = "i1";
  reply.assistantMessage.componentId = "card";
  ok(store.saveReply(reply));

  ok(store.saveComponent(component(id, "badge", "<Badge/>", 1'200)));
  ok(store.saveComponent(component(id, "card", "<Card big/>", 1'300)));  // card v2 after badge v1

  Interaction failed = interaction(id, "i2", 1'400);
  failed.status = RecordStatus::Failed;
  failed.error = "network down";
  Message partial = message(id, "a2", "Here is", Role::Assistant, 1'400);
  partial.status = RecordStatus::Interrupted;
  partial.interactionId = "i2";
  ok(store.saveReply(ReplyRecords{partial, failed, std::nullopt}));
  ok(store.setCurrentComponent(id, "card"));
}

void checkEqual(const SessionDocument& a, const SessionDocument& b) {
  CHECK(a.session == b.session);
  CHECK(a.currentComponentId == b.currentComponentId);
  CHECK(a.messages == b.messages);
  CHECK(a.interactions == b.interactions);
  CHECK(a.componentVersions == b.componentVersions);
}

SessionDocument renamed(SessionDocument document, const std::string& id) {
  document.session.id = id;
  for (auto& m : document.messages) m.sessionId = id;
  for (auto& i : document.interactions) i.sessionId = id;
  for (auto& c : document.componentVersions) c.sessionId = id;
  return document;
}

}  // namespace

TEST_CASE("export holds everything, in order") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  fillSession(*store, "s");
  auto document = ok(store->exportSession("s"));
  CHECK(document.session.title == "Build a card");
  CHECK(document.currentComponentId == std::optional<std::string>("card"));
  REQUIRE(document.messages.size() == 4);
  CHECK(document.messages[0].id == "u1");
  CHECK(document.messages[0].images.size() == 1);
  CHECK(document.messages[3].status == RecordStatus::Interrupted);
  REQUIRE(document.interactions.size() == 2);
  CHECK(document.interactions[1].error == std::optional<std::string>("network down"));
  // Grouped by component (oldest first), then version ascending.
  REQUIRE(document.componentVersions.size() == 3);
  CHECK(document.componentVersions[0].id == "card");
  CHECK(document.componentVersions[0].version == 1);
  CHECK(document.componentVersions[1].id == "card");
  CHECK(document.componentVersions[1].version == 2);
  CHECK(document.componentVersions[1].createdAt == 1'100);
  CHECK(document.componentVersions[1].updatedAt == 1'300);
  CHECK(document.componentVersions[2].id == "badge");

  auto missing = store->exportSession("nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == StoreError::Kind::NotFound);
}

TEST_CASE("export then import into another database gives an equal session") {
  TempDir dir;
  auto source = openStore(dir.file("source.db"));
  fillSession(*source, "s");
  auto original = ok(source->exportSession("s"));

  auto target = openStore(dir.file("target.db"));
  ok(target->importSession(original));
  checkEqual(ok(target->exportSession("s")), original);
  // The imported session keeps working: versions continue, paging works.
  CHECK(ok(target->saveComponent(component("s", "card", "<Card v3/>", 2'000))).version == 3);
  CHECK(ok(target->listMessages("s", std::string("a1"), 10)).items.size() == 2);
  auto summary = ok(target->listSessions(10, std::nullopt)).sessions.at(0);
  CHECK(summary.messageCount == 4);
  CHECK(summary.componentCount == 2);
}

TEST_CASE("import takes a new id in the same database and never overwrites an existing one") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  fillSession(*store, "s");
  auto original = ok(store->exportSession("s"));

  auto conflict = store->importSession(original);
  REQUIRE_FALSE(conflict);
  CHECK(conflict.error().kind == StoreError::Kind::Conflict);
  checkEqual(ok(store->exportSession("s")), original);

  // Records are stored under the document's session id.
  SessionDocument copy = original;
  copy.session.id = "copy";
  ok(store->importSession(copy));
  checkEqual(ok(store->exportSession("copy")), renamed(original, "copy"));
  checkEqual(ok(store->exportSession("s")), original);
}

TEST_CASE("a bad document imports nothing") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  fillSession(*store, "s");
  auto original = ok(store->exportSession("s"));

  SECTION("a repeated message id") {
    SessionDocument bad = renamed(original, "bad");
    bad.messages.push_back(bad.messages.front());
    auto result = store->importSession(bad);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == StoreError::Kind::Invalid);
  }
  SECTION("a current component that is not in the document") {
    SessionDocument bad = renamed(original, "bad");
    bad.currentComponentId = "ghost";
    auto result = store->importSession(bad);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == StoreError::Kind::Invalid);
  }
  SECTION("an empty session id") {
    SessionDocument bad = renamed(original, "");
    auto result = store->importSession(bad);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == StoreError::Kind::Invalid);
  }
  CHECK_FALSE(ok(store->findSession("bad")).has_value());
  CHECK(ok(store->listSessions(10, std::nullopt)).sessions.size() == 1);
}
