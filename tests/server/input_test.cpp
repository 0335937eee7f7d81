// Input at the edges through the real binary: JSON nested past the limits,
// metadata that must round-trip through export and import, lone surrogate
// escapes as JavaScript writes them.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

using Fixture = ServerFixture;

/// `levels` arrays and objects nested as {"a":{"a":...{"a":1}}}, as JSON text.
std::string nestedText(std::size_t levels) {
  std::string text;
  for (std::size_t i = 0; i < levels; ++i) text += R"({"a":)";
  text += "1";
  text.append(levels, '}');
  return text;
}

json nested(std::size_t levels) { return json::parse(nestedText(levels)); }

json interactionWithMetadata(const json& metadata) {
  return {{"prompt", "p"}, {"response", "r"}, {"provider", "offline"}, {"model", "m"}, {"metadata", metadata}};
}

}  // namespace

TEST_CASE_METHOD(Fixture, "a request nested past the limit is answered with its own id, naming the field") {
  // {"jsonrpc":"2.0","method":...,"params":{"sessionId":"deep","message":{"role":"user","content":"x","extra":DEEP}},"id":"deep"}
  // with the id last, as nothing obliges a client to put it first.
  const std::string body = R"({"jsonrpc":"2.0","method":"messages/add","params":{"sessionId":"deep","message":)"
                           R"({"role":"user","content":"x","extra":)" +
                           nestedText(600) + R"(}},"id":"deep"})";
  server.writeFrame(body);
  json error = server.waitResponse(json("deep"))["error"];
  CHECK(error["code"] == -32602);
  CHECK_THAT(error["message"].get<std::string>(), Catch::StartsWith("params.message.extra.a.a"));
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("nested deeper than 512 levels"));

  // Deep past any stack: 100,000 arrays, then the id.
  server.writeFrame(R"({"jsonrpc":"2.0","method":"session/list","params":{"x":)" + std::string(100000, '[') +
                    std::string(100000, ']') + R"(},"id":7})");
  error = server.waitResponse(json(7))["error"];
  CHECK(error["code"] == -32602);
  CHECK_THAT(error["message"].get<std::string>(), Catch::StartsWith("params.x[0][0]"));

  // A notification that deep is dropped unanswered; the next request works.
  server.writeFrame(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":)" + nestedText(1000) + "}");
  CHECK(server.call("session/list", json::object()).contains("result"));
  CHECK(server.ok("messages/list", {{"sessionId", "deep"}})["messages"].empty());
}

TEST_CASE_METHOD(Fixture, "a message nested too deep without a readable id gets -32700 with id null") {
  server.writeFrame(std::string(100000, '[') + std::string(100000, ']'));
  json error = server.waitOther();
  CHECK(error["id"].is_null());
  CHECK(error["error"]["code"] == -32700);
  CHECK_THAT(error["error"]["message"].get<std::string>(), Catch::Contains("nested deeper than 512 levels"));
  CHECK(server.call("session/list", json::object()).contains("result"));
}

TEST_CASE_METHOD(Fixture, "metadata is refused past its depth limit, and the deepest accepted round-trips") {
  constexpr std::size_t kDeepest = 256;  // kMaxValueDepth
  json refused = server.error("interactions/add",
                              {{"sessionId", "src"}, {"interaction", interactionWithMetadata(nested(kDeepest + 1))}});
  CHECK(refused["code"] == -32602);
  CHECK(refused["message"] == "params.interaction.metadata: is nested deeper than 256 levels");
  refused = server.error(
      "components/save",
      {{"sessionId", "src"}, {"component", {{"jsx", "x"}, {"css", ""}, {"metadata", nested(kDeepest + 1)}}}});
  CHECK(refused["message"] == "params.component.metadata: is nested deeper than 256 levels");

  server.ok("interactions/add", {{"sessionId", "src"}, {"interaction", interactionWithMetadata(nested(kDeepest))}});
  server.ok("components/save",
            {{"sessionId", "src"}, {"component", {{"jsx", "x"}, {"css", ""}, {"metadata", nested(kDeepest)}}}});
  const json exported = server.ok("session/export", {{"sessionId", "src"}})["document"];
  CHECK(exported["interactions"][0]["metadata"] == nested(kDeepest));

  // One call, and one batch (a level deeper), bring the export back.
  CHECK(server.ok("session/import", {{"sessionId", "copy"}, {"document", exported}})["sessionId"] == "copy");
  const json batch = json::array({{{"jsonrpc", "2.0"},
                                   {"id", "in-batch"},
                                   {"method", "session/import"},
                                   {"params", {{"sessionId", "copy2"}, {"document", exported}}}}});
  server.writeFrame(batch.dump());
  CHECK(server.waitOther()[0]["result"]["sessionId"] == "copy2");

  for (const std::string copy : {"copy", "copy2"}) {
    const json imported = server.ok("session/export", {{"sessionId", copy}})["document"];
    CHECK(imported["interactions"][0]["metadata"] == exported["interactions"][0]["metadata"]);
    CHECK(imported["components"][0]["metadata"] == exported["components"][0]["metadata"]);
  }
}

TEST_CASE_METHOD(Fixture, "lone surrogate escapes are stored as U+FFFD and valid pairs stay intact") {
  const std::string replacement = "\xEF\xBF\xBD", grinning = "\xF0\x9F\x98\x80";
  struct Case {
    std::string escaped, stored;
  };
  const Case cases[] = {
      {R"(a\ud83db)", "a" + replacement + "b"},           // a lone high surrogate, as JSON.stringify writes it
      {R"(a\uDC00b)", "a" + replacement + "b"},           // a lone low one
      {R"(\ud83d)", replacement},                         // at the end of the string
      {R"(\ud83d\ud83d\ude00)", replacement + grinning},  // a high one before a pair
      {R"(\ude00\ud83d\ude00\ud83d)", replacement + grinning + replacement},
      {R"(\ud83d\ude00)", grinning},  // a pair stays
      {R"(\\ud83d)", R"(\ud83d)"},    // an escaped backslash: text, not an escape
  };
  int id = 0;
  for (const Case& c : cases) {
    CAPTURE(c.escaped);
    const std::string requestId = "s" + std::to_string(++id);
    server.writeFrame(R"({"jsonrpc":"2.0","id":")" + requestId +
                      R"(","method":"messages/add","params":{"sessionId":"sur","message":{"id":")" + requestId +
                      R"(","role":"user","content":")" + c.escaped + R"("}}})");
    json response = server.waitResponse(json(requestId));
    REQUIRE(response.contains("result"));
    CHECK(response["result"]["message"]["content"] == c.stored);
  }
  json opened = server.ok("session/open", {{"sessionId", "sur"}});
  REQUIRE(opened["messages"].size() == std::size(cases));
  for (std::size_t i = 0; i < std::size(cases); ++i) CHECK(opened["messages"][i]["content"] == cases[i].stored);

  // In a key, in the session id's own string, in the request id.
  server.writeFrame(
      R"({"jsonrpc":"2.0","id":"k\ud83d","method":"interactions/add","params":{"sessionId":"sur",)"
      R"("interaction":{"prompt":"p","response":"r","provider":"o","model":"m","metadata":{"\udc00":1}}}})");
  json response = server.waitResponse(json("k" + replacement));
  REQUIRE(response.contains("result"));
  CHECK(response["result"]["interaction"]["metadata"] == json{{replacement, 1}});
}
