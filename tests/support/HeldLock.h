// Another process's view of a database: a connection of the test's own
// holding `BEGIN IMMEDIATE` until released, as a second editor window would.
#pragma once

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <string>

namespace aieditor::test {

class HeldLock {
 public:
  explicit HeldLock(const std::string& db) {
    REQUIRE(sqlite3_open(db.c_str(), &handle_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(handle_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  void release() {
    if (!handle_) return;
    CHECK(sqlite3_exec(handle_, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(handle_);
    handle_ = nullptr;
  }
  ~HeldLock() {
    if (handle_) sqlite3_close(handle_);
  }

 private:
  sqlite3* handle_ = nullptr;
};

}  // namespace aieditor::test
