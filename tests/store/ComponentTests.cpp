// Components: versions, history, idempotent saves, the current component,
// deletion, and atomic chat replies.
#include "StoreTestSupport.h"

using namespace storetest;

TEST_CASE("saving a component keeps every version and skips unchanged content") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  Component draft = component("s", "c1", "<div/>", 1'000);
  draft.version = 42;     // ignored
  draft.createdAt = 7;    // ignored
  draft.metadata = R"({"source":"manual"})";
  auto v1 = ok(store->saveComponent(draft));
  CHECK(v1.version == 1);
  CHECK(v1.createdAt == 1'000);
  CHECK(v1.updatedAt == 1'000);
  CHECK(v1.metadata == draft.metadata);

  Component same = draft;
  same.updatedAt = 2'000;
  same.metadata = "{}";  // metadata alone is not a change
  CHECK(ok(store->saveComponent(same)) == v1);
  CHECK(ok(store->componentHistory("s", "c1")).size() == 1);

  Component restyled = draft;
  restyled.css = ".widget { color: red }";
  restyled.updatedAt = 3'000;
  auto v2 = ok(store->saveComponent(restyled));
  CHECK(v2.version == 2);
  CHECK(v2.createdAt == 1'000);
  CHECK(v2.updatedAt == 3'000);
  CHECK(v2.css == restyled.css);

  Component renamed = restyled;
  renamed.name = "Gadget";
  renamed.updatedAt = 0;  // now
  auto v3 = ok(store->saveComponent(renamed));
  CHECK(v3.version == 3);
  CHECK(v3.updatedAt > 3'000);

  CHECK(ok(store->getComponent("s", "c1", std::nullopt)) == v3);
  CHECK(ok(store->getComponent("s", "c1", 1)) == v1);
  CHECK(ok(store->getComponent("s", "c1", 2)) == v2);
  CHECK_FALSE(ok(store->getComponent("s", "c1", 4)).has_value());
  CHECK_FALSE(ok(store->getComponent("s", "nope", std::nullopt)).has_value());
  CHECK_FALSE(ok(store->getComponent("other", "c1", std::nullopt)).has_value());
  const aieditor::protocol::VersionOrigin manual{aieditor::protocol::OriginKind::Manual, {}, {}};
  CHECK(ok(store->componentHistory("s", "c1")) == std::vector<aieditor::protocol::ComponentVersion>{
                                                      {v1, manual, false}, {v2, manual, false}, {v3, manual, true}});

  auto missing = store->componentHistory("s", "nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == StoreError::Kind::NotFound);
}

TEST_CASE("the saved component becomes current, and list, setCurrent and delete work") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  CHECK_FALSE(ok(store->currentComponentId("s")).has_value());
  auto a1 = ok(store->saveComponent(component("s", "a", "<a/>", 1'000)));
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("a"));
  auto b1 = ok(store->saveComponent(component("s", "b", "<b/>", 2'000)));
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("b"));
  auto a2 = ok(store->saveComponent(component("s", "a", "<a2/>", 3'000)));
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("a"));
  // An unchanged save still makes it current.
  CHECK(ok(store->saveComponent(component("s", "b", "<b/>", 4'000))) == b1);
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("b"));

  // Latest version of each, oldest component first.
  CHECK(ok(store->listComponents("s")) == std::vector<Component>{a2, b1});
  CHECK(ok(store->listComponents("other")).empty());

  ok(store->setCurrentComponent("s", "a"));
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("a"));
  auto unknown = store->setCurrentComponent("s", "zzz");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == StoreError::Kind::NotFound);
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("a"));

  // Deleting a component that is not current leaves the current one.
  ok(store->deleteComponent("s", "b"));
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("a"));
  // Deleting the current one clears it, with its whole history.
  ok(store->deleteComponent("s", "a"));
  CHECK_FALSE(ok(store->currentComponentId("s")).has_value());
  CHECK(ok(store->listComponents("s")).empty());
  auto history = store->componentHistory("s", "a");
  REQUIRE_FALSE(history);
  CHECK(history.error().kind == StoreError::Kind::NotFound);
  auto again = store->deleteComponent("s", "a");
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == StoreError::Kind::NotFound);

  // A deleted id starts over at version 1.
  CHECK(ok(store->saveComponent(component("s", "a", "<new/>", 5'000))).version == 1);
  CHECK(a1.version == 1);
}

TEST_CASE("saveReply stores message, interaction and component together") {
  TempDir dir;
  const std::string path = dir.file("db");
  auto store = openStore(path);
  ok(store->addMessage(message("s", "u1", "make a button")));

  ReplyRecords reply;
  reply.interaction = interaction("s", "i1", 2'000);
  reply.assistantMessage = message("s", "a1", "Here it is", Role::Assistant, 2'000);
  reply.assistantMessage.interactionId = "i1";
  reply.assistantMessage.componentId = "c1";
  reply.component = component("s", "c1", "<button/>", 2'000);

  auto stored = ok(store->saveReply(reply));
  CHECK(stored.assistantMessage == reply.assistantMessage);
  CHECK(stored.interaction == reply.interaction);
  REQUIRE(stored.component);
  CHECK(stored.component->version == 1);
  CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("c1"));
  CHECK(ok(store->findSession("s"))->updatedAt == 2'000);

  SECTION("a retry with the same ids stores nothing new") {
    auto again = ok(store->saveReply(reply));
    CHECK(again.assistantMessage == stored.assistantMessage);
    CHECK(again.interaction == stored.interaction);
    CHECK(again.component == stored.component);
    CHECK(ok(store->messageCount("s")) == 2);
    CHECK(ok(store->listInteractions("s", std::nullopt, 10)).items.size() == 1);
    CHECK(ok(store->componentHistory("s", "c1")).size() == 1);
  }
  SECTION("a reply without a component") {
    ReplyRecords plain;
    plain.interaction = interaction("s", "i2", 3'000);
    plain.assistantMessage = message("s", "a2", "No code this time", Role::Assistant, 3'000);
    auto saved = ok(store->saveReply(plain));
    CHECK_FALSE(saved.component.has_value());
    CHECK(ok(store->messageCount("s")) == 3);
    CHECK(ok(store->currentComponentId("s")) == std::optional<std::string>("c1"));
  }
  SECTION("a failure part-way stores none of it") {
    // Make the last insert of the transaction (the message) fail.
    RawDb(path).exec(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages WHEN NEW.content = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END;");
    ReplyRecords doomed;
    doomed.interaction = interaction("s", "i3", 4'000);
    doomed.assistantMessage = message("s", "a3", "boom", Role::Assistant, 4'000);
    doomed.component = component("s", "c1", "<button>v2</button>", 4'000);
    auto failed = store->saveReply(doomed);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message.find("refused by test trigger") != std::string::npos);

    CHECK(ok(store->messageCount("s")) == 2);
    CHECK(ok(store->listInteractions("s", std::nullopt, 10)).items.size() == 1);
    CHECK(ok(store->componentHistory("s", "c1")).size() == 1);
    CHECK(ok(store->findSession("s"))->updatedAt == 2'000);
  }
  SECTION("records of different sessions are refused") {
    ReplyRecords mixed = reply;
    mixed.interaction.sessionId = "other";
    auto refused = store->saveReply(mixed);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == StoreError::Kind::Invalid);
  }
}

TEST_CASE("a pulled version is marked synced, and this device's own coming back keeps its origin") {
  using aieditor::protocol::OriginKind;
  TempDir dir;
  auto store = openStore(dir.file("db"));
  auto mine = ok(store->saveComponent(component("s", "c1", "<mine/>", 1'000)));
  Component theirs = component("s", "c1", "<theirs/>", 2'000);
  theirs.version = 2;
  theirs.createdAt = mine.createdAt;
  std::vector<PulledChange> changes{{1, "component", "s", std::nullopt, std::nullopt, std::nullopt, mine},
                                    {2, "component", "s", std::nullopt, std::nullopt, std::nullopt, theirs}};
  ok(store->applyPulled(changes, 2));

  auto history = ok(store->componentHistory("s", "c1"));
  REQUIRE(history.size() == 2);
  CHECK(history[0].origin.kind == OriginKind::Manual);
  CHECK_FALSE(history[0].current);
  CHECK(history[1].component.jsx == "<theirs/>");
  CHECK(history[1].origin.kind == OriginKind::Synced);
  CHECK(history[1].current);
}
