// Shared by the provider tests (providers_test, secrets_test): a server
// isolated from the user's environment, the fake upstream's scripts, and
// readers of what the server sent and saved.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "FakeUpstream.h"
#include "ServerProcess.h"

namespace aieditor::test {

inline const std::string kKey = "sk-test-SECRET-0123456789abcdef";

inline const std::vector<std::string> kReply = {
    "Here is `Counter`.\n\n```jsx\n",
    "export default function Counter() {\n  return <button className=\"counter\">0</button>;\n}\n",
    "```\n\n```css\n.counter {\n  color: red;\n}\n```\n",
};

inline std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

/// A server isolated from the user's environment and config, with fast retries.
inline ServerProcess::Options serverOptions(const TempDir& dir, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {
      {"XDG_CONFIG_HOME", dir.file("config")},
      {"OPENAI_API_KEY", ""},
      {"ANTHROPIC_API_KEY", ""},
      {"AIEDITOR_API_KEY", ""},
      {"AIEDITOR_PROVIDER", ""},
      {"AIEDITOR_MODEL", ""},
      {"AIEDITOR_BASE_URL", ""},
      {"AIEDITOR_RETRY_ATTEMPTS", "3"},
      {"AIEDITOR_RETRY_BASE_MS", "10"},
      {"AIEDITOR_IDLE_TIMEOUT_MS", "5000"},
      {"AIEDITOR_CONNECT_TIMEOUT_MS", "2000"},
      {"AIEDITOR_TIMEOUT_MS", "20000"},
      {"AIEDITOR_LOG", "debug"},
  };
  for (auto& [k, v] : extra) env[k] = v;
  return {{"--db", dir.file("a.db")}, env};
}

inline json openAiOptions(const FakeUpstream& up, const std::string& key = kKey) {
  return {{"provider", "openai"}, {"baseUrl", up.url() + "/v1"}, {"model", "gpt-test"}, {"apiKey", key}};
}
inline json anthropicOptions(const FakeUpstream& up) {
  return {{"provider", "anthropic"}, {"baseUrl", up.url()}, {"model", "claude-test"}, {"apiKey", kKey}};
}

inline FakeResponse stream(std::vector<std::string> chunks) {
  FakeResponse r;
  r.chunks = std::move(chunks);
  return r;
}
inline FakeResponse status(int code, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  FakeResponse r;
  r.status = code;
  r.chunks = {std::move(body)};
  r.headers = std::move(headers);
  return r;
}

/// The upstream's requests once `count` have arrived (fails the test otherwise).
inline std::vector<FakeRequest> arrived(FakeUpstream& up, std::size_t count) {
  auto requests = up.waitRequests(count);
  REQUIRE(requests.size() >= count);
  return requests;
}

inline std::string streamed(ServerProcess& server) {
  std::string text;
  for (auto& d : server.notifications("chat/delta")) text += d["delta"].get<std::string>();
  return text;
}

/// The one assistant message and interaction of a session.
inline std::pair<json, json> savedReply(ServerProcess& server, const std::string& session) {
  json messages = server.ok("messages/list", {{"sessionId", session}})["messages"];
  json interactions = server.ok("interactions/list", {{"sessionId", session}})["interactions"];
  REQUIRE(messages.size() == 2);
  REQUIRE(interactions.size() == 1);
  CHECK(messages[0]["role"] == "user");
  return {messages[1], interactions[0]};
}

inline std::string lastState(ServerProcess& server) {
  auto statuses = server.notifications("persistence/status");
  REQUIRE(!statuses.empty());
  return statuses.back()["state"];
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace aieditor::test
