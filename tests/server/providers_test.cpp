// The network providers (openai, anthropic) against a fake upstream on
// 127.0.0.1: the wire formats, streaming, retries, faults, cancellation,
// configuration, provider/list and provider/set, and that keys never leak.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "FakeUpstream.h"
#include "ProviderTestSupport.h"
#include "ServerProcess.h"
#include "providers/HttpStream.h"

using namespace aieditor::test;
using nlohmann::json;

TEST_CASE("openai: a reply streams as deltas and is saved with usage and its component") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(stream(openAiStream(kReply)));
  ServerProcess server(serverOptions(dir));
  CHECK(server.initialize(openAiOptions(up))["capabilities"]["experimental"]["aieditor"]["provider"] == "openai");
  json result = server.ok("chat/send", {{"sessionId", "oa"}, {"text", "a counter"}});

  auto deltas = server.notifications("chat/delta");
  REQUIRE(deltas.size() == kReply.size());  // each upstream chunk is one delta, at once
  for (std::size_t i = 0; i < deltas.size(); ++i) CHECK(deltas[i]["delta"] == kReply[i]);
  CHECK(result["assistantMessage"]["content"] == joined(kReply));
  CHECK(result["assistantMessage"]["status"] == "complete");
  json interaction = result["interaction"];
  CHECK(interaction["provider"] == "openai");
  CHECK(interaction["model"] == "gpt-test");
  CHECK(interaction["usage"]["inputTokens"] == 11);
  CHECK(interaction["usage"]["outputTokens"] == 7);
  CHECK(interaction["durationMs"].get<long>() >= 0);
  CHECK(result["component"]["name"] == "Counter");
  CHECK(lastState(server) == "saved");

  // The request, as the Chat Completions API wants it.
  FakeRequest request = arrived(up, 1)[0];
  CHECK(request.method == "POST");
  CHECK(request.path == "/v1/chat/completions");
  CHECK(request.headers["authorization"] == "Bearer " + kKey);
  CHECK(request.headers["content-type"] == "application/json");
  json body = json::parse(request.body);
  CHECK(body["model"] == "gpt-test");
  CHECK(body["stream"] == true);
  CHECK(body["stream_options"]["include_usage"] == true);
  REQUIRE(body["messages"].size() == 2);
  CHECK(body["messages"][0]["role"] == "system");
  CHECK_THAT(body["messages"][0]["content"].get<std::string>(), Catch::Contains("```jsx"));
  CHECK(body["messages"][1] == json({{"role", "user"}, {"content", "a counter"}}));

  // Iterating: the history and the current component go along; images as data URLs.
  up.enqueue(stream(openAiStream({"```jsx\nexport default function Counter() {\n  return <b>1</b>;\n}\n```\n"})));
  json second = server.ok("chat/send", {{"sessionId", "oa"},
                                        {"text", "make it blue"},
                                        {"images", {{{"mimeType", "image/png"}, {"data", "aGVsbG8="}}}}});
  CHECK(second["component"]["id"] == result["component"]["id"]);
  CHECK(second["component"]["version"] == 2);
  json messages = json::parse(arrived(up, 2)[1].body)["messages"];
  REQUIRE(messages.size() == 4);
  CHECK(messages[1] == json({{"role", "user"}, {"content", "a counter"}}));
  CHECK(messages[2] == json({{"role", "assistant"}, {"content", joined(kReply)}}));
  json parts = messages[3]["content"];
  REQUIRE(parts.size() == 2);
  CHECK(parts[0]["type"] == "text");
  CHECK_THAT(parts[0]["text"].get<std::string>(), Catch::Contains("export default function Counter()"));
  CHECK_THAT(parts[0]["text"].get<std::string>(), Catch::EndsWith("make it blue"));
  CHECK(parts[1] == json({{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64,aGVsbG8="}}}}));
}

TEST_CASE("openai: 429 is retried after Retry-After") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(status(429, R"({"error":{"message":"Rate limit reached"}})", {{"Retry-After", "1"}}));
  up.enqueue(stream(openAiStream(kReply)));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  json result = server.ok("chat/send", {{"sessionId", "rl"}, {"text", "a counter"}});
  auto requests = up.requests();
  REQUIRE(requests.size() == 2);  // retried once
  CHECK(requests[1].body == requests[0].body);  // the same request again
  CHECK(result["assistantMessage"]["status"] == "complete");
  CHECK(streamed(server) == joined(kReply));
}

// That the wait is Retry-After's, told by the order in which the upstream sees
// requests, not by a clock: the 429 asks for 30 s (the longest wait honoured;
// the base delay is 10 ms), and while this server waits, a second server's whole
// reply goes through the same upstream. A cancel then ends the wait.
TEST_CASE("openai: Retry-After holds the retry back while another client's request goes through") {
  TempDir dir, otherDir;
  FakeUpstream up;
  up.enqueue(status(429, R"({"error":{"message":"Rate limit reached"}})", {{"Retry-After", "30"}}));
  up.enqueue(stream(openAiStream(kReply)));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  long id = server.send("chat/send", {{"sessionId", "held"}, {"text", "first"}});
  arrived(up, 1);

  ServerProcess other(serverOptions(otherDir));
  other.initialize(openAiOptions(up));
  json result = other.ok("chat/send", {{"sessionId", "other"}, {"text", "second"}});
  CHECK(result["assistantMessage"]["status"] == "complete");

  server.notify("$/cancelRequest", {{"id", id}});
  json response = server.waitResponse(id);
  REQUIRE(response.contains("error"));
  CHECK(response["error"]["code"] == -32800);  // cancelled while waiting
  auto requests = up.requests();
  REQUIRE(requests.size() == 2);  // the held request was never retried
  CHECK(json::parse(requests[0].body)["messages"].back()["content"] == "first");
  CHECK(json::parse(requests[1].body)["messages"].back()["content"] == "second");
}

TEST_CASE("openai: 500 and 502 are retried, then the reply completes") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(status(500, R"({"error":{"message":"boom"}})"));
  up.enqueue(status(502, "<html>bad gateway</html>"));
  up.enqueue(stream(openAiStream(kReply)));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  json result = server.ok("chat/send", {{"sessionId", "r"}, {"text", "a counter"}});
  CHECK(up.requests().size() == 3);
  CHECK(result["assistantMessage"]["status"] == "complete");
  auto [message, interaction] = savedReply(server, "r");
  CHECK(interaction["status"] == "complete");
}

TEST_CASE("openai: retries give up after the configured attempts") {
  TempDir dir;
  FakeUpstream up;
  for (int i = 0; i < 2; ++i) up.enqueue(status(503, R"({"error":{"message":"overloaded"}})"));
  ServerProcess server(serverOptions(dir, {{"AIEDITOR_RETRY_ATTEMPTS", "2"}}));
  server.initialize(openAiOptions(up));
  json error = server.error("chat/send", {{"sessionId", "g"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("HTTP 503") && Catch::Contains("overloaded") &&
                                                      Catch::Contains("gave up after 2 attempts"));
  CHECK(up.requests().size() == 2);
  auto [message, interaction] = savedReply(server, "g");
  CHECK(message["status"] == "failed");
  CHECK(interaction["status"] == "failed");
  CHECK_THAT(interaction["error"].get<std::string>(), Catch::Contains("HTTP 503"));
  CHECK(lastState(server) == "saved");
}

TEST_CASE("openai: a connection reset mid-stream keeps what arrived as interrupted, without a retry") {
  TempDir dir;
  FakeUpstream up;
  FakeResponse r = stream({openAiStream({})[0], openAiDelta("Hello ")});
  r.end = FakeResponse::End::ResetOnRelease;
  up.enqueue(r);
  up.enqueue(stream(openAiStream(kReply)));  // must not be asked for
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  long id = server.send("chat/send", {{"sessionId", "reset"}, {"text", "a counter"}});
  server.waitNotification("chat/delta");
  up.release();
  json response = server.waitResponse(id);
  REQUIRE(response.contains("error"));
  CHECK(response["error"]["code"] == -32003);
  CHECK_THAT(response["error"]["message"].get<std::string>(),
             Catch::Contains("connection to provider openai failed") && Catch::Contains("saved as interrupted"));
  CHECK(up.requests().size() == 1);
  auto [message, interaction] = savedReply(server, "reset");
  CHECK(message["status"] == "interrupted");
  CHECK(message["content"] == "Hello ");
  CHECK(interaction["status"] == "interrupted");
  CHECK_THAT(interaction["error"].get<std::string>(), Catch::Contains("connection to provider openai failed"));
  CHECK(server.ok("components/list", {{"sessionId", "reset"}})["components"].empty());
  CHECK(lastState(server) == "saved");
}

TEST_CASE("openai: a malformed event ends the reply with a reason and the server keeps serving") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(stream({openAiDelta("Hi"), "data: {\"choices\": [oops\n\n", openAiDelta(" never")}));
  up.enqueue(stream({"data: not json at all\n\n"}));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));

  json error = server.error("chat/send", {{"sessionId", "bad"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("malformed event"));
  CHECK(streamed(server) == "Hi");
  auto [message, interaction] = savedReply(server, "bad");
  CHECK(message["status"] == "interrupted");
  CHECK(message["content"] == "Hi");
  CHECK_THAT(interaction["error"].get<std::string>(), Catch::Contains("malformed event"));

  // Garbage before any text: a failed reply, not retried.
  json first = server.error("chat/send", {{"sessionId", "bad2"}, {"text", "a counter"}});
  CHECK_THAT(first["message"].get<std::string>(), Catch::Contains("malformed event") && Catch::Contains("saved as failed"));
  CHECK(up.requests().size() == 2);
  CHECK(savedReply(server, "bad2").first["status"] == "failed");
  CHECK(server.ok("session/list", json::object())["sessions"].size() == 2);
}

TEST_CASE("openai: a lone surrogate escape in a chunk reads as U+FFFD, as browsers decode it") {
  TempDir dir;
  FakeUpstream up;
  // A model may split an emoji's UTF-16 pair across tokens; the chunk then
  // carries half a pair, which nlohmann alone refuses as malformed.
  auto chunks = openAiStream({"half ", "HALF", " kept"});
  for (auto& chunk : chunks)
    if (auto at = chunk.find("HALF"); at != std::string::npos) chunk.replace(at, 4, "\\ud83d");
  up.enqueue(stream(chunks));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  json result = server.ok("chat/send", {{"sessionId", "surrogate"}, {"text", "hi"}});
  CHECK(result["assistantMessage"]["status"] == "complete");
  CHECK(result["assistantMessage"]["content"] == "half \xEF\xBF\xBD kept");
  CHECK(savedReply(server, "surrogate").first["content"] == "half \xEF\xBF\xBD kept");
}

TEST_CASE("openai: a stall past the idle timeout interrupts the reply") {
  TempDir dir;
  FakeUpstream up;
  FakeResponse r = stream({openAiStream({})[0], openAiDelta("Partial")});
  r.end = FakeResponse::End::Hold;
  up.enqueue(r);
  ServerProcess server(serverOptions(dir, {{"AIEDITOR_IDLE_TIMEOUT_MS", "300"}}));
  server.initialize(openAiOptions(up));
  json error = server.error("chat/send", {{"sessionId", "stall"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("stalled: no data for 300 ms"));
  CHECK(up.waitClientGone(1));  // the transfer was dropped
  CHECK(up.requests().size() == 1);
  auto [message, interaction] = savedReply(server, "stall");
  CHECK(message["status"] == "interrupted");
  CHECK(message["content"] == "Partial");
}

TEST_CASE("openai: a slow trickle within the idle timeout completes") {
  TempDir dir;
  FakeUpstream up;
  std::vector<std::string> words;
  for (int i = 0; i < 8; ++i) words.push_back("w" + std::to_string(i) + " ");
  FakeResponse r = stream(openAiStream(words));
  r.gap = std::chrono::milliseconds(60);
  up.enqueue(r);
  ServerProcess server(serverOptions(dir, {{"AIEDITOR_IDLE_TIMEOUT_MS", "400"}}));
  server.initialize(openAiOptions(up));
  json result = server.ok("chat/send", {{"sessionId", "slow"}, {"text", "a counter"}});
  auto deltas = server.notifications("chat/delta");
  REQUIRE(deltas.size() == words.size());
  for (std::size_t i = 0; i < words.size(); ++i) CHECK(deltas[i]["delta"] == words[i]);
  CHECK(result["assistantMessage"]["status"] == "complete");
  CHECK(result["interaction"]["durationMs"].get<long>() >= 8 * 60);
}

TEST_CASE("openai: $/cancelRequest aborts the transfer at once and other requests are answered meanwhile") {
  TempDir dir;
  FakeUpstream up;
  FakeResponse r = stream({openAiStream({})[0], openAiDelta("So far")});
  r.end = FakeResponse::End::Hold;
  up.enqueue(r);
  // No timeout can end the held transfer while the test runs: only the cancel can.
  ServerProcess server(serverOptions(dir, {{"AIEDITOR_IDLE_TIMEOUT_MS", "3600000"}, {"AIEDITOR_TIMEOUT_MS", "3600000"}}));
  server.initialize(openAiOptions(up));
  long id = server.send("chat/send", {{"sessionId", "cancel"}, {"text", "a counter"}});
  json first = server.waitNotification("chat/delta");
  // Reads answer from what has committed: the prompt's write may still be on its way.
  server.waitNotification("persistence/status", [](const json& s) { return s["state"] == "saved"; });
  CHECK(server.ok("session/list", json::object())["sessions"].size() == 1);  // the loop is free

  server.notify("$/cancelRequest", {{"id", id}});
  json response = server.waitResponse(id);
  REQUIRE(response.contains("error"));
  CHECK(response["error"]["code"] == -32800);
  CHECK(up.waitClientGone(1));  // the cancel closed the connection: the transfer was aborted
  CHECK(up.requests().size() == 1);
  auto [message, interaction] = savedReply(server, "cancel");
  CHECK(message["id"] == first["messageId"]);
  CHECK(message["status"] == "interrupted");
  CHECK(message["content"] == "So far");
  CHECK(interaction["status"] == "interrupted");
}

TEST_CASE("openai: 401 names the key's variable, is not retried, and keys never leak") {
  TempDir dir;
  FakeUpstream up;
  // Like OpenAI, the upstream echoes the key it was given.
  up.enqueue(status(401, R"({"error":{"message":"Incorrect API key provided: )" + kKey + R"(.","code":"invalid_api_key"}})"));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  json error = server.error("chat/send", {{"sessionId", "auth"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  std::string text = error["message"];
  CHECK_THAT(text, Catch::StartsWith("authentication failed for provider openai: check OPENAI_API_KEY"));
  CHECK_THAT(text, Catch::Contains("Incorrect API key provided"));
  CHECK(up.requests().size() == 1);
  CHECK(up.requests()[0].headers["authorization"] == "Bearer " + kKey);  // the key was used
  auto [message, interaction] = savedReply(server, "auth");
  CHECK(message["status"] == "failed");
  CHECK(lastState(server) == "saved");

  // Nowhere: not the error, the records, an export, the database files or the log.
  CHECK(text.find(kKey) == std::string::npos);
  CHECK(interaction.dump().find(kKey) == std::string::npos);
  json exported = server.ok("session/export", {{"sessionId", "auth"}});
  CHECK(exported.dump().find(kKey) == std::string::npos);
  CHECK(server.ok("provider/list", json::object()).dump().find(kKey) == std::string::npos);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  for (auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (entry.is_regular_file()) CHECK(slurp(entry.path().string()).find(kKey) == std::string::npos);
  std::string log = server.stderrText();
  CHECK_THAT(log, Catch::Contains("provider openai"));  // debug logging was on
  CHECK(log.find(kKey) == std::string::npos);
}

TEST_CASE("openai: 400 passes the provider's own message on") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(status(400, R"({"error":{"message":"The model `nope` does not exist","type":"invalid_request_error"}})"));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  json error = server.error("chat/send", {{"sessionId", "b"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("HTTP 400") && Catch::Contains("The model `nope` does not exist"));
  CHECK(up.requests().size() == 1);
}

TEST_CASE("openai: a refused connection is retried, then reported") {
  TempDir dir;
  std::string url;
  {
    FakeUpstream closed;  // a port nothing listens on any more
    url = closed.url();
  }
  ServerProcess server(serverOptions(dir));
  server.initialize({{"provider", "openai"}, {"baseUrl", url + "/v1"}});  // local: no key needed
  json error = server.error("chat/send", {{"sessionId", "c"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  CHECK_THAT(error["message"].get<std::string>(),
             Catch::Contains("cannot connect to provider openai") && Catch::Contains("gave up after 3 attempts"));
  CHECK(savedReply(server, "c").first["status"] == "failed");
}

TEST_CASE("anthropic: the Messages stream, its headers, images and usage") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(stream(anthropicStream(kReply)));
  ServerProcess server(serverOptions(dir));
  server.initialize(anthropicOptions(up));
  json result = server.ok("chat/send", {{"sessionId", "an"},
                                        {"text", "a counter like this"},
                                        {"images", {{{"mimeType", "image/jpeg"}, {"data", "aGVsbG8="}}}}});
  CHECK(streamed(server) == joined(kReply));
  CHECK(result["assistantMessage"]["status"] == "complete");
  CHECK(result["interaction"]["provider"] == "anthropic");
  CHECK(result["interaction"]["model"] == "claude-test");
  CHECK(result["interaction"]["usage"]["inputTokens"] == 25);
  CHECK(result["interaction"]["usage"]["outputTokens"] == 15);
  CHECK(result["component"]["name"] == "Counter");

  FakeRequest request = arrived(up, 1)[0];
  CHECK(request.path == "/v1/messages");
  CHECK(request.headers["x-api-key"] == kKey);
  CHECK(request.headers["anthropic-version"] == "2023-06-01");
  CHECK(request.headers.count("authorization") == 0);
  json body = json::parse(request.body);
  CHECK(body["model"] == "claude-test");
  CHECK(body["stream"] == true);
  CHECK(body["max_tokens"].get<int>() > 0);
  CHECK_THAT(body["system"].get<std::string>(), Catch::Contains("```css"));
  REQUIRE(body["messages"].size() == 1);
  json content = body["messages"][0]["content"];
  REQUIRE(content.size() == 2);
  CHECK(content[0] == json({{"type", "image"},
                            {"source", {{"type", "base64"}, {"media_type", "image/jpeg"}, {"data", "aGVsbG8="}}}}));
  CHECK(content[1] == json({{"type", "text"}, {"text", "a counter like this"}}));
}

TEST_CASE("anthropic: 529 overloaded is retried and an error event mid-stream interrupts") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(status(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
  up.enqueue(stream(anthropicStream(kReply)));
  auto broken = anthropicStream({"Half"});
  broken.resize(4);  // message_start, content_block_start, ping, the delta
  broken.push_back("event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n");
  up.enqueue(stream(broken));
  ServerProcess server(serverOptions(dir));
  server.initialize(anthropicOptions(up));
  CHECK(server.ok("chat/send", {{"sessionId", "a1"}, {"text", "a counter"}})["assistantMessage"]["status"] == "complete");
  CHECK(up.requests().size() == 2);

  json error = server.error("chat/send", {{"sessionId", "a2"}, {"text", "a counter"}});
  CHECK(error["code"] == -32003);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("Overloaded"));
  CHECK(up.requests().size() == 3);  // text had arrived: no retry
  auto [message, interaction] = savedReply(server, "a2");
  CHECK(message["status"] == "interrupted");
  CHECK(message["content"] == "Half");
}

TEST_CASE("anthropic: 401 names ANTHROPIC_API_KEY") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(status(401, R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})"));
  ServerProcess server(serverOptions(dir));
  server.initialize(anthropicOptions(up));
  json error = server.error("chat/send", {{"sessionId", "a"}, {"text", "a counter"}});
  CHECK_THAT(error["message"].get<std::string>(),
             Catch::StartsWith("authentication failed for provider anthropic: check ANTHROPIC_API_KEY") &&
                 Catch::Contains("invalid x-api-key"));
}

TEST_CASE("configuration: initializationOptions over the environment over the config file") {
  TempDir dir;
  FakeUpstream up;
  std::filesystem::create_directories(dir.file("config/aieditor"));
  std::ofstream(dir.file("config/aieditor/config.json"))
      << json{{"provider", "openai"}, {"baseUrl", up.url() + "/v1"}, {"model", "file-model"}}.dump();

  auto modelAsked = [&](std::map<std::string, std::string> env, const json& init, std::size_t n) {
    up.enqueue(stream(openAiStream(kReply)));
    ServerProcess server(serverOptions(dir, env));
    CHECK(server.initialize(init)["capabilities"]["experimental"]["aieditor"]["provider"] == "openai");
    server.ok("chat/send", {{"sessionId", "cfg"}, {"text", "a counter"}});
    return json::parse(arrived(up, n)[n - 1].body)["model"].get<std::string>();
  };
  CHECK(modelAsked({}, json::object(), 1) == "file-model");
  CHECK(modelAsked({{"AIEDITOR_MODEL", "env-model"}}, json::object(), 2) == "env-model");
  CHECK(modelAsked({{"AIEDITOR_MODEL", "env-model"}}, {{"model", "init-model"}}, 3) == "init-model");

  // Without a key the hosted API is refused up front, naming the variable.
  TempDir bare;
  ServerProcess keyless(serverOptions(bare, {{"AIEDITOR_PROVIDER", "anthropic"}}));
  json error = keyless.error("initialize", {{"processId", nullptr}, {"initializationOptions", json::object()}});
  CHECK(error["code"] == -32602);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("ANTHROPIC_API_KEY"));

  ServerProcess unknown(serverOptions(dir, {{"AIEDITOR_PROVIDER", "gemini"}}));
  error = unknown.error("initialize", {{"processId", nullptr}, {"initializationOptions", json::object()}});
  CHECK_THAT(error["message"].get<std::string>(), Catch::StartsWith("AIEDITOR_PROVIDER: unknown provider \"gemini\""));
}

TEST_CASE(
    "configuration: AIEDITOR_API_KEY is the key for the provider the settings name, below initializationOptions") {
  TempDir dir;
  FakeUpstream up;
  const std::string generic = "sk-generic-Q7vR2mX9kL4pT8wZ";
  const std::string fromInit = "sk-init-B6yH1cF5gJ0dS3nW";
  json options = {{"provider", "openai"}, {"baseUrl", up.url() + "/v1"}, {"model", "gpt-test"}};

  // Above the provider's own variable; an upstream that echoes it has it redacted.
  up.enqueue(status(401, R"({"error":{"message":"Incorrect API key provided: )" + generic + R"(."}})"));
  ServerProcess server(serverOptions(dir, {{"AIEDITOR_API_KEY", generic}, {"OPENAI_API_KEY", kKey}}));
  server.initialize(options);
  json error = server.error("chat/send", {{"sessionId", "k"}, {"text", "a counter"}});
  CHECK(arrived(up, 1)[0].headers["authorization"] == "Bearer " + generic);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("Incorrect API key provided"));
  CHECK(error.dump().find(generic) == std::string::npos);
  // Not the key of a provider picked later by name, as initializationOptions.apiKey is not.
  CHECK_THAT(server.error("provider/set", {{"provider", "anthropic"}})["message"].get<std::string>(),
             Catch::Contains("needs an API key"));
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  CHECK_THAT(server.stderrText(), Catch::Contains("provider openai"));  // debug logging was on
  CHECK(server.stderrText().find(generic) == std::string::npos);

  // initializationOptions.apiKey wins over it.
  up.enqueue(stream(openAiStream(kReply)));
  options["apiKey"] = fromInit;
  ServerProcess second(serverOptions(dir, {{"AIEDITOR_API_KEY", generic}}));
  second.initialize(options);
  second.ok("chat/send", {{"sessionId", "k"}, {"text", "a counter"}});
  CHECK(arrived(up, 2)[1].headers["authorization"] == "Bearer " + fromInit);
}

TEST_CASE("provider/list and provider/set") {
  TempDir dir;
  FakeUpstream up;
  ServerProcess server(serverOptions(dir, {{"OPENAI_API_KEY", kKey}, {"AIEDITOR_BASE_URL", up.url() + "/v1"}}));
  server.initialize(json::object());  // offline by default

  json list = server.ok("provider/list", json::object());
  CHECK(list["active"] == json({{"provider", "offline"}, {"model", "offline-1"}}));
  REQUIRE(list["providers"].size() == 3);
  CHECK(list["providers"][0] == json({{"name", "offline"}, {"configured", true}, {"models", {"offline-1"}}}));
  CHECK(list["providers"][1]["name"] == "openai");
  CHECK(list["providers"][1]["configured"] == true);  // OPENAI_API_KEY is set
  CHECK(list["providers"][1]["baseUrl"] == "https://api.openai.com/v1");  // the base URL belongs to the offline choice
  CHECK(list["providers"][2]["name"] == "anthropic");
  CHECK(list["providers"][2]["configured"] == false);
  CHECK(list.dump().find(kKey) == std::string::npos);

  json error = server.error("provider/set", {{"provider", "gemini"}});
  CHECK(error["code"] == -32602);
  CHECK_THAT(error["message"].get<std::string>(), Catch::StartsWith("params.provider: unknown provider"));
  CHECK(server.error("provider/set", {{"model", "x"}})["message"] == "params.provider: is required");
  error = server.error("provider/set", {{"provider", "anthropic"}});
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("ANTHROPIC_API_KEY"));

  // A config-file section gives openai its base URL when chosen by name.
  std::filesystem::create_directories(dir.file("config/aieditor"));
  std::ofstream(dir.file("config/aieditor/config.json"))
      << json{{"providers", {{"openai", {{"baseUrl", up.url() + "/v1"}}}}}}.dump();
  json set = server.ok("provider/set", {{"sessionId", "ps"}, {"provider", "openai"}, {"model", "picked"}});
  CHECK(set["active"] == json({{"provider", "openai"}, {"model", "picked"}}));
  CHECK(server.ok("provider/list", json::object())["active"] == set["active"]);
  up.enqueue(stream(openAiStream(kReply)));
  json result = server.ok("chat/send", {{"sessionId", "ps"}, {"text", "a counter"}});
  CHECK(result["interaction"]["provider"] == "openai");
  CHECK(json::parse(arrived(up, 1)[0].body)["model"] == "picked");

  CHECK(server.ok("provider/set", {{"provider", "offline"}})["active"]["provider"] == "offline");
  CHECK(server.ok("chat/send", {{"sessionId", "ps"}, {"text", "a card"}})["interaction"]["provider"] == "offline");
}

TEST_CASE("the SSE parser handles every line ending, comments, multi-line data and split input") {
  aieditor::server::SseParser parser;
  auto events = parser.feed(": keep-alive\r\nevent: a\r\ndata: one\r\ndata:two\r\n\r\ndata: x");
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "a");
  CHECK(events[0].data == "one\ntwo");
  events = parser.feed("yz\r");
  CHECK(events.empty());
  events = parser.feed("\n\rdata: [DONE]\n\n");
  REQUIRE(events.size() == 2);
  CHECK(events[0].data == "xyz");
  CHECK(events[0].event.empty());
  CHECK(events[1].data == "[DONE]");
  CHECK(parser.feed("event: only\n\n").empty());  // no data, no event
  const aieditor::server::Redactor none;
  CHECK(aieditor::server::upstreamMessage(R"({"error":{"message":"m"}})", none) == "m");
  CHECK(aieditor::server::upstreamMessage("plain\ntext", none) == "plain text");
}
