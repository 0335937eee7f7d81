// Keys echoed by an upstream, through the real binary and the fake upstream:
// inside a successful stream (whole, in parts, split across deltas down to
// one byte a delta, in the model's name), in an error body longer than the
// 300 characters kept of it, in a JSON error and in a malformed event; the
// sync backend's sign-in token echoed in its refusal. No part of a
// configured key or token may reach a chat/delta, a reply, a record, a
// status, an export, the database file or its WAL, or the log.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "FakeUpstream.h"
#include "ProviderTestSupport.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

// Keys as providers issue them: random past a short prefix.
const std::string kOpenAiKey = "sk-T3st-Q7vR2mX9kL4pT8wZ3nB6yH1cF5gJ0dS";
const std::string kAnthropicKey = "sk-ant-api03-Zq8Lw2Nf5Rt1Yp7Hc4Vb9Mk";
// The sync backend's sign-in token, as aieditor-backend issues them.
const std::string kSyncToken = "aies_Q9wE4rT7yU1iO3pA6sD8fG2hJ5kL0zX";

/// What must never show of a key: every run of 8 of its characters holding a
/// digit or a capital (the server's threshold; see providers/Redaction.h).
std::vector<std::string> keyParts() {
  std::vector<std::string> parts;
  for (const auto& key : {kOpenAiKey, kAnthropicKey, kSyncToken})
    for (std::size_t at = 0; at + 8 <= key.size(); ++at) {
      std::string run = key.substr(at, 8);
      if (std::any_of(run.begin(), run.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c));
          }))
        parts.push_back(run);
    }
  return parts;
}

/// The first part of a key found in `text`; empty when none is.
std::string leaked(const std::string& text) {
  for (const auto& part : keyParts())
    if (text.find(part) != std::string::npos) return part;
  return "";
}

/// Both keys configured: the openai one by initializationOptions, the other
/// by the environment.
ServerProcess::Options keyedServer(const TempDir& dir, std::map<std::string, std::string> extra = {}) {
  extra["ANTHROPIC_API_KEY"] = kAnthropicKey;
  return serverOptions(dir, std::move(extra));
}

/// The database file and its WAL, as they are on disk now.
std::string databaseBytes(const TempDir& dir) { return slurp(dir.file("a.db")) + slurp(dir.file("a.db-wal")); }

/// Every file of `dir` after the server has exited, and its log.
void checkNothingLeftAfterExit(ServerProcess& server, const TempDir& dir) {
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir.path()))
    if (entry.is_regular_file()) {
      INFO(entry.path());
      CHECK(leaked(slurp(entry.path().string())) == "");
    }
  std::string log = server.stderrText();
  CHECK_THAT(log, Catch::Contains("provider openai"));  // debug logging was on
  CHECK(leaked(log) == "");
}

}  // namespace

TEST_CASE("secrets: keys echoed inside a successful stream never reach deltas, records, exports, files or logs") {
  TempDir dir;
  FakeUpstream up;
  const std::string& k = kOpenAiKey;
  const std::string& a = kAnthropicKey;
  std::vector<std::string> deltas = {
      "Your key is " + k.substr(0, 10),  // the key across two deltas
      k.substr(10) + ", the other is " + a.substr(0, 20),
      a.substr(20) + ".\nParts: " + k.substr(0, 12) + " " + k.substr(k.size() - 9) + " " + k.substr(9, 14) + " " +
          a.substr(13, 10) + "\n",
  };
  for (char c : k) deltas.push_back(std::string(1, c));  // one byte a delta
  deltas.push_back("\n");
  for (const auto& part : kReply) deltas.push_back(part);
  up.enqueue(stream(openAiStream(deltas, "gpt-" + k)));  // the model's name echoes it too

  ServerProcess server(keyedServer(dir));
  server.initialize(openAiOptions(up, k));
  json result = server.ok("chat/send", {{"sessionId", "echo"}, {"text", "a counter"}});
  CHECK(arrived(up, 1)[0].headers["authorization"] == "Bearer " + k);  // the key was used

  // What is left of the reply is the reply, with one marker per key or part.
  const std::string expected =
      "Your key is [redacted], the other is [redacted].\nParts: [redacted] [redacted] "
      "[redacted] [redacted]\n[redacted]\n" +
      joined(kReply);
  CHECK(result["assistantMessage"]["content"] == expected);
  CHECK(result["assistantMessage"]["status"] == "complete");
  CHECK(result["component"]["name"] == "Counter");
  CHECK(result["interaction"]["response"] == expected);
  CHECK(result["interaction"]["model"] == "gpt-[redacted]");
  CHECK(leaked(result.dump()) == "");

  // Not one chat/delta carries a part, and together they are the reply.
  for (const auto& delta : server.notifications("chat/delta")) CHECK(leaked(delta["delta"].get<std::string>()) == "");
  CHECK(streamed(server) == expected);

  // Nor the records, the open session, the export, or the database and its WAL.
  CHECK(leaked(server.ok("messages/list", {{"sessionId", "echo"}}).dump()) == "");
  CHECK(leaked(server.ok("interactions/list", {{"sessionId", "echo"}}).dump()) == "");
  CHECK(leaked(server.ok("session/open", {{"sessionId", "echo"}}).dump()) == "");
  CHECK(leaked(server.ok("session/export", {{"sessionId", "echo"}}).dump()) == "");
  std::string bytes = databaseBytes(dir);
  CHECK_THAT(bytes, Catch::Contains("Your key is [redacted]"));  // the reply is on disk
  CHECK(leaked(bytes) == "");
  checkNothingLeftAfterExit(server, dir);
}

TEST_CASE("secrets: a key across character 300 of an error body, in a JSON error and in a malformed event") {
  TempDir dir;
  FakeUpstream up;
  const std::string& k = kOpenAiKey;
  // A 500 page longer than the 300 characters kept, the key from character 290 on; twice, so the retry logs it.
  const std::string page = "<html>" + std::string(284, '#') + k + "</html>" + std::string(100, ' ');
  for (int i = 0; i < 2; ++i) up.enqueue(status(500, page));
  // OpenAI's way: the key's start and end around stars; and the other key whole.
  up.enqueue(status(401, R"({"error":{"message":"Incorrect API key provided: )" + k.substr(0, 11) + "*****" +
                             k.substr(k.size() - 8) + " (not " + kAnthropicKey + R"().","code":"invalid_api_key"}})"));
  // A malformed event is quoted up to 120 characters: the key straddles that too.
  up.enqueue(stream({"data: {oops " + std::string(100, '#') + k + "\n\n"}));

  ServerProcess server(keyedServer(dir, {{"AIEDITOR_RETRY_ATTEMPTS", "2"}}));
  server.initialize(openAiOptions(up, k));
  struct Case {
    std::string session, says;
  };
  for (const auto& [session, says] : {Case{"page", "HTTP 500"}, Case{"auth", "Incorrect API key provided: [redacted]"},
                                      Case{"event", "malformed event: {oops ###"}}) {
    INFO(session);
    json error = server.error("chat/send", {{"sessionId", session}, {"text", "a counter"}});
    CHECK(error["code"] == -32003);
    CHECK_THAT(error["message"].get<std::string>(), Catch::Contains(says) && Catch::Contains("[redacted]"));
    CHECK(leaked(error.dump()) == "");
    auto [message, interaction] = savedReply(server, session);
    CHECK(interaction["status"] == "failed");
    CHECK(leaked(interaction.dump()) == "");
    CHECK(leaked(server.ok("session/export", {{"sessionId", session}}).dump()) == "");
  }
  CHECK(up.requests().size() == 4);
  CHECK_THAT(server.stderrText(), Catch::Contains("retry 1 of 1"));  // the 500's message was logged
  CHECK(leaked(databaseBytes(dir)) == "");
  checkNothingLeftAfterExit(server, dir);
}

TEST_CASE("secrets: anthropic, a key split across deltas and echoed by an error event mid-stream") {
  TempDir dir;
  FakeUpstream up;
  const std::string& a = kAnthropicKey;
  auto broken = anthropicStream({"Echo: " + a.substr(0, 5), a.substr(5, 5), a.substr(10) + " end"}, "claude-" + a);
  broken.resize(6);  // message_start, content_block_start, ping, the three deltas
  broken.push_back(
      "event: error\ndata: " +
      json{{"type", "error"}, {"error", {{"type", "overloaded_error"}, {"message", "Overloaded for " + a}}}}.dump() +
      "\n\n");
  up.enqueue(stream(broken));
  ServerProcess server(keyedServer(dir));
  server.initialize(
      {{"provider", "anthropic"}, {"baseUrl", up.url()}, {"model", "claude-test"}});  // its key: the env's
  json error = server.error("chat/send", {{"sessionId", "an"}, {"text", "a counter"}});
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("Overloaded for [redacted]"));
  CHECK(streamed(server) == "Echo: [redacted] end");
  auto [message, interaction] = savedReply(server, "an");
  CHECK(message["status"] == "interrupted");
  CHECK(message["content"] == "Echo: [redacted] end");
  CHECK(leaked(interaction.dump() + error.dump()) == "");
  CHECK(leaked(server.ok("session/export", {{"sessionId", "an"}}).dump()) == "");
  CHECK(leaked(databaseBytes(dir)) == "");
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  CHECK(leaked(server.stderrText()) == "");
}

namespace {

/// A backend that quotes the token back in its refusal, whole and in part.
void refuseQuotingTheToken(FakeUpstream& up) {
  FakeResponse refusal;
  refusal.status = 401;
  refusal.headers = {{"Content-Type", "application/json"}};
  refusal.chunks = {
      json{{"error",
            {{"code", "invalid_grant"},
             {"message", "refresh_token " + kSyncToken + " (" + kSyncToken.substr(6, 12) + ") is unknown"}}}}
          .dump()};
  up.setFallback(refusal);
}

/// Whether the token went to the backend (so that its absence elsewhere means something).
bool tokenSent(FakeUpstream& up) {
  for (const auto& request : up.requests())
    if (request.body.find(kSyncToken) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE(
    "secrets: a sign-in token given by sync/login and echoed by the backend reaches no status, error, file or log") {
  TempDir dir;
  FakeUpstream up;
  refuseQuotingTheToken(up);

  ServerProcess server(keyedServer(dir));
  json options = openAiOptions(up, kOpenAiKey);
  options["sync"] = {{"url", up.url()}};
  server.initialize(options);
  json status = server.ok("sync/login", {{"token", kSyncToken}});
  CHECK(status["state"] == "authRequired");
  CHECK_THAT(status["error"].get<std::string>(), Catch::Contains("is unknown"));
  CHECK(leaked(status.dump()) == "");
  CHECK(tokenSent(up));
  CHECK(leaked(server.ok("sync/status", json::object()).dump()) == "");
  for (const auto& notice : server.notifications("sync/status")) CHECK(leaked(notice.dump()) == "");
  // A param error does not quote the value, even a token in the wrong field.
  CHECK(leaked(server.error("sync/login", {{"token", kSyncToken}, {"url", kSyncToken}}).dump()) == "");
  CHECK(leaked(server.error("sync/login", {{"token", json::array({kSyncToken})}}).dump()) == "");
  checkNothingLeftAfterExit(server, dir);
}

TEST_CASE("secrets: a sign-in token from AIEDITOR_SYNC_TOKEN, as the VS Code extension passes it, is kept as safe") {
  TempDir dir;
  FakeUpstream up;
  refuseQuotingTheToken(up);

  ServerProcess server(keyedServer(dir, {{"AIEDITOR_SYNC_TOKEN", kSyncToken}}));
  json options = openAiOptions(up, kOpenAiKey);
  options["sync"] = {{"url", up.url()}};
  server.initialize(options);
  json refused = server.waitNotification("sync/status", [](const json& s) { return s["state"] == "authRequired"; });
  CHECK_THAT(refused["error"].get<std::string>(), Catch::Contains("is unknown"));
  CHECK(tokenSent(up));
  CHECK(leaked(server.ok("sync/status", json::object()).dump()) == "");
  for (const auto& notice : server.notifications("sync/status")) CHECK(leaked(notice.dump()) == "");
  checkNothingLeftAfterExit(server, dir);
}
