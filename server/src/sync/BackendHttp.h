// One blocking HTTP request to the team backend, for the sync thread:
// libcurl (loaded on first use), JSON bodies, an optional Bearer token, a
// time limit, and a stop flag that aborts a transfer in flight so the
// server's exit never waits for the network; and the backend's error
// messages read from its replies.
#pragma once

#include <atomic>
#include <chrono>
#include <expected>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aieditor::server {

struct HttpReply {
  long status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retryAfter;  ///< a Retry-After in seconds
};

/// POSTs `body` (JSON) to `url`. The error is a transport failure (no
/// connection, a timeout, a stop), in libcurl's words; it never holds the
/// bearer token.
std::expected<HttpReply, std::string> postJson(const std::string& url, const std::string& body,
                                               const std::string& bearer, std::chrono::milliseconds timeout,
                                               const std::atomic<bool>& stop);

/// GETs a stream (server-sent events) until it ends, `stop` is set, or
/// nothing arrived for `quiet`. A 200's body goes to `onData` as it comes;
/// another status is returned with its body. Errors as for postJson.
std::expected<HttpReply, std::string> getStream(const std::string& url, const std::string& bearer,
                                                const std::vector<std::string>& headers,
                                                std::chrono::milliseconds quiet, const std::atomic<bool>& stop,
                                                const std::function<void(std::string_view)>& onData);

/// `{"error":{"message"}}`'s message, or "" when there is none.
std::string errorMessage(const nlohmann::json& body);
/// The backend's error message in a reply body, else the body's start.
std::string backendMessage(const HttpReply& reply);
/// Whether a status says to send the request again later (429, 5xx).
bool retryable(long status);

/// GETs `url` (a JSON reply); errors as for postJson.
std::expected<HttpReply, std::string> getJson(const std::string& url, const std::string& bearer,
                                              std::chrono::milliseconds timeout, const std::atomic<bool>& stop);

}  // namespace aieditor::server
