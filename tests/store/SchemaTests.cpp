// Opening, pragmas, schema migrations, read-only databases and query plans.
#include <algorithm>
#include <fstream>
#include <iterator>

#include "StoreTestSupport.h"

using namespace storetest;

namespace {

/// Every table of the current schema; the FTS5 index's tables each with its shadow tables.
const std::vector<std::string> kTables = {"component_files",
                                          "component_versions",
                                          "components",
                                          "components_search",
                                          "components_search_config",
                                          "components_search_data",
                                          "components_search_docsize",
                                          "components_search_idx",
                                          "interactions",
                                          "messages",
                                          "messages_search",
                                          "messages_search_config",
                                          "messages_search_data",
                                          "messages_search_docsize",
                                          "messages_search_idx",
                                          "outbox",
                                          "pull_log",
                                          "sessions",
                                          "sqlite_sequence",
                                          "sync_cursor",
                                          "sync_lease",
                                          "titles_search",
                                          "titles_search_config",
                                          "titles_search_data",
                                          "titles_search_docsize",
                                          "titles_search_idx"};

std::string pragma(sqlite3* db, const std::string& name) { return RawDb::queryColumn(db, "PRAGMA " + name).at(0); }

/// The store's cached statement whose SQL contains every one of `parts`.
sqlite3_stmt* storeStatement(sqlite3* db, std::initializer_list<std::string_view> parts) {
  for (sqlite3_stmt* stmt = sqlite3_next_stmt(db, nullptr); stmt != nullptr; stmt = sqlite3_next_stmt(db, stmt)) {
    const std::string_view sql = sqlite3_sql(stmt);
    bool all = true;
    for (auto part : parts) all = all && sql.find(part) != std::string_view::npos;
    if (all) return stmt;
  }
  FAIL("no cached statement matches");
  return nullptr;
}

std::string queryPlan(sqlite3* db, sqlite3_stmt* stmt) {
  std::string plan;
  for (const auto& line : RawDb::queryColumn(db, std::string("EXPLAIN QUERY PLAN ") + sqlite3_sql(stmt), 3))
    plan += line + "\n";
  return plan;
}

}  // namespace

TEST_CASE("open creates parent directories and sets WAL, synchronous=FULL and foreign keys") {
  TempDir dir;
  const std::string path = dir.file("a/b/c/aieditor.db");
  ConnectionSpy spy;
  auto store = openStore(path);
  CHECK(std::filesystem::exists(path));
  CHECK(store->path() == path);

  sqlite3* db = spy.first();  // the store's own connection: these pragmas are per connection
  CHECK(pragma(db, "journal_mode") == "wal");
  CHECK(pragma(db, "synchronous") == "2");
  CHECK(pragma(db, "foreign_keys") == "1");
  // Waiting for other connections' locks is tested in ConcurrencyTests
  // (a busy handler of our own, so PRAGMA busy_timeout reads 0).
  CHECK(pragma(db, "user_version") == std::to_string(Store::kSchemaVersion));

  RawDb other(path);
  CHECK(other.text("PRAGMA journal_mode") == "wal");  // persistent in the file
  CHECK(other.column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") == kTables);
  CHECK(ok(store->integrityCheck()) == "ok");
}

TEST_CASE("open accepts a file: URI and creates its directories") {
  TempDir dir;
  const std::string path = dir.file("uri dir/x.db");
  const std::string uri = "file:" + dir.file("uri%20dir/x.db") + "?cache=private";
  {
    auto store = openStore(uri);
    ok(store->addMessage(message("s", "m1", "hello")));
  }
  REQUIRE(std::filesystem::exists(path));
  auto again = openStore(path);
  CHECK(ok(again->messageCount("s")) == 1);
}

TEST_CASE("reopening a current database keeps its data and makes no backup") {
  TempDir dir;
  const std::string path = dir.file("db.sqlite");
  ok(openStore(path)->addMessage(message("s", "m1", "hello")));
  auto store = openStore(path);
  CHECK(ok(store->messageCount("s")) == 1);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    CHECK(entry.path().filename().string().find(".bak-") == std::string::npos);
}

TEST_CASE("a database from a newer schema version is refused and left alone") {
  TempDir dir;
  const std::string path = dir.file("future.db");
  RawDb(path).exec("CREATE TABLE future (x); PRAGMA user_version = 99;");
  auto store = Store::open(path);
  REQUIRE_FALSE(store);
  CHECK(store.error().message.find("newer") != std::string::npos);
  CHECK(store.error().message.find("99") != std::string::npos);
  RawDb raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 99);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'") == 0);
}

TEST_CASE("migrating an older database copies it to <path>.bak-v<N> first") {
  TempDir dir;
  const std::string path = dir.file("old.db");
  // A database at user_version 0 that already holds something.
  RawDb(path).exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');");

  auto store = openStore(path);
  ok(store->addMessage(message("s", "m1", "after the migration")));

  const std::string backup = path + ".bak-v0";
  REQUIRE(std::filesystem::exists(backup));
  RawDb copy(backup);
  CHECK(copy.text("SELECT text FROM notes") == "keep me");
  CHECK(copy.integer("PRAGMA user_version") == 0);
  CHECK(copy.integer("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'") == 0);

  RawDb migrated(path);
  CHECK(migrated.integer("PRAGMA user_version") == Store::kSchemaVersion);
  CHECK(migrated.text("SELECT text FROM notes") == "keep me");
}

TEST_CASE("a version 1 database migrates to the current version with its rows, after a backup") {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  std::ifstream fixture(AIEDITOR_STORE_FIXTURES "/schema-v1.sql");
  REQUIRE(fixture);
  RawDb(path).exec(std::string(std::istreambuf_iterator<char>(fixture), {}));

  auto store = openStore(path);
  auto messages = ok(store->listMessages("s1", std::nullopt, 10)).items;
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].content == "Make a pricing card");
  CHECK(messages[1].role == Role::Assistant);
  CHECK(messages[1].status == RecordStatus::Interrupted);
  CHECK(messages[1].interactionId == std::optional<std::string>("i1"));
  auto interactions = ok(store->listInteractions("s1", std::nullopt, 10)).items;
  REQUIRE(interactions.size() == 1);
  CHECK(interactions[0].usage == std::optional<Usage>(Usage{12, 3}));
  CHECK(interactions[0].status == RecordStatus::Interrupted);
  ok(store->addMessage(message("s1", "m3", "after the migration")));
  CHECK(ok(store->listMessages("s1", std::nullopt, 10)).items.back().id == "m3");

  RawDb backup(path + ".bak-v1");
  CHECK(backup.integer("PRAGMA user_version") == 1);
  CHECK(backup.integer("SELECT count(*) FROM messages") == 2);

  RawDb migrated(path);
  CHECK(migrated.integer("PRAGMA user_version") == Store::kSchemaVersion);
  CHECK(migrated.column("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") == kTables);
  // Its records were queued for sync by the migration, then the new message.
  CHECK(migrated.column("SELECT kind || ':' || record_id FROM outbox ORDER BY seq") ==
        std::vector<std::string>{"interaction:i1", "message:m1", "message:m2", "message:m3"});
  CHECK(migrated.text("PRAGMA integrity_check") == "ok");
  CHECK(migrated.column("PRAGMA foreign_key_check").empty());
  // The CHECKs still hold.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  CHECK(sqlite3_exec(raw,
                     "INSERT INTO messages (session_id, id, seq, role, content, created_at, status) "
                     "VALUES ('s1', 'bad', 9, 'robot', 'x', 1, 'complete')",
                     nullptr, nullptr, nullptr) == SQLITE_CONSTRAINT);
  CHECK(sqlite3_exec(raw,
                     "INSERT INTO interactions (session_id, id, seq, prompt, response, provider, model, status, "
                     "created_at, duration_ms) VALUES ('s1', 'bad', 9, '', '', 'p', 'm', 'done', 1, 0)",
                     nullptr, nullptr, nullptr) == SQLITE_CONSTRAINT);
  sqlite3_close(raw);
}

TEST_CASE("adding a record builds no throwaway index per row") {
  // SQLite codes `x IN (a, b, c)` as a temporary index built per row checked;
  // the schema's CHECKs avoid it, and so must every insert.
  TempDir dir;
  ConnectionSpy spy;
  auto store = openStore(dir.file("plain.db"));
  ok(store->addMessage(message("s", "m1", "hello")));
  ok(store->addInteraction(interaction("s", "i1")));
  ok(store->saveComponent(component("s", "c1", "<div/>")));
  for (const char* table : {"INSERT INTO messages", "INSERT INTO interactions", "INSERT INTO components",
                            "INSERT INTO component_versions"}) {
    sqlite3_stmt* insert = storeStatement(spy.first(), {table});
    INFO(sqlite3_sql(insert));
    const auto opcodes = RawDb::queryColumn(spy.first(), std::string("EXPLAIN ") + sqlite3_sql(insert), 1);
    CHECK(std::find(opcodes.begin(), opcodes.end(), "OpenEphemeral") == opcodes.end());
    CHECK(std::find(opcodes.begin(), opcodes.end(), "Insert") != opcodes.end());
  }
}

TEST_CASE("a migration that fails rolls back and reports SQLite's message") {
  TempDir dir;
  const std::string path = dir.file("clash.db");
  RawDb(path).exec("CREATE TABLE messages (x);");
  auto store = Store::open(path);
  REQUIRE_FALSE(store);
  CHECK(store.error().kind == StoreError::Kind::Storage);
  CHECK(store.error().message.find("already exists") != std::string::npos);
  CHECK(std::filesystem::exists(path + ".bak-v0"));
  RawDb raw(path);
  CHECK(raw.integer("PRAGMA user_version") == 0);
  CHECK(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'") == 0);
}

TEST_CASE("a fresh database gets no backup") {
  TempDir dir;
  openStore(dir.file("fresh.db"));
  CHECK_FALSE(std::filesystem::exists(dir.file("fresh.db.bak-v0")));
}

TEST_CASE("a read-only database opens for reads and fails writes with SQLite's message") {
  TempDir dir;
  const std::string path = dir.file("ro.db");
  {
    auto store = openStore(path);
    ok(store->addMessage(message("s", "m1", "first")));
    ok(store->saveComponent(component("s", "c1", "<div/>")));
  }
  auto store = openStore("file:" + path + "?mode=ro");
  CHECK(ok(store->findSession("s"))->title == "first");
  CHECK(ok(store->listMessages("s", std::nullopt, 10)).items.size() == 1);
  CHECK(ok(store->ensureSession("s", 0)).id == "s");  // exists: no write needed
  CHECK(ok(store->getComponent("s", "c1", std::nullopt)).has_value());

  const auto isReadOnlyError = [](const StoreError& error) {
    INFO(error.message);
    CHECK(error.kind == StoreError::Kind::Storage);
    CHECK(error.message.find("attempt to write a readonly database") != std::string::npos);
  };
  auto added = store->addMessage(message("s", "m2", "second"));
  REQUIRE_FALSE(added);
  isReadOnlyError(added.error());
  auto saved = store->saveComponent(component("s", "c1", "<span/>"));
  REQUIRE_FALSE(saved);
  isReadOnlyError(saved.error());
  auto created = store->ensureSession("new", 0);
  REQUIRE_FALSE(created);
  isReadOnlyError(created.error());
  auto deleted = store->deleteSession("s");
  REQUIRE_FALSE(deleted);
  isReadOnlyError(deleted.error());
  CHECK(ok(store->messageCount("s")) == 1);
}

TEST_CASE("a read-only URI to a missing database fails to open") {
  TempDir dir;
  auto store = Store::open("file:" + dir.file("missing.db") + "?mode=ro");
  REQUIRE_FALSE(store);
  CHECK(store.error().kind == StoreError::Kind::Storage);
  CHECK_FALSE(store.error().message.empty());
}

TEST_CASE("paging and counting stay index lookups at 100,000 messages") {
  TempDir dir;
  ConnectionSpy spy;
  auto store = openStore(dir.file("big.db"));
  sqlite3* db = spy.first();

  constexpr int kMessages = 100'000;
  SessionDocument document;
  document.session = Session{"big", "Big", 1, 1};
  document.messages.reserve(kMessages);
  for (int i = 0; i < kMessages; ++i)
    document.messages.push_back(message("big", "m" + std::to_string(i), "message " + std::to_string(i),
                                        i % 2 ? Role::Assistant : Role::User, 1'000 + i));
  ok(store->importSession(document));  // one transaction
  ok(store->addMessage(message("small", "m1", "elsewhere", Role::User, 1'000'000)));

  CHECK(ok(store->messageCount("big")) == kMessages);

  // Warm the cache, then measure the paging statement's work.
  ok(store->listMessages("big", std::string("m50000"), 50));
  sqlite3_stmt* pageStmt = storeStatement(db, {"FROM messages", "seq < ?2"});
  sqlite3_stmt* seqStmt = storeStatement(db, {"SELECT seq FROM messages"});
  for (auto* stmt : {pageStmt, seqStmt}) {
    sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 1);
    sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_SORT, 1);
  }
  auto page = ok(store->listMessages("big", std::string("m50000"), 50));
  REQUIRE(page.items.size() == 50);
  CHECK(page.items.front().id == "m49950");
  CHECK(page.items.back().id == "m49999");
  CHECK(page.hasMore);
  for (auto* stmt : {pageStmt, seqStmt}) {
    INFO(sqlite3_sql(stmt));
    CHECK(sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0) == 0);
    CHECK(sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_SORT, 0) == 0);
    // O(limit): a few dozen VM steps per row returned, independent of 100,000.
    CHECK(sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_VM_STEP, 0) < 51 * 100);
  }
  const std::string plan = queryPlan(db, pageStmt);
  INFO(plan);
  CHECK(plan.find("SEARCH messages USING INDEX") != std::string::npos);
  CHECK(plan.find("seq<?") != std::string::npos);
  CHECK(plan.find("TEMP B-TREE") == std::string::npos);

  const std::string countPlan = queryPlan(db, storeStatement(db, {"SELECT count(*) FROM messages"}));
  INFO(countPlan);
  CHECK(countPlan.find("USING COVERING INDEX") != std::string::npos);

  // Both ends of the big session.
  auto newest = ok(store->listMessages("big", std::nullopt, 3));
  CHECK(newest.items.back().id == "m99999");
  CHECK(newest.hasMore);
  auto oldest = ok(store->listMessages("big", std::string("m3"), 10));
  REQUIRE(oldest.items.size() == 3);
  CHECK(oldest.items.front().id == "m0");
  CHECK_FALSE(oldest.hasMore);

  auto sessions = ok(store->listSessions(10, std::nullopt));
  REQUIRE(sessions.sessions.size() == 2);
  CHECK(sessions.sessions[1].session.id == "big");
  CHECK(sessions.sessions[1].messageCount == kMessages);
}
