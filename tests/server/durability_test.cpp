// Crash safety, shared databases and storage failures, with real processes
// and real SQLite files.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

std::set<std::string> storedMessageIds(const std::string& db, std::string* integrity = nullptr) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  std::set<std::string> ids;
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, "SELECT id FROM messages", -1, &stmt, nullptr) == SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  if (integrity) {
    REQUIRE(sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    *integrity = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return ids;
}

}  // namespace

TEST_CASE("kill -9 during a stream of writes loses no acknowledged write") {
  TempDir dir;
  const std::string db = dir.file("crash.db");
  std::vector<std::string> acknowledged;
  {
    ServerProcess server({{"--db", db}, {}});
    server.initialize(json::object());
    // Keep many writes in flight, and kill while they are being written.
    std::vector<long> pending;
    for (int i = 0; i < 400; ++i)
      pending.push_back(server.send("messages/add", {{"sessionId", "crash"},
                                                     {"message", {{"id", "m" + std::to_string(i)}, {"role", "user"}, {"content", std::string(200, 'x')}}}}));
    // Wait for a good share of acknowledgements, then kill mid-stream.
    for (int i = 0; i < 150; ++i) {
      json response = server.waitResponse(pending[static_cast<std::size_t>(i)]);
      REQUIRE(response.contains("result"));
      acknowledged.push_back(response["result"]["message"]["id"]);
    }
    server.kill9();
  }
  std::string integrity;
  auto stored = storedMessageIds(db, &integrity);
  CHECK(integrity == "ok");
  for (const auto& id : acknowledged) CHECK(stored.contains(id));

  // A restarted server sees everything and carries on.
  ServerProcess server({{"--db", db}, {}});
  server.initialize(json::object());
  json opened = server.ok("session/open", {{"sessionId", "crash"}, {"limit", 1000}});
  CHECK(opened["messages"].size() == stored.size());
  // What is in the database is saved, as of the session's last update.
  CHECK(opened["status"]["state"] == "saved");
  CHECK(opened["status"]["lastSavedAt"] == opened["session"]["updatedAt"]);
  server.ok("messages/add", {{"sessionId", "crash"}, {"message", {{"role", "user"}, {"content", "after"}}}});
}

TEST_CASE("adds that arrive together share one commit and are acknowledged after it") {
  TempDir dir;
  const std::string db = dir.file("group.db");
  ServerProcess server({{"--db", db}, {}});
  server.initialize(json::object());
  server.ok("session/open", {{"sessionId", "g"}});
  const std::size_t before = server.notifications("persistence/status").size();
  // One batch frame: every add in it is handled before the group commits.
  json batch = json::array();
  for (int i = 0; i < 100; ++i)
    batch.push_back({{"jsonrpc", "2.0"}, {"id", "add-" + std::to_string(i)}, {"method", "messages/add"},
                     {"params", {{"sessionId", "g"}, {"message", {{"role", "user"}, {"content", std::to_string(i)}}}}}});
  server.writeFrame(batch.dump());
  json replies = server.waitOther();
  REQUIRE(replies.size() == 100);
  for (auto& reply : replies) CHECK(reply.contains("result"));
  auto statuses = server.notifications("persistence/status");
  std::vector<std::string> states;
  for (std::size_t i = before; i < statuses.size(); ++i) states.push_back(statuses[i]["state"]);
  CHECK(states == std::vector<std::string>{"saving", "saved"});
  CHECK(storedMessageIds(db).size() == 100);
  json page = server.ok("messages/list", {{"sessionId", "g"}, {"limit", 100}})["messages"];
  for (int i = 0; i < 100; ++i) CHECK(page[static_cast<std::size_t>(i)]["content"] == std::to_string(i));
}

TEST_CASE("a write that waits for another process's lock shows saving while it waits") {
  TempDir dir;
  const std::string db = dir.file("locked.db");
  ServerProcess server({{"--db", db}, {}});
  server.initialize(json::object());
  server.ok("session/open", {{"sessionId", "w"}});
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &other) == SQLITE_OK);

  auto whileLocked = [&](const std::string& method, const json& params) {
    const std::string sessionId = params["sessionId"];
    const std::size_t before = server.notificationCount();
    const std::size_t statusesBefore = server.notifications("persistence/status").size();
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    const long id = server.send(method, params);
    // Arrives while the server is still blocked on the lock we hold.
    server.waitNotification("persistence/status", [&](const json& s) { return s["state"] == "saving"; }, before);
    CHECK(server.notificationCount() == before + 1);
    REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    json reply = server.waitResponse(id);
    INFO(reply.dump());
    CHECK(reply.contains("result"));
    server.waitNotification("persistence/status", [&](const json& s) { return s["state"] == "saved"; }, before);
    auto statuses = server.notifications("persistence/status");
    std::vector<std::string> states;
    for (std::size_t i = statusesBefore; i < statuses.size(); ++i) {
      CHECK(statuses[i]["sessionId"] == sessionId);
      states.push_back(statuses[i]["state"]);
    }
    CHECK(states == std::vector<std::string>{"saving", "saved"});
  };
  SECTION("messages/add, which joins a group commit") {
    whileLocked("messages/add", {{"sessionId", "w"}, {"message", {{"role", "user"}, {"content", "hello"}}}});
    CHECK(storedMessageIds(db).size() == 1);
  }
  SECTION("session/open of a new session, a write of its own") {
    whileLocked("session/open", {{"sessionId", "new"}});
  }
  sqlite3_close(other);
}

// A lock held past the busy timeout (a clear error, the write kept and saved
// by its retry once the lock is free) is tested in tests/inprocess, with a
// short busy timeout instead of the real 10 s.

TEST_CASE("two servers writing one database at once lose nothing") {
  TempDir dir;
  const std::string db = dir.file("shared.db");
  ServerProcess a({{"--db", db}, {}}), b({{"--db", db}, {}});
  a.initialize(json::object());
  b.initialize(json::object());
  constexpr int kEach = 300;
  std::vector<long> idsA, idsB;
  for (int i = 0; i < kEach; ++i) {
    idsA.push_back(a.send("messages/add", {{"sessionId", "shared"}, {"message", {{"id", "a" + std::to_string(i)}, {"role", "user"}, {"content", "from a"}}}}));
    idsB.push_back(b.send("messages/add", {{"sessionId", "shared"}, {"message", {{"id", "b" + std::to_string(i)}, {"role", "assistant"}, {"content", "from b"}}}}));
  }
  for (int i = 0; i < kEach; ++i) {
    json ra = a.waitResponse(idsA[static_cast<std::size_t>(i)]), rb = b.waitResponse(idsB[static_cast<std::size_t>(i)]);
    INFO(ra.dump() << rb.dump());
    REQUIRE(ra.contains("result"));
    REQUIRE(rb.contains("result"));
  }
  for (auto* server : {&a, &b})
    for (auto& status : server->notifications("persistence/status")) CHECK(status["state"] != "failed");
  CHECK(storedMessageIds(db).size() == 2 * kEach);
  CHECK(a.ok("session/open", {{"sessionId", "shared"}, {"limit", 1}})["hasMore"] == true);
}

TEST_CASE("a read-only database: status failed, a clear error, the write kept") {
  TempDir dir;
  const std::string db = dir.file("ro.db");
  prepareDatabase(db, [](ServerProcess& server) {
    server.ok("messages/add", {{"sessionId", "ro"}, {"message", {{"role", "user"}, {"content", "before"}}}});
  });
  ServerProcess server({{"--db", "file:" + db + "?mode=ro"}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  // Reads still work.
  CHECK(server.ok("messages/list", {{"sessionId", "ro"}})["messages"].size() == 1);
  json error = server.error("messages/add", {{"sessionId", "ro"}, {"message", {{"role", "user"}, {"content", "after"}}}});
  CHECK(error["code"] == -32001);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("readonly database"));
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("kept in memory"));
  json failed = server.waitNotification("persistence/status", [](const json& s) { return s["state"] == "failed"; });
  CHECK(failed["sessionId"] == "ro");
  CHECK_THAT(failed["error"].get<std::string>(), Catch::Contains("readonly database"));
  CHECK(failed["pendingWrites"] == 1);
  // A second write queues behind the first, in order.
  CHECK(server.error("messages/add", {{"sessionId", "ro"}, {"message", {{"role", "user"}, {"content", "later"}}}})["code"] ==
        -32001);
  json opened = server.ok("session/open", {{"sessionId", "ro"}});
  CHECK(opened["status"]["state"] == "failed");
  CHECK(opened["status"]["pendingWrites"] == 2);
  // What the user wrote is still shown: the chat store keeps it.
  REQUIRE(opened["messages"].size() == 3);
  CHECK(opened["messages"][1]["content"] == "after");
  CHECK(opened["messages"][2]["content"] == "later");
  CHECK(opened["chatState"]["state"] == "error");
  CHECK(opened["chatState"]["unsavedMessageIds"] ==
        json::array({opened["messages"][1]["id"], opened["messages"][2]["id"]}));
  CHECK_THAT(opened["chatState"]["error"].get<std::string>(), Catch::Contains("readonly"));
  // Closing keeps the writes queued for their retry, and shown.
  server.ok("session/close", {{"sessionId", "ro"}});
  opened = server.ok("session/open", {{"sessionId", "ro"}});
  CHECK(opened["status"]["pendingWrites"] == 2);
  CHECK(opened["messages"].size() == 3);
  CHECK(opened["chatState"]["unsavedMessageIds"].size() == 2);
}
