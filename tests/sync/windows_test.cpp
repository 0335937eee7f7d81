// Two editor windows on one database (two aieditor processes, one SQLite
// file) syncing through the real aieditor-backend: one outbox pushed under
// one lease, and every window told what was pulled into the shared tables.
// Waits are on notifications, responses and process exits.
#include <signal.h>
#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

struct Lease {
  std::string holder;          ///< "" when nobody holds it
  std::int64_t expiresAt = 0;  ///< ms since the epoch
};

/// The push lease as the database file `db` holds it.
Lease lease(const std::string& db) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, "SELECT holder, expires_at FROM sync_lease", -1, &stmt, nullptr) == SQLITE_OK);
  Lease found;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    found.holder = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    found.expiresAt = sqlite3_column_int64(stmt, 1);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return found;
}

std::string leaseHolder(const std::string& db) { return lease(db).holder; }

/// An ISO 8601 UTC time as the server writes it ("2026-12-03T12:30:05.301Z"), in ms since the epoch.
std::int64_t epochMs(const std::string& iso) {
  std::tm tm{};
  int ms = 0;
  REQUIRE(std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                      &tm.tm_min, &tm.tm_sec, &ms) == 7);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + ms;
}

/// sync/now until it answers synced: "syncing" while the other window holds the lease.
void syncNowShared(ServerProcess& window) {
  int attempts = 0;
  while (!allSynced(window.ok("sync/now", json::object()))) REQUIRE(++attempts < 1000);
}

/// The session/changed notices `window` gets until they hold `messages`
/// (in order, each once) and made `component` current.
void waitChanged(ServerProcess& window, const std::string& session, const std::vector<std::string>& messages,
                 const std::string& component) {
  std::vector<std::string> seen;
  json current;
  bool versions = false;
  std::size_t next = 0;
  while (seen.size() < messages.size() || current != component || !versions) {
    std::size_t index = 0;
    const json changed = window.waitNotification("session/changed", {}, next, &index);
    next = index + 1;
    CHECK(changed["sessionId"] == session);
    if (changed.contains("messages"))
      for (const auto& id : ids(changed["messages"])) seen.push_back(id);
    if (changed.contains("components")) versions = changed["components"].size() == 1;
    if (changed.contains("currentComponentId")) current = changed["currentComponentId"];
    REQUIRE(seen.size() <= messages.size());
  }
  CHECK(seen == messages);
}

}  // namespace

TEST_CASE("two windows on one database: each write pushed once, both see what the other device wrote") {
  World w;
  Backend backend(w.backendDb);
  auto one = editor(w.db, backend.url(), w.token);
  auto two = editor(w.db, backend.url(), w.token);
  auto other = editor(w.dir.file("other.db"), backend.url(), w.token);
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    const auto a = addMessages(*one, "shared", 4, "one" + std::to_string(round) + "-");
    const auto b = addMessages(*two, "shared", 4, "two" + std::to_string(round) + "-");
    ids.insert(ids.end(), a.begin(), a.end());
    ids.insert(ids.end(), b.begin(), b.end());
  }
  const auto fromOther = addMessages(*other, "elsewhere", 3, "x");
  syncNow(*other);
  // Both windows end with an empty outbox, whichever pushed: sync/now
  // answers "syncing" while the other window holds the lease.
  for (ServerProcess* window : {one.get(), two.get()}) syncNowShared(*window);
  std::vector<std::string> arrived;
  for (const std::string& change : backendChanges(backend, w.token))
    if (change.starts_with("message:shared:")) arrived.push_back(change.substr(std::strlen("message:shared:")));
  std::vector<std::string> expected = ids;
  std::sort(arrived.begin(), arrived.end());
  std::sort(expected.begin(), expected.end());
  CHECK(arrived == expected);  // each once
  CHECK(outboxRows(w.db) == 0);
  CHECK(leaseHolder(w.db).empty());  // freed after each push
  for (ServerProcess* window : {one.get(), two.get()}) {
    syncNow(*window);
    CHECK(exportedMessageIds(*window, "elsewhere") == fromOther);
  }
}

TEST_CASE("two windows on one database: the lease holder killed mid-push, the other takes over and drains") {
  World w;
  const int port = freePort();
  const std::vector<std::string> listen{"--listen", "127.0.0.1:" + std::to_string(port)};
  auto backend = std::make_unique<Backend>(w.backendDb, listen);
  auto holder = editor(w.db, urlOf(port), w.token);
  waitSync(*holder, allSynced);
  holder->ok("sync/now", json::object());  // its first pull is over: only the push below meets the frozen backend
  // The backend frozen: the holder's POST /api/batch hangs with the lease held.
  REQUIRE(::kill(backend->process().pid(), SIGSTOP) == 0);
  const std::size_t before = holder->notificationCount();
  const auto ids = addMessages(*holder, "s", 5, "h");
  waitSync(
      *holder, [](const json& s) { return s["state"] == "syncing" && s["pending"] != 0; }, before);
  CHECK_FALSE(leaseHolder(w.db).empty());
  {
    // While the holder lives, another window on the database does not push.
    // Pointed at a second backend, it would upload the holder's writes there.
    const std::string secondDb = w.dir.file("second-backend.db");
    const std::string secondToken = addUser(secondDb, "alice");
    Backend second(secondDb);
    auto window = editor(w.db, second.url(), secondToken);
    const json status = window->ok("sync/now", json::object());
    CHECK(status["state"] == "syncing");
    // Another backend: everything is queued for it again (the holder's 5 and
    // their copies), and none of it is sent while the lease is held.
    CHECK(status["pending"].get<int>() >= 5);
    CHECK(backendChanges(second, secondToken).empty());
    window->ok("shutdown", nullptr);
    window->notify("exit", nullptr);
    CHECK(window->wait() == 0);
  }
  holder->kill9();
  holder.reset();
  REQUIRE(::kill(backend->process().pid(), SIGCONT) == 0);

  auto other = editor(w.db, urlOf(port), w.token);
  const auto more = addMessages(*other, "s", 5, "o");
  // The dead holder's lease is taken over at once (its process has ended): this window pushes everything.
  waitSync(*other, allSynced);
  std::vector<std::string> all = ids;
  all.insert(all.end(), more.begin(), more.end());
  CHECK(backendChanges(*backend, w.token) == messageChanges("s", all));
  CHECK(exportedMessageIds(*other, "s") == all);
  CHECK(outboxRows(w.db) == 0);
}

TEST_CASE(
    "two windows on one database: both editors hear session/changed for another device's work, each record once") {
  World w;
  Backend backend(w.backendDb);
  auto one = editor(w.db, backend.url(), w.token);
  auto two = editor(w.db, backend.url(), w.token);
  auto device = editor(w.dir.file("device-b.db"), backend.url(), w.token);
  for (ServerProcess* window : {one.get(), two.get()}) {
    window->ok("session/open", {{"sessionId", "live"}});
    syncNowShared(*window);  // nothing of its own is due
  }
  const auto written = addMessages(*device, "live", 4, "b");
  device->ok(
      "components/save",
      {{"sessionId", "live"}, {"component", {{"id", "card"}, {"name", "Card"}, {"jsx", "<div>B</div>"}, {"css", ""}}}});
  // Neither window is called: one's pull applies each change, the other's
  // finds it applied already; both are told, from their event streams alone.
  for (ServerProcess* window : {one.get(), two.get()}) waitChanged(*window, "live", written, "card");
  for (ServerProcess* window : {one.get(), two.get()}) {
    const json opened = window->ok("session/open", {{"sessionId", "live"}});
    CHECK(ids(opened["messages"]) == written);
    CHECK(opened["currentComponentId"] == "card");
    CHECK(exportedMessageIds(*window, "live") == written);
  }
}

TEST_CASE("a window killed holding the push lease: the editor restarted pushes at once, before that lease expires") {
  World w;
  Backend backend(w.backendDb);
  std::vector<std::string> ids;
  {
    // Written with sync off: queued, for the first window that syncs.
    ServerProcess offline(ServerProcess::Options{{"--db", w.db}, {{"AIEDITOR_LOG", "error"}}});
    offline.initialize(json::object());
    ids = addMessages(offline, "s", 5, "h");
    offline.ok("shutdown", nullptr);
    offline.notify("exit", nullptr);
    REQUIRE(offline.wait() == 0);
  }
  // A backend that never answers: the window takes the lease for its
  // pending writes, then waits on its sign-in. Its event stream signs in too;
  // the second request means the sync thread holds the lease.
  BlackHole unanswered;
  auto holder = editor(w.db, urlOf(unanswered.port()), w.token);
  unanswered.waitForConnections(2);
  holder->kill9();
  holder.reset();
  const Lease dead = lease(w.db);
  REQUIRE_FALSE(dead.holder.empty());

  auto restarted = editor(w.db, backend.url(), w.token);
  const json synced = waitSync(*restarted, allSynced);
  // Pushed while the dead holder's lease still ran: its process had ended.
  CHECK(epochMs(synced["lastSyncedAt"]) < dead.expiresAt);
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));
  CHECK(outboxRows(w.db) == 0);
  syncNow(*restarted);  // answered once its attempt ended, and the lease freed
  CHECK(leaseHolder(w.db).empty());
}
