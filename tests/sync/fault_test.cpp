// Sync under faults, with real processes: the real aieditor servers over
// pipes, the real aieditor-backend killed with SIGKILL at chosen points (its
// AIEDITOR_BACKEND_CRASH test hook) and started again on the same file and
// port. In every case each write arrives once. Waits are on sync/status
// notifications, responses and process exits.
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

/// Messages and interactions the backend's file holds (read directly, while it is down).
std::int64_t backendRecords(const std::string& db) { return countRows(db, "records"); }

}  // namespace

TEST_CASE("the backend killed during a push, before or after its commit: every write arrives once") {
  const std::string point = GENERATE(as<std::string>{}, "batch-before-commit", "batch-after-commit");
  INFO("AIEDITOR_BACKEND_CRASH=" << point);
  World w;
  const int port = freePort();
  const std::vector<std::string> listen{"--listen", "127.0.0.1:" + std::to_string(port)};
  Backend crashing(w.backendDb, listen, {{"AIEDITOR_BACKEND_CRASH", point}});
  auto a = editor(w.db, urlOf(port), w.token);
  waitSync(*a, allSynced);  // signed in; nothing to push yet

  const auto ids = addMessages(*a, "crash", 40);
  // The first POST /api/batch ends the backend with SIGKILL.
  CHECK(crashing.process().wait() == 128 + SIGKILL);
  // Killed before its commit it kept nothing; after it, the batch it never answered.
  if (point == "batch-before-commit")
    CHECK(backendRecords(w.backendDb) == 0);
  else
    CHECK(backendRecords(w.backendDb) > 0);
  waitSync(*a, [](const json& s) { return s["state"] == "offline" && s["pending"] != 0; });

  const std::size_t before = a->notificationCount();
  Backend backend(w.backendDb, listen);
  waitSync(*a, allSynced, before);
  CHECK(backendChanges(backend, w.token) == messageChanges("crash", ids));
  CHECK(exportedMessageIds(*a, "crash") == ids);
  CHECK(outboxRows(w.db) == 0);
}

namespace {

constexpr long kDayMs = 24L * 3600 * 1000;

/// An editor syncing with `url`, with `variable` set to `value` (a test hook).
std::unique_ptr<ServerProcess> editorWith(const std::string& db, const std::string& url, const std::string& token,
                                          const std::string& variable, const std::string& value) {
  auto server = std::make_unique<ServerProcess>(
      ServerProcess::Options{{"--db", db}, {{"AIEDITOR_LOG", "error"}, {variable, value}}});
  server->initialize({{"sync", {{"url", url}, {"token", token}}}});
  return server;
}

json saveComponent(ServerProcess& server, const std::string& session, const std::string& id, const std::string& jsx) {
  return server.ok(
      "components/save",
      {{"sessionId", session}, {"component", {{"id", id}, {"name", "Card"}, {"jsx", jsx}, {"css", ""}}}})["component"];
}

json exported(ServerProcess& server, const std::string& session) {
  return server.ok("session/export", {{"sessionId", session}})["document"];
}

}  // namespace

TEST_CASE("A's clock a day fast and B's a day slow change nothing: one history, the backend's last current component") {
  World w;
  Backend backend(w.backendDb);
  const std::string dbB = w.dir.file("b.db");
  auto a = editorWith(w.db, backend.url(), w.token, "AIEDITOR_CLOCK_SKEW_MS", std::to_string(kDayMs));
  auto b = editorWith(dbB, backend.url(), w.token, "AIEDITOR_CLOCK_SKEW_MS", std::to_string(-kDayMs));

  addMessages(*a, "ui", 3, "a");
  saveComponent(*a, "ui", "card", "<div>A1</div>");
  syncNow(*a);
  syncNow(*b);
  // A makes "banner" current, stamped a day ahead; B later edits "card",
  // stamped a day behind: the backend receives B's last, so "card" is current.
  saveComponent(*a, "ui", "banner", "<div>banner</div>");
  addMessages(*a, "ui", 2, "a-late");
  syncNow(*a);
  addMessages(*b, "ui", 3, "b");
  saveComponent(*b, "ui", "card", "<div>B2</div>");
  syncNow(*b);
  syncNow(*a);

  const json onA = exported(*a, "ui");
  const json onB = exported(*b, "ui");
  // The clocks really were skewed: B's later message carries an earlier day.
  const auto dayOf = [](const json& doc, const std::string& id) {
    for (const json& m : doc["messages"])
      if (m["id"] == id) return m["created_at"].get<std::string>().substr(0, 10);
    FAIL("no message " << id);
    return std::string();
  };
  CHECK(dayOf(onA, "a0") > dayOf(onA, "b0"));

  CHECK(onA["messages"] == onB["messages"]);
  CHECK(onA["components"].size() == 3);  // card 1 and 2, banner 1
  CHECK(onA["components"] == onB["components"]);
  CHECK(onA["session"]["current_component_id"] == "card");
  CHECK(onB["session"]["current_component_id"] == "card");
  std::vector<std::string> backendOrder;
  for (const std::string& change : backendChanges(backend, w.token))
    if (change.starts_with("message:ui:")) backendOrder.push_back(change.substr(std::strlen("message:ui:")));
  CHECK(exportedMessageIds(*a, "ui") == backendOrder);
  CHECK(exportedMessageIds(*b, "ui") == backendOrder);
  CHECK(backendOrder.size() == 8);
  const std::string access = backend.signIn(w.token);
  const json sessions = backend.call("GET", "/api/sessions", access).json()["sessions"];
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0]["current_component_id"] == "card");
}

TEST_CASE("offline with a long backoff, the push starts as soon as the backend is reachable again") {
  World w;
  const int port = freePort();
  // Every retry (pushes and the event stream) waits 10 minutes: only the
  // reachability probe can bring the push forward.
  auto a = editorWith(w.db, urlOf(port), w.token, "AIEDITOR_SYNC_RETRY_MS", "600000");
  waitSync(*a, [](const json& s) { return s["state"] == "offline"; });
  const auto ids = addMessages(*a, "plane", 20);
  // Several failures, as hours on a plane would make.
  for (int i = 0; i < 3; ++i) CHECK(a->ok("sync/now", json::object())["state"] == "offline");
  const json offline = a->ok("sync/status", json::object());
  REQUIRE(offline["pending"] == 20);
  REQUIRE(offline.contains("retryAt"));

  const std::size_t before = a->notificationCount();
  Backend backend(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port)});
  const json synced = waitSync(*a, allSynced, before);
  // Before the retry that was due (ISO times compare as text).
  CHECK(synced["lastSyncedAt"].get<std::string>() < offline["retryAt"].get<std::string>());
  CHECK(backendChanges(backend, w.token) == messageChanges("plane", ids));
}
