// The requests every measurement sends: the same message content and the
// same initialize, so the servers are compared on equal work.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "text.h"

namespace bench {

/// A ~150-character message, numbered.
inline std::string content(long i) {
  return format(
      "Message {}: make the pricing card's header a little darker, add a subscribe button under the three tiers "
      "and keep the layout responsive on small screens.",
      i);
}

inline std::string addRequest(std::int64_t id, const std::string& session, long i) {
  nlohmann::json j = {
      {"jsonrpc", "2.0"},
      {"id", id},
      {"method", "messages/add"},
      {"params", {{"sessionId", session}, {"message", {{"role", i % 2 ? "assistant" : "user"}, {"content", content(i)}}}}}};
  return j.dump();
}

/// initialize's params; with a database path as aieditor's initializationOptions.
inline nlohmann::json initializeParams(const std::string& db) {
  nlohmann::json p = {{"processId", ::getpid()},
                      {"clientInfo", {{"name", "aieditor-bench"}, {"version", "1"}}},
                      {"capabilities", nlohmann::json::object()}};
  if (!db.empty()) p["initializationOptions"] = {{"databasePath", db}};
  return p;
}

}  // namespace bench
