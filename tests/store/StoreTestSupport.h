// Helpers for the store tests: a fresh temporary directory per test, record
// builders, raw SQLite access to inspect a file the way another process
// would, and a spy that hands out the store's own connection.
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/Store.h"

namespace storetest {

using namespace aieditor::server;
using aieditor::protocol::Image;
using aieditor::protocol::RecordStatus;
using aieditor::protocol::Role;
using aieditor::protocol::Usage;

/// A new empty directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aieditor-store-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<Store> openStore(const std::string& path) {
  auto store = Store::open(path);
  INFO("Store::open(" << path << "): " << (store ? "" : store.error().message));
  REQUIRE(store);
  return std::move(*store);
}

/// REQUIREs success and returns the value.
template <class T>
T ok(StoreResult<T> result) {
  INFO((result ? std::string() : result.error().message));
  REQUIRE(result);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

inline Message message(const std::string& sessionId, const std::string& id, const std::string& content,
                       Role role = Role::User, Timestamp createdAt = 1'000) {
  Message m;
  m.id = id;
  m.sessionId = sessionId;
  m.role = role;
  m.content = content;
  m.createdAt = createdAt;
  return m;
}

inline Interaction interaction(const std::string& sessionId, const std::string& id, Timestamp createdAt = 1'000) {
  Interaction i;
  i.id = id;
  i.sessionId = sessionId;
  i.prompt = "prompt " + id;
  i.response = "response " + id;
  i.provider = "offline";
  i.model = "offline-1";
  i.createdAt = createdAt;
  i.durationMs = 42;
  return i;
}

inline Component component(const std::string& sessionId, const std::string& id, const std::string& jsx,
                           Timestamp updatedAt = 1'000) {
  Component c;
  c.id = id;
  c.sessionId = sessionId;
  c.name = "Widget";
  c.jsx = jsx;
  c.css = ".widget {}";
  c.updatedAt = updatedAt;
  return c;
}

/// A direct SQLite connection, as another process would have.
class RawDb {
 public:
  explicit RawDb(const std::string& path, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    INFO(sqlite3_errmsg(db_));
    REQUIRE(rc == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    INFO(sql << ": " << (error ? error : ""));
    sqlite3_free(error);
    REQUIRE(rc == SQLITE_OK);
  }
  /// The first column of every row.
  std::vector<std::string> column(const std::string& sql) { return queryColumn(db_, sql); }
  std::string text(const std::string& sql) {
    auto rows = column(sql);
    REQUIRE(!rows.empty());
    return rows.front();
  }
  std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

  static std::vector<std::string> queryColumn(sqlite3* db, const std::string& sql, int col = 0) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    INFO(sql << ": " << sqlite3_errmsg(db));
    REQUIRE(rc == SQLITE_OK);
    std::vector<std::string> rows;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
      rows.emplace_back(text ? text : "");
    }
    sqlite3_finalize(stmt);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
};

/// While alive, records every SQLite connection this process opens
/// (sqlite3_auto_extension), so a test can look at the store's own
/// connection: per-connection pragmas and its prepared statements.
class ConnectionSpy {
 public:
  ConnectionSpy() {
    std::lock_guard lock(mutex());
    handles().clear();
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&record));
  }
  ~ConnectionSpy() { sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(&record)); }
  ConnectionSpy(const ConnectionSpy&) = delete;
  ConnectionSpy& operator=(const ConnectionSpy&) = delete;

  /// The first connection opened since the spy started.
  sqlite3* first() {
    std::lock_guard lock(mutex());
    REQUIRE(!handles().empty());
    return handles().front();
  }

 private:
  static int record(sqlite3* db, char**, const sqlite3_api_routines*) {
    std::lock_guard lock(mutex());
    handles().push_back(db);
    return SQLITE_OK;
  }
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<sqlite3*>& handles() {
    static std::vector<sqlite3*> h;
    return h;
  }
};

}  // namespace storetest
