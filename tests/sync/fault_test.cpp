// Sync under faults, with real processes: the real aieditor servers over
// pipes, the real aieditor-backend killed with SIGKILL at chosen points (its
// AIEDITOR_BACKEND_CRASH test hook) and started again on the same file and
// port. In every case each write arrives once. Waits are on sync/status
// notifications, responses and process exits.
#include <signal.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

std::vector<std::string> messageIds(ServerProcess& server, const std::string& session) {
  const json document = server.ok("session/export", {{"sessionId", session}})["document"];
  std::vector<std::string> out;
  for (const json& message : document["messages"]) out.push_back(message["id"]);
  return out;
}

/// Messages and interactions the backend's file holds (read directly, while it is down).
std::int64_t backendRecords(const std::string& db) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, "SELECT count(*) FROM records", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const std::int64_t count = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return count;
}

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
  CHECK(messageIds(*a, "crash") == ids);
  CHECK(outboxRows(w.db) == 0);
}
