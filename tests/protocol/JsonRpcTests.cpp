// JSON-RPC 2.0 conformance (every example of the specification's Examples
// section), the reply-exactly-once contract, cancellation and the gate.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonRpc.h"
#include "aieditor/protocol/Protocol.h"

using namespace aieditor::protocol;

namespace {

/// A dispatcher with the specification's example methods, recording what it sends.
struct Rig {
  std::vector<std::string> sent;
  std::vector<std::pair<std::string, json>> notified;  ///< notifications handled
  Dispatcher dispatcher{[this](std::string body) { sent.push_back(std::move(body)); }};

  Rig() {
    dispatcher.onRequest("subtract", [](const json& params, Reply reply, CancelToken) {
      if (params.is_array() && params.size() == 2)
        return reply.result(params[0].get<int>() - params[1].get<int>());
      if (params.is_object() && params.contains("minuend") && params.contains("subtrahend"))
        return reply.result(params["minuend"].get<int>() - params["subtrahend"].get<int>());
      reply.error({ErrorCode::InvalidParams, "params: must be [minuend, subtrahend]"});
    });
    dispatcher.onRequest("sum", [](const json& params, Reply reply, CancelToken) {
      int total = 0;
      for (const auto& n : params) total += n.get<int>();
      reply.result(total);
    });
    dispatcher.onRequest("get_data", [](const json&, Reply reply, CancelToken) { reply.result({"hello", 5}); });
    for (const char* name : {"notify_hello", "update"})
      dispatcher.onNotification(name, [this, name](const json& params) { notified.emplace_back(name, params); });
  }

  /// Sends `body` and returns the single reply (null when there is none).
  json exchange(std::string_view body) {
    sent.clear();
    dispatcher.receive(body);
    REQUIRE(sent.size() <= 1);
    return sent.empty() ? json() : json::parse(sent.front());
  }
};

json error(int code, const char* message, json id = nullptr) {
  return {{"jsonrpc", "2.0"}, {"error", {{"code", code}, {"message", message}}}, {"id", id}};
}
json result(json value, json id) { return {{"jsonrpc", "2.0"}, {"result", value}, {"id", id}}; }

}  // namespace

// The examples of https://www.jsonrpc.org/specification#examples, verbatim.
TEST_CASE("JSON-RPC 2.0 specification examples", "[jsonrpc][spec]") {
  Rig rig;

  SECTION("rpc call with positional parameters") {
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1})") ==
          json::parse(R"({"jsonrpc": "2.0", "result": 19, "id": 1})"));
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2})") ==
          json::parse(R"({"jsonrpc": "2.0", "result": -19, "id": 2})"));
  }
  SECTION("rpc call with named parameters") {
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3})") ==
          json::parse(R"({"jsonrpc": "2.0", "result": 19, "id": 3})"));
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4})") ==
          json::parse(R"({"jsonrpc": "2.0", "result": 19, "id": 4})"));
  }
  SECTION("a Notification") {
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]})").is_null());
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "foobar"})").is_null());
    REQUIRE(rig.notified.size() == 1);
    CHECK(rig.notified[0].first == "update");
    CHECK(rig.notified[0].second == json::parse("[1,2,3,4,5]"));
  }
  SECTION("rpc call of non-existent method") {
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "foobar", "id": "1"})") ==
          json::parse(R"({"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"})"));
  }
  SECTION("rpc call with invalid JSON") {
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz])") ==
          json::parse(R"({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null})"));
  }
  SECTION("rpc call with invalid Request object") {
    CHECK(rig.exchange(R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})") ==
          json::parse(R"({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null})"));
  }
  SECTION("rpc call Batch, invalid JSON") {
    CHECK(rig.exchange(R"([
  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
  {"jsonrpc": "2.0", "method"
])") == json::parse(R"({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null})"));
  }
  SECTION("rpc call with an empty Array") {
    CHECK(rig.exchange("[]") ==
          json::parse(R"({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null})"));
  }
  SECTION("rpc call with an invalid Batch (but not empty)") {
    CHECK(rig.exchange("[1]") == json::parse(R"([
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
])"));
  }
  SECTION("rpc call with invalid Batch") {
    CHECK(rig.exchange("[1,2,3]") == json::parse(R"([
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
])"));
  }
  SECTION("rpc call Batch") {
    CHECK(rig.exchange(R"([
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ])") == json::parse(R"([
        {"jsonrpc": "2.0", "result": 7, "id": "1"},
        {"jsonrpc": "2.0", "result": 19, "id": "2"},
        {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
        {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
    ])"));
    REQUIRE(rig.notified.size() == 1);
    CHECK(rig.notified[0] == std::pair<std::string, json>{"notify_hello", json::parse("[7]")});
  }
  SECTION("rpc call Batch (all notifications)") {
    CHECK(rig.exchange(R"([
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ])").is_null());
    CHECK(rig.sent.empty());
    CHECK(rig.notified.size() == 1);
  }
}

TEST_CASE("JSON-RPC requests and ids", "[jsonrpc]") {
  Rig rig;
  auto call = [&](const std::string& id) {
    return rig.exchange(R"({"jsonrpc":"2.0","method":"subtract","params":[3,1],"id":)" + id + "}");
  };

  SECTION("ids are echoed exactly") {
    CHECK(call("7") == result(2, 7));
    CHECK(call("-7") == result(2, -7));
    CHECK(call("9007199254740993") == result(2, 9007199254740993LL));
    CHECK(call("18446744073709551615") == result(2, 18446744073709551615ULL));
    CHECK(call("1.5") == result(2, 1.5));
    CHECK(call(R"("abc")") == result(2, "abc"));
    CHECK(call(R"("")") == result(2, ""));
    CHECK(call(R"("\u00e9\n")") == result(2, "\xC3\xA9\n"));
    CHECK(call("null") == result(2, nullptr));
    CHECK(rig.sent.front() == R"({"jsonrpc":"2.0","id":null,"result":2})");
  }
  SECTION("an id that is not a number, string or null: Invalid Request, id null") {
    CHECK(call("{}") == error(-32600, "Invalid Request"));
    CHECK(call("[1]") == error(-32600, "Invalid Request"));
    CHECK(call("true") == error(-32600, "Invalid Request"));
  }
  SECTION("invalid request objects echo a readable id") {
    CHECK(rig.exchange(R"({"method":"subtract","params":[1,1],"id":4})") == error(-32600, "Invalid Request", 4));
    CHECK(rig.exchange(R"({"jsonrpc":"1.0","method":"subtract","id":4})") == error(-32600, "Invalid Request", 4));
    CHECK(rig.exchange(R"({"jsonrpc":2.0,"method":"subtract","id":4})") == error(-32600, "Invalid Request", 4));
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","id":"x"})") == error(-32600, "Invalid Request", "x"));
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":["subtract"],"id":4})") == error(-32600, "Invalid Request", 4));
    CHECK(rig.exchange("\"a string\"") == error(-32600, "Invalid Request"));
    CHECK(rig.exchange("42") == error(-32600, "Invalid Request"));
  }
  SECTION("params must be an object or an array when present") {
    for (const char* params : {"\"bar\"", "3", "true"}) {
      CAPTURE(params);
      CHECK(rig.exchange(std::string(R"({"jsonrpc":"2.0","method":"subtract","id":5,"params":)") + params + "}") ==
            error(-32600, "Invalid Request", 5));
    }
  }
  SECTION("params: null is read as absent (LSP clients send it with shutdown)") {
    json seen = "unset";
    rig.dispatcher.onRequest("echo", [&](const json& params, Reply reply, CancelToken) {
      seen = params;
      reply.result(nullptr);
    });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"echo","id":6,"params":null})") ==
          json::parse(R"({"jsonrpc":"2.0","id":6,"result":null})"));
    CHECK(seen.is_null());
  }
  SECTION("absent params reach the handler as null") {
    json seen = "unset";
    rig.dispatcher.onRequest("echo", [&](const json& params, Reply reply, CancelToken) {
      seen = params;
      reply.result(true);
    });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"echo","id":1})") == result(true, 1));
    CHECK(seen.is_null());
  }
  SECTION("a handler's error reply") {
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"subtract","params":{"x":1},"id":6})") ==
          error(-32602, "params: must be [minuend, subtrahend]", 6));
  }
  SECTION("responses from the client are ignored") {
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","result":5,"id":1})").is_null());
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","error":{"code":-1,"message":"no"},"id":1})").is_null());
    CHECK(rig.exchange(R"([{"jsonrpc":"2.0","result":5,"id":1}])").is_null());
    CHECK(rig.exchange(R"([{"jsonrpc":"2.0","result":5,"id":1},{"jsonrpc":"2.0","method":"get_data","id":2}])") ==
          json::array({result({"hello", 5}, 2)}));
  }
  SECTION("notifications are never answered") {
    rig.dispatcher.onNotification("boom", [](const json&) { throw std::runtime_error("boom"); });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"boom"})").is_null());
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"no/such/method","params":{}})").is_null());
    // A request method sent as a notification does not run.
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"subtract","params":[1,2]})").is_null());
    CHECK(rig.sent.empty());
  }
  SECTION("bodies that are not JSON, or are nested absurdly deep") {
    CHECK(rig.exchange("") == error(-32700, "Parse error"));
    CHECK(rig.exchange("{\"jsonrpc\":\"2.0\",\"method\":\"x\xFF\",\"id\":1}") == error(-32700, "Parse error"));
    const json deep = rig.exchange(std::string(1'000'000, '['));
    CHECK(deep["error"]["code"] == -32700);
    CHECK(deep["id"].is_null());
    const std::string nested = std::string(100, '[') + std::string(100, ']');
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"get_data","id":1,"params":)" + nested + "}") ==
          result({"hello", 5}, 1));
  }
  SECTION("a request nested too deep is answered with its id when the id can be read") {
    const std::string deep = std::string(600, '[') + std::string(600, ']');
    const json refused =
        rig.exchange(R"({"jsonrpc":"2.0","method":"get_data","params":{"list":)" + deep + R"(},"id":"d"})");
    CHECK(refused["id"] == "d");
    CHECK(refused["error"]["code"] == -32602);
    CHECK_THAT(refused["error"]["message"].get<std::string>(),
               Catch::StartsWith("params.list[0][0]") && Catch::EndsWith("...: nested deeper than 512 levels"));
    const json outside = rig.exchange(R"({"jsonrpc":"2.0","method":"get_data","id":3,"extra":)" + deep + "}");
    CHECK(outside["id"] == 3);
    CHECK(outside["error"]["code"] == -32600);
    // A notification is not answered; an unreadable id gets null.
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"get_data","params":)" + deep + "}").is_null());
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"get_data","id":)" + deep + "}")["id"].is_null());
  }
  SECTION("lone surrogate escapes read as U+FFFD") {
    rig.dispatcher.onRequest("echo", [](const json& params, Reply reply, CancelToken) { reply.result(params); });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"echo","params":["\ud83d","\udc00x","\ud83d\ude00"],"id":1})") ==
          result({"\xEF\xBF\xBD", "\xEF\xBF\xBDx", "\xF0\x9F\x98\x80"}, 1));
  }
  SECTION("a handler that throws gets -32603 and the dispatcher keeps serving") {
    rig.dispatcher.onRequest("throws", [](const json&, Reply, CancelToken) { throw std::runtime_error("bad"); });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"throws","id":1})") ==
          error(-32603, "server failed to reply", 1));
    CHECK(rig.dispatcher.inFlight() == 0);
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"get_data","id":2})") == result({"hello", 5}, 2));
  }
  SECTION("results with invalid UTF-8 are still valid JSON") {
    rig.dispatcher.onRequest("bytes", [](const json&, Reply reply, CancelToken) { reply.result("a\xFF"); });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"bytes","id":1})") == result("a\xEF\xBF\xBD", 1));
  }
  SECTION("rejectFrame answers a parse error with id null") {
    rig.dispatcher.rejectFrame("missing Content-Length header");
    REQUIRE(rig.sent.size() == 1);
    CHECK(json::parse(rig.sent[0]) == error(-32700, "Parse error: missing Content-Length header"));
  }
  SECTION("notify sends a notification") {
    rig.dispatcher.notify("chat/delta", {{"delta", "hi"}});
    rig.dispatcher.notify("x/empty", nullptr);
    REQUIRE(rig.sent.size() == 2);
    CHECK(rig.sent[0] == R"({"jsonrpc":"2.0","method":"chat/delta","params":{"delta":"hi"}})");
    CHECK(rig.sent[1] == R"({"jsonrpc":"2.0","method":"x/empty"})");
  }
  SECTION("errorResponse") {
    CHECK(errorResponse("\"a\"", {ErrorCode::RequestCancelled, "cancelled"}) ==
          R"({"jsonrpc":"2.0","id":"a","error":{"code":-32800,"message":"cancelled"}})");
    CHECK(json::parse(errorResponse("", {ErrorCode::InternalError, "x"}))["id"].is_null());
  }
}

TEST_CASE("Every request is answered exactly once", "[jsonrpc][reply]") {
  std::vector<std::string> sent;
  auto dispatcher = std::make_unique<Dispatcher>([&](std::string body) { sent.push_back(std::move(body)); });
  std::optional<Reply> held;
  dispatcher->onRequest("hold", [&](const json&, Reply reply, CancelToken) { held.emplace(std::move(reply)); });
  dispatcher->onRequest("drop", [](const json&, Reply, CancelToken) {});
  dispatcher->onRequest("twice", [](const json&, Reply reply, CancelToken) {
    reply.result(1);
    reply.result(2);
    reply.error({ErrorCode::InternalError, "three"});
  });
  dispatcher->onRequest("now", [](const json&, Reply reply, CancelToken) { reply.result("now"); });

  SECTION("a dropped Reply answers from its destructor") {
    dispatcher->receive(R"({"jsonrpc":"2.0","method":"drop","id":1})");
    REQUIRE(sent.size() == 1);
    CHECK(json::parse(sent[0]) == error(-32603, "server failed to reply", 1));
  }
  SECTION("a second answer is ignored") {
    dispatcher->receive(R"({"jsonrpc":"2.0","method":"twice","id":1})");
    REQUIRE(sent.size() == 1);
    CHECK(json::parse(sent[0]) == result(1, 1));
  }
  SECTION("a held Reply answers later, once") {
    dispatcher->receive(R"({"jsonrpc":"2.0","method":"hold","id":"h"})");
    CHECK(sent.empty());
    CHECK(dispatcher->inFlight() == 1);
    held->result(42);
    CHECK(dispatcher->inFlight() == 0);
    held.reset();  // destroying an answered Reply sends nothing more
    REQUIRE(sent.size() == 1);
    CHECK(json::parse(sent[0]) == result(42, "h"));
  }
  SECTION("a moved-from Reply owes nothing") {
    int delivered = 0;
    {
      Reply first("1", [&](std::string) { ++delivered; });
      Reply second(std::move(first));
    }
    CHECK(delivered == 1);
  }
  SECTION("a batch waits for its held replies") {
    dispatcher->receive(R"([{"jsonrpc":"2.0","method":"hold","id":1},{"jsonrpc":"2.0","method":"now","id":2}])");
    CHECK(sent.empty());
    held->error({ErrorCode::RequestCancelled, "cancelled"});
    REQUIRE(sent.size() == 1);
    CHECK(json::parse(sent[0]) == json::array({error(-32800, "cancelled", 1), result("now", 2)}));
  }
  SECTION("a Reply may outlive the dispatcher") {
    dispatcher->receive(R"({"jsonrpc":"2.0","method":"hold","id":1})");
    dispatcher.reset();
    held->result(1);  // goes nowhere, and does not crash
    held.reset();
    CHECK(sent.empty());
  }
  SECTION("an unanswered Reply outliving the dispatcher is destroyed quietly") {
    dispatcher->receive(R"({"jsonrpc":"2.0","method":"hold","id":1})");
    dispatcher.reset();
    held.reset();
    CHECK(sent.empty());
  }
}

TEST_CASE("Cancellation flips the running request's token", "[jsonrpc][cancel]") {
  Rig rig;
  std::vector<std::pair<Reply, CancelToken>> running;
  rig.dispatcher.onRequest("work", [&](const json&, Reply reply, CancelToken token) {
    running.emplace_back(std::move(reply), token);
  });
  // The way the server wires $/cancelRequest: typed params, then cancel().
  rig.dispatcher.onNotification("$/cancelRequest", [&](const json& params) {
    CancelParams cancel;
    if (fromJSON(params, cancel, "params")) rig.dispatcher.cancel(cancel.id);
  });

  rig.exchange(R"({"jsonrpc":"2.0","method":"work","id":1})");
  rig.exchange(R"({"jsonrpc":"2.0","method":"work","id":"1"})");
  REQUIRE(running.size() == 2);
  CHECK(rig.dispatcher.inFlight() == 2);

  SECTION("by id text") {
    CHECK(rig.dispatcher.cancel("\"1\""));
    CHECK_FALSE(running[0].second.cancelled());
    CHECK(running[1].second.cancelled());
    CHECK_FALSE(rig.dispatcher.cancel("2"));
  }
  SECTION("through $/cancelRequest, which is never answered") {
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}})").is_null());
    CHECK(running[0].second.cancelled());
    CHECK_FALSE(running[1].second.cancelled());
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"nope"}})").is_null());
  }
  SECTION("the work answers -32800 and leaves the running set") {
    rig.dispatcher.cancel("1");
    REQUIRE(running[0].second.cancelled());
    running[0].first.error({ErrorCode::RequestCancelled, "Request cancelled"});
    REQUIRE(rig.sent.size() == 1);
    CHECK(json::parse(rig.sent[0]) == error(-32800, "Request cancelled", 1));
    CHECK(rig.dispatcher.inFlight() == 1);
    CHECK_FALSE(rig.dispatcher.cancel("1"));
  }
  running.clear();  // answers "server failed to reply" for whatever is left
  CHECK(rig.dispatcher.inFlight() == 0);
}

TEST_CASE("The gate is consulted before routing requests", "[jsonrpc][gate]") {
  Rig rig;
  bool initialized = false;
  std::vector<std::string> asked;
  rig.dispatcher.onRequest("initialize", [&](const json&, Reply reply, CancelToken) {
    initialized = true;
    reply.result(json::object());
  });
  rig.dispatcher.setGate([&](std::string_view method) -> std::optional<RpcError> {
    asked.emplace_back(method);
    if (initialized || method == "initialize") return std::nullopt;
    return RpcError{ErrorCode::ServerNotInitialized, "Server not initialized"};
  });

  CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":1})") ==
        error(-32002, "Server not initialized", 1));
  CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"no_such","id":2})") == error(-32002, "Server not initialized", 2));
  // Notifications are not gated.
  CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"update","params":[1]})").is_null());
  CHECK(rig.notified.size() == 1);
  CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"initialize","params":{},"id":3})") == result(json::object(), 3));
  CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":4})") == result(1, 4));
  CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"no_such","id":5})") == error(-32601, "Method not found", 5));
  CHECK(asked == std::vector<std::string>{"subtract", "no_such", "initialize", "subtract", "no_such"});

  SECTION("a gate that throws is an internal error, not a crash") {
    rig.dispatcher.setGate([](std::string_view) -> std::optional<RpcError> { throw std::runtime_error("gate"); });
    CHECK(rig.exchange(R"({"jsonrpc":"2.0","method":"subtract","params":[2,1],"id":6})") ==
          error(-32603, "Internal error: gate", 6));
  }
}
