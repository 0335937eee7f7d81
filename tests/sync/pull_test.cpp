// Pulling the backend's change log, with real processes: two real aieditor
// servers A and B (their own databases) and the real aieditor-backend.
// Waits are on responses (sync/now answers once its push and pull ended).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

struct TwoEditors {
  TempDir dir;
  std::string backendDb = dir.file("backend.db");
  std::string token = addUser(backendDb, "alice");
  std::string dbA = dir.file("a.db");
  std::string dbB = dir.file("b.db");
};

json exported(ServerProcess& server, const std::string& session) {
  return server.ok("session/export", {{"sessionId", session}})["document"];
}

/// name@version of each version of a component, oldest first.
std::vector<std::string> history(ServerProcess& server, const std::string& session, const std::string& component) {
  std::vector<std::string> out;
  const json result = server.ok("components/history", {{"sessionId", session}, {"componentId", component}});
  for (const json& v : result["versions"])
    out.push_back(v["jsx"].get<std::string>() + "@" + std::to_string(v["version"].get<int>()));
  return out;
}

void execSql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(handle);
  REQUIRE(message == "");
  REQUIRE(rc == SQLITE_OK);
}

json saveComponent(ServerProcess& server, const std::string& session, const std::string& id, const std::string& jsx) {
  return server.ok(
      "components/save",
      {{"sessionId", session}, {"component", {{"id", id}, {"name", "Card"}, {"jsx", jsx}, {"css", ""}}}})["component"];
}

}  // namespace

TEST_CASE("messages written on A reach B's database with its sync/now, and no outbox row on B") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  const auto written = addMessages(*a, "shared", 5);
  syncNow(*a);
  syncNow(*b);
  const json messages = b->ok("messages/list", {{"sessionId", "shared"}, {"limit", 100}})["messages"];
  CHECK(ids(messages) == written);
  CHECK(messages[0]["content"] == "text m0");
  CHECK(outboxRows(w.dbB) == 0);
}

TEST_CASE("interleaved writes on A and B converge: the same messages in the same order on both") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  for (int round = 0; round < 4; ++round) {
    addMessages(*a, "chat", 3, "a" + std::to_string(round) + "-");
    addMessages(*b, "chat", 2, "b" + std::to_string(round) + "-");
    if (round % 2 == 1) syncNow(*b);
  }
  syncNow(*a);
  syncNow(*b);
  syncNow(*a);
  const json onA = exported(*a, "chat");
  const json onB = exported(*b, "chat");
  CHECK(ids(onA["messages"]).size() == 20);
  CHECK(ids(onA["messages"]) == ids(onB["messages"]));
  CHECK(onA["messages"] == onB["messages"]);
}

TEST_CASE("the demo on two devices: the whole export is equal on A and B, the session's times and title included") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  // Opened on A before its first record; B starts it too, with its own first prompt.
  a->ok("session/open", {{"sessionId", "demo"}});
  a->ok("chat/send", {{"sessionId", "demo"}, {"text", "a pricing card"}});
  b->ok("chat/send", {{"sessionId", "demo"}, {"text", "a login form"}});
  syncNow(*a);
  syncNow(*b);
  syncNow(*a);
  b->ok("chat/send", {{"sessionId", "demo"}, {"text", "make it blue"}});
  syncNow(*b);
  syncNow(*a);
  CHECK(json::diff(exported(*a, "demo"), exported(*b, "demo")) == json::array());
}

TEST_CASE("one component edited on A and B before either pulled: both versions kept, one history, one current") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  saveComponent(*a, "ui", "card", "<div>one</div>");
  syncNow(*a);
  syncNow(*b);
  REQUIRE(history(*b, "ui", "card") == std::vector<std::string>{"<div>one</div>@1"});
  // Both make "version 2" from version 1.
  saveComponent(*a, "ui", "card", "<div>from A</div>");
  saveComponent(*b, "ui", "card", "<div>from B</div>");
  syncNow(*a);
  syncNow(*b);
  syncNow(*a);
  const auto onA = history(*a, "ui", "card");
  CHECK(onA.size() == 3);
  CHECK(onA == history(*b, "ui", "card"));
  const json documentA = exported(*a, "ui");
  const json documentB = exported(*b, "ui");
  CHECK(documentA["components"].size() == 3);
  CHECK(documentA["components"] == documentB["components"]);
  CHECK_FALSE(documentA["session"]["current_component_id"].is_null());
  CHECK(documentA["session"]["current_component_id"] == documentB["session"]["current_component_id"]);
  CHECK(outboxRows(w.dbA) == 0);
  CHECK(outboxRows(w.dbB) == 0);
}

TEST_CASE("two versions made offline after another device's first: renumbered by the backend, none kept twice") {
  TwoEditors w;
  Backend backend(w.backendDb);
  // A is signed out: its edits wait while B's first version reaches the backend.
  auto a = std::make_unique<ServerProcess>(ServerProcess::Options{
      {"--db", w.dbA}, {{"AIEDITOR_LOG", "error"}, {"AIEDITOR_SYNC_TOKEN", ""}, {"XDG_CONFIG_HOME", w.dir.file("config")}}});
  a->initialize({{"sync", {{"url", backend.url()}}}});
  auto b = editor(w.dbB, backend.url(), w.token);
  saveComponent(*a, "ui", "card", "<div>A one</div>");
  saveComponent(*a, "ui", "card", "<div>A two</div>");
  saveComponent(*b, "ui", "card", "<div>B one</div>");
  syncNow(*b);
  REQUIRE(a->ok("sync/login", {{"token", w.token}})["state"] == "synced");
  syncNow(*b);
  const std::vector<std::string> expected{"<div>B one</div>@1", "<div>A one</div>@2", "<div>A two</div>@3"};
  CHECK(history(*a, "ui", "card") == expected);
  CHECK(history(*b, "ui", "card") == expected);
  CHECK(exported(*a, "ui") == exported(*b, "ui"));
}

TEST_CASE("the change log pulled again from the start changes nothing") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  addMessages(*a, "again", 3, "a");
  addMessages(*b, "again", 3, "b");
  saveComponent(*a, "again", "card", "<div>1</div>");
  syncNow(*a);
  syncNow(*b);
  syncNow(*a);
  const json before = exported(*b, "again");
  // Every page delivered a second time, B's own writes included.
  execSql(w.dbB, "UPDATE sync_cursor SET since = 0");
  syncNow(*b);
  CHECK(exported(*b, "again") == before);
  CHECK(exported(*a, "again")["messages"] == before["messages"]);
  CHECK(outboxRows(w.dbB) == 0);
}

TEST_CASE("a backend restored from an older copy gets back everything A had acknowledged") {
  TwoEditors w;
  const int port = freePort();
  const std::vector<std::string> listen{"--listen", "127.0.0.1:" + std::to_string(port)};
  const std::string old = w.dir.file("old.db");
  auto a = editor(w.dbA, urlOf(port), w.token);
  std::vector<std::string> written;
  {
    Backend backend(w.backendDb, listen);
    written = addMessages(*a, "kept", 3, "early");
    syncNow(*a);
  }
  execSql(w.backendDb, "VACUUM INTO '" + old + "'");
  {
    Backend backend(w.backendDb, listen);
    const auto later = addMessages(*a, "kept", 3, "late");
    written.insert(written.end(), later.begin(), later.end());
    syncNow(*a);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(w.backendDb + suffix);
  std::filesystem::rename(old, w.backendDb);
  Backend backend(w.backendDb, listen);
  REQUIRE(backendChanges(backend, w.token) == messageChanges("kept", {written.begin(), written.begin() + 3}));
  syncNow(*a);
  CHECK(backendChanges(backend, w.token) == messageChanges("kept", written));
  CHECK(ids(exported(*a, "kept")["messages"]) == written);
}

TEST_CASE("pulled changes to a session B has open reach its editor as session/changed, others do not") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  b->ok("session/open", {{"sessionId", "shared"}});
  const auto written = addMessages(*a, "shared", 3);
  addMessages(*a, "closed", 2);
  saveComponent(*a, "shared", "card", "<div>1</div>");
  syncNow(*a);
  syncNow(*b);  // answered after the notifications its pull caused
  // B's own pull at start may have brought part of it already.
  const auto notices = b->notifications("session/changed");
  REQUIRE(!notices.empty());
  std::vector<std::string> messages;
  json components, current;
  for (const json& changed : notices) {
    CHECK(changed["sessionId"] == "shared");  // none for "closed", which B has not opened
    if (changed.contains("messages"))
      for (const auto& id : ids(changed["messages"])) messages.push_back(id);
    if (changed.contains("components")) components = changed["components"];
    if (changed.contains("currentComponentId")) current = changed["currentComponentId"];
  }
  CHECK(messages == written);
  REQUIRE(components.size() == 1);
  CHECK(components[0]["jsx"] == "<div>1</div>");
  CHECK(current == "card");

  // Closed, it hears no more.
  b->ok("session/close", {{"sessionId", "shared"}});
  addMessages(*a, "shared", 1, "later");
  syncNow(*a);
  syncNow(*b);
  CHECK(b->notifications("session/changed").size() == notices.size());
}

TEST_CASE("live: a chat on A appears on B through session/changed with no call from B") {
  TwoEditors w;
  Backend backend(w.backendDb);
  auto a = editor(w.dbA, backend.url(), w.token);
  auto b = editor(w.dbB, backend.url(), w.token);
  b->ok("session/open", {{"sessionId", "live"}});
  syncNow(*b);  // its push after the session's creation is done: B has nothing due
  const auto written = addMessages(*a, "live", 4);
  // B is not called again: the notices come from its event stream alone.
  std::vector<std::string> seen;
  std::size_t next = 0;
  while (seen.size() < written.size()) {
    std::size_t index = 0;
    const json changed = b->waitNotification(
        "session/changed", [](const json& n) { return n.contains("messages"); }, next, &index);
    next = index + 1;
    CHECK(changed["sessionId"] == "live");
    for (const auto& id : ids(changed["messages"])) seen.push_back(id);
  }
  CHECK(seen == written);
  // With its event stream open, B ends at once when its editor goes.
  b->ok("shutdown", nullptr);
  b->notify("exit", nullptr);
  b->waitForEndOfOutput();  // fails the test if the stream held it
  CHECK(b->wait() == 0);
}

TEST_CASE("a restored backend is noticed on the event stream and gets everything back with no call from A") {
  TwoEditors w;
  const int port = freePort();
  const std::vector<std::string> listen{"--listen", "127.0.0.1:" + std::to_string(port)};
  const std::string old = w.dir.file("old.db");
  { Backend empty(w.backendDb, listen); }
  execSql(w.backendDb, "VACUUM INTO '" + old + "'");
  auto a = editor(w.dbA, urlOf(port), w.token);
  std::vector<std::string> written;
  {
    Backend backend(w.backendDb, listen);
    written = addMessages(*a, "kept", 3);
    syncNow(*a);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(w.backendDb + suffix);
  std::filesystem::rename(old, w.backendDb);
  const std::size_t before = a->notificationCount();
  Backend backend(w.backendDb, listen);
  // The stream reconnects beyond the restored latest: `event: reset`, then
  // everything is queued again and uploaded.
  std::size_t queued = 0;
  a->waitNotification(
      "sync/status", [](const json& s) { return s["pending"].get<int>() > 0; }, before, &queued);
  waitSync(*a, allSynced, queued + 1);
  CHECK(backendChanges(backend, w.token) == messageChanges("kept", written));
}

TEST_CASE("a session deleted on another device while B wrote to it offline keeps B's writes, on both") {
  TwoEditors w;
  const int port = freePort();
  const std::vector<std::string> listen{"--listen", "127.0.0.1:" + std::to_string(port)};
  auto a = editor(w.dbA, urlOf(port), w.token);
  auto b = editor(w.dbB, urlOf(port), w.token);
  {
    Backend backend(w.backendDb, listen);
    addMessages(*a, "gone", 2, "early");
    syncNow(*a);
    syncNow(*b);
  }
  // B writes with the backend down; meanwhile another device deletes the
  // session (on the backend, at a port B does not know).
  const auto offline = addMessages(*b, "gone", 2, "offline");
  {
    Backend elsewhere(w.backendDb);
    REQUIRE(elsewhere.call("DELETE", "/api/sessions/gone", elsewhere.signIn(w.token)).status == 204);
  }
  Backend backend(w.backendDb, listen);
  syncNow(*b);
  syncNow(*a);
  CHECK(ids(exported(*b, "gone")["messages"]) == offline);
  CHECK(ids(exported(*a, "gone")["messages"]) == offline);
}
