// The sync outbox through the real server: every write queues its row in the
// database, in write order, and a database from before the outbox queues the
// records it already holds when it is migrated.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "OldSchemas.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// Runs `sql` on the file; each row's columns joined by ':' (NULLs left out).
std::vector<std::string> rows(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      if (sqlite3_column_type(stmt, i) == SQLITE_NULL) continue;
      row += (row.empty() ? "" : ":") + std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
    }
    out.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return out;
}

std::vector<std::string> outbox(const std::string& db) {
  return rows(db, "SELECT kind, session_id, record_id, version FROM outbox ORDER BY seq");
}

json message(const std::string& id, const std::string& content) {
  return {{"id", id}, {"role", "user"}, {"content", content}};
}

/// Makes a current database look like one from before version 4 (the pull),
/// version 5 (the push lease), version 6 (version origins, applied files),
/// version 7 (search) and version 8 (the pull log, the lease holder's process).
void dropPullAdditions(const std::string& db) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(handle, kDropPullLogAdditions, nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(handle, kDropSearchAdditions, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(handle);
  rows(db, "DROP TABLE component_files");
  rows(db, "ALTER TABLE component_versions DROP COLUMN origin");
  rows(db, "ALTER TABLE component_versions DROP COLUMN origin_version");
  rows(db, "DROP TABLE sync_lease");
  rows(db, "DROP TABLE sync_cursor");
  rows(db, "ALTER TABLE messages DROP COLUMN synced_seq");
  rows(db, "ALTER TABLE interactions DROP COLUMN synced_seq");
}

}  // namespace

TEST_CASE("each write queues one outbox row, in write order, in the database") {
  TempDir dir;
  const std::string db = dir.file("a.db");
  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());

  server.ok("messages/add", {{"sessionId", "s1"}, {"message", message("m1", "hello")}});
  server.ok("interactions/add", {{"sessionId", "s1"},
                                 {"interaction", {{"id", "i1"}, {"prompt", "p"}, {"provider", "offline"},
                                                  {"model", "offline-1"}}}});
  server.ok("components/save", {{"sessionId", "s1"}, {"component", {{"id", "c1"}, {"jsx", "v1"}, {"css", ""}}}});
  server.ok("components/save", {{"sessionId", "s1"}, {"component", {{"id", "c1"}, {"jsx", "v2"}, {"css", ""}}}});
  server.ok("components/save", {{"sessionId", "s1"}, {"component", {{"id", "c2"}, {"jsx", "x"}, {"css", ""}}}});
  server.ok("components/setCurrent", {{"sessionId", "s1"}, {"componentId", "c1"}});
  // A retry that stores nothing queues nothing; neither does picking the current one again.
  server.ok("messages/add", {{"sessionId", "s1"}, {"message", message("m1", "hello")}});
  server.ok("components/setCurrent", {{"sessionId", "s1"}, {"componentId", "c1"}});
  // A deleted session's writes are replaced by its delete.
  server.ok("messages/add", {{"sessionId", "gone"}, {"message", message("g1", "bye")}});
  server.ok("session/delete", {{"sessionId", "gone"}});
  // A deleted component's unsent versions and picks are replaced by its delete.
  server.ok("components/delete", {{"sessionId", "s1"}, {"componentId", "c2"}});
  server.ok("messages/add", {{"sessionId", "s1"}, {"message", message("m2", "again")}});

  CHECK(outbox(db) == std::vector<std::string>{"message:s1:m1", "interaction:s1:i1", "component:s1:c1:1",
                                               "current_component:s1:c1", "component:s1:c1:2",
                                               "current_component:s1:c1", "session_deleted:gone",
                                               "component_deleted:s1:c2", "message:s1:m2"});

  // A chat turn: the prompt, then its reply, interaction and component in one write.
  json reply = server.ok("chat/send", {{"sessionId", "chat"}, {"text", "a pricing card"}});
  const auto chat = rows(db, "SELECT kind FROM outbox WHERE session_id = 'chat' ORDER BY seq");
  CHECK(chat == std::vector<std::string>{"message", "interaction", "component", "current_component", "message"});
  CHECK(rows(db, "SELECT record_id FROM outbox WHERE session_id = 'chat' AND kind = 'message' ORDER BY seq") ==
        std::vector<std::string>{reply["userMessage"]["id"], reply["assistantMessage"]["id"]});
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
}

TEST_CASE("a database from before the pull gains its cursor and keeps its outbox, after a backup") {
  TempDir dir;
  const std::string db = dir.file("v3.db");
  prepareDatabase(db, [](ServerProcess& server) {
    server.ok("messages/add", {{"sessionId", "a"}, {"message", message("a1", "first")}});
    server.ok("messages/add", {{"sessionId", "a"}, {"message", message("a2", "second")}});
  });
  // Schema version 3 is version 4 without the pull's additions.
  dropPullAdditions(db);
  rows(db, "PRAGMA user_version = 3");

  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  server.ok("messages/add", {{"sessionId", "a"}, {"message", message("a3", "third")}});
  CHECK(outbox(db) == std::vector<std::string>{"message:a:a1", "message:a:a2", "message:a:a3"});
  CHECK(rows(db, "SELECT count(*) FROM sync_cursor") == std::vector<std::string>{"0"});
  CHECK(rows(db, "SELECT count(*) FROM messages WHERE synced_seq IS NULL") == std::vector<std::string>{"3"});
  REQUIRE(std::filesystem::exists(db + ".bak-v3"));
  CHECK(rows(db + ".bak-v3", "SELECT count(*) FROM sqlite_master WHERE name = 'sync_cursor'") ==
        std::vector<std::string>{"0"});
}

TEST_CASE("a database from before the outbox queues its records when migrated, after a backup") {
  TempDir dir;
  const std::string db = dir.file("old.db");
  prepareDatabase(db, [](ServerProcess& server) {
    server.ok("messages/add", {{"sessionId", "a"}, {"message", message("a1", "first")}});
    server.ok("components/save", {{"sessionId", "a"}, {"component", {{"id", "c"}, {"jsx", "v1"}, {"css", ""}}}});
    server.ok("components/save", {{"sessionId", "a"}, {"component", {{"id", "c"}, {"jsx", "v2"}, {"css", ""}}}});
    server.ok("messages/add", {{"sessionId", "a"}, {"message", message("a2", "second")}});
    server.ok("messages/add", {{"sessionId", "b"}, {"message", message("b1", "other")}});
  });
  // Schema version 2 is version 4 without the outbox and the pull's additions.
  rows(db, "DROP TABLE outbox");
  dropPullAdditions(db);
  rows(db, "PRAGMA user_version = 2");

  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  server.ok("messages/add", {{"sessionId", "b"}, {"message", message("b2", "after")}});
  CHECK(outbox(db) == std::vector<std::string>{"component:a:c:1", "component:a:c:2", "message:a:a1", "message:a:a2",
                                               "current_component:a:c", "message:b:b1", "message:b:b2"});
  REQUIRE(std::filesystem::exists(db + ".bak-v2"));
  CHECK(rows(db + ".bak-v2", "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'") ==
        std::vector<std::string>{"0"});
}
