// Plain-language errors through the real server: the errors of the methods
// editors show (chat/*, components/*, session/*, search/*) carry data.userMessage, a
// sentence without field paths, while the message keeps the field for the log.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "ProviderTestSupport.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

using Fixture = ServerFixture;

/// The error's userMessage, checking that its message still names `field`.
std::string userMessage(ServerProcess& server, const std::string& method, const json& params,
                        const std::string& field) {
  json error = server.error(method, params);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains(field));
  REQUIRE(error.contains("data"));
  const std::string sentence = error["data"]["userMessage"];
  CHECK(sentence.find("params.") == std::string::npos);
  return sentence;
}

}  // namespace

TEST_CASE_METHOD(Fixture, "errors editors show carry a plain sentence beside the field path") {
  CHECK(userMessage(server, "components/get", {{"sessionId", "empty"}}, "params.componentId") ==
        "This session has no component yet. Send a prompt to make one first.");
  CHECK(userMessage(server, "chat/send", {{"sessionId", "s"}, {"text", "  "}}, "params.text") ==
        "Type a prompt first.");
  CHECK(userMessage(server, "session/open", {{"sessionId", "no spaces"}}, "params.sessionId") ==
        "That session name cannot be used: it must be 1-128 characters from [A-Za-z0-9._:-].");
  CHECK(userMessage(server, "components/history", {{"sessionId", "s"}, {"componentId", "gone"}},
                    "params.componentId") == "That component is not in this session. It may have been deleted.");

  json saved =
      server.ok("components/save", {{"sessionId", "s"}, {"component", {{"name", "Card"}, {"jsx", "v1"}, {"css", ""}}}});
  const std::string id = saved["component"]["id"];
  CHECK(userMessage(server, "components/restore", {{"sessionId", "s"}, {"componentId", id}, {"version", 5}},
                    "params.version") == "That version of the component does not exist.");
  CHECK(
      userMessage(
          server, "components/applied",
          {{"sessionId", "s"}, {"componentId", id}, {"version", 1}, {"files", {{{"path", "a.jsx"}, {"kind", "jsx"}}}}},
          "params.files[0].path") == "A file path cannot be used: it must be an absolute path.");
  CHECK(userMessage(server, "components/render", {{"sessionId", "s"}}, "params.target") ==
        "The editor sent a request the AI Editor server could not use. The details are in the log.");

  CHECK(userMessage(server, "session/rename", {{"sessionId", "never-made"}, {"title", "x"}}, "params.sessionId") ==
        "That session does not exist. It may have been deleted.");
  CHECK(userMessage(server, "search/query", {{"query", std::string(20000, 'a')}}, "params.query") ==
        "That search cannot be used: it must be at most 16384 bytes.");

  // Other methods' errors are for programs, and stay as they were.
  json other = server.error("messages/list", {{"sessionId", "s"}, {"limit", 0}});
  CHECK(other["code"] == -32602);
  CHECK_FALSE(other.contains("data"));
}

TEST_CASE("a failed reply says in plain words what the provider said, without the key") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(
      status(401, R"({"error":{"message":"Incorrect API key provided: )" + kKey + R"(.","code":"invalid_api_key"}})"));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  json error = server.error("chat/send", {{"sessionId", "auth"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  const std::string sentence = error["data"]["userMessage"];
  CHECK_THAT(sentence,
             Catch::StartsWith("The AI reply failed: authentication failed for provider openai: check OPENAI_API_KEY"));
  // The log's message names the saved record; the sentence does not.
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("message "));
  CHECK(sentence.find("(message ") == std::string::npos);
  CHECK(sentence.find(kKey) == std::string::npos);
}
