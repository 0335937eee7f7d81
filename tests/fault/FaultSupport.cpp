#include "FaultSupport.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>

namespace aieditor::test {

namespace {
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
}  // namespace

unsigned seedFrom(const char* variable) {
  if (const char* set = std::getenv(variable)) return static_cast<unsigned>(std::strtoul(set, nullptr, 10));
  return std::random_device{}();
}

int countFrom(const char* variable, int fallback, int sanitizedDivisor) {
  if (const char* set = std::getenv(variable)) return std::max(1, std::atoi(set));
  return kSanitized ? std::max(1, fallback / sanitizedDivisor) : fallback;
}

std::string integrityCheck(const std::string& db) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = handle ? sqlite3_errmsg(handle) : "out of memory";
    sqlite3_close(handle);
    return "cannot open: " + why;
  }
  std::string result;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
    result = std::string("cannot check: ") + sqlite3_errmsg(handle);
  } else {
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (!result.empty()) result += "\n";
      result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return result;
}

std::optional<json> exportOf(ServerProcess& server, const std::string& sessionId) {
  json response = server.call("session/export", {{"sessionId", sessionId}});
  if (response.contains("result")) return response["result"]["document"];
  INFO("session/export " << sessionId << " -> " << response.dump());
  REQUIRE(response["error"]["code"] == -32602);  // no such session; anything else is a failure
  return std::nullopt;
}

ServerProcess::Options serverOn(const std::string& db) { return {{"--db", db}, {{"AIEDITOR_LOG", "error"}}}; }

}  // namespace aieditor::test
