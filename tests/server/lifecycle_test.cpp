// LSP lifecycle and JSON-RPC conformance through the real binary.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {
ServerProcess startServer(const TempDir& dir) {
  return ServerProcess({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
}
}  // namespace

TEST_CASE("initialize answers with serverInfo and capabilities") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  json result = server.initialize(json::object());
  CHECK(result["serverInfo"]["name"] == "aieditor");
  CHECK(result["serverInfo"]["version"].is_string());
  CHECK(result["capabilities"].is_object());
  CHECK(result["capabilities"]["experimental"]["aieditor"]["databasePath"] == dir.file("a.db"));
  CHECK(result["capabilities"]["experimental"]["aieditor"]["provider"] == "offline");
}

TEST_CASE("initializationOptions.databasePath overrides --db") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  json result = server.initialize({{"databasePath", dir.file("b.db")}});
  CHECK(result["capabilities"]["experimental"]["aieditor"]["databasePath"] == dir.file("b.db"));
  server.ok("session/open", {{"sessionId", "s1"}});
  CHECK(std::filesystem::exists(dir.file("b.db")));
}

TEST_CASE("AIEDITOR_DB and XDG_DATA_HOME choose the database when nothing else does") {
  TempDir dir;
  {
    ServerProcess server({{}, {{"AIEDITOR_DB", dir.file("env.db")}}});
    CHECK(server.initialize(json::object())["capabilities"]["experimental"]["aieditor"]["databasePath"] ==
          dir.file("env.db"));
  }
  ServerProcess server({{}, {{"XDG_DATA_HOME", dir.path()}, {"AIEDITOR_DB", ""}}});
  CHECK(server.initialize(json::object())["capabilities"]["experimental"]["aieditor"]["databasePath"] ==
        dir.file("aieditor/aieditor.db"));
}

TEST_CASE("requests before initialize get -32002 and notifications are ignored") {
  TempDir dir;
  ServerProcess server = startServer(dir);
  server.notify("initialized", json::object());
  json error = server.error("session/list", json::object());
  CHECK(error["code"] == -32002);
  server.initialize(json::object());
  CHECK(server.call("session/list", json::object()).contains("result"));
}

TEST_CASE("initialize twice is refused") {
  TempDir dir;
  ServerProcess server = startServer(dir);
  server.initialize(json::object());
  CHECK(server.error("initialize", json::object())["code"] == -32600);
}

TEST_CASE("exit after shutdown exits 0, without shutdown 1") {
  TempDir dir;
  {
    ServerProcess server = startServer(dir);
    server.initialize(json::object());
    CHECK(server.call("shutdown", nullptr)["result"].is_null());
    CHECK(server.error("session/list", json::object())["code"] == -32600);
    server.notify("exit", nullptr);
    CHECK(server.wait() == 0);
  }
  {
    ServerProcess server = startServer(dir);
    server.initialize(json::object());
    server.notify("exit", nullptr);
    CHECK(server.wait() == 1);
  }
  {
    ServerProcess server = startServer(dir);
    server.initialize(json::object());
    server.closeStdin();
    CHECK(server.wait() == 1);
  }
}

TEST_CASE("ids are echoed exactly, numbers and strings") {
  TempDir dir;
  ServerProcess server = startServer(dir);
  server.initialize(json::object());
  server.writeFrame(R"({"jsonrpc":"2.0","id":"abc-1","method":"session/list","params":{}})");
  CHECK(server.waitResponse(json("abc-1"))["id"] == "abc-1");
  server.writeFrame(R"({"jsonrpc":"2.0","id":9007199254740991,"method":"session/list"})");
  CHECK(server.waitResponse(json(9007199254740991LL))["id"] == 9007199254740991LL);
}

TEST_CASE("unknown methods, bad JSON and bad requests get the standard codes") {
  TempDir dir;
  ServerProcess server = startServer(dir);
  server.initialize(json::object());
  CHECK(server.error("no/such", json::object())["code"] == -32601);

  server.writeFrame(R"({"jsonrpc":"2.0","method":"foobar,"params":"bar","baz])");
  json parse = server.waitOther();
  CHECK(parse["error"]["code"] == -32700);
  CHECK(parse["id"].is_null());

  server.writeFrame(R"({"jsonrpc":"1.0","id":77,"method":"session/list"})");
  CHECK(server.waitResponse(json(77))["error"]["code"] == -32600);

  server.writeFrame(R"({"jsonrpc":"2.0","id":78,"method":"session/open","params":"oops"})");
  CHECK(server.waitResponse(json(78))["error"]["code"] == -32600);

  // Still serving.
  CHECK(server.call("session/list", json::object()).contains("result"));
}

TEST_CASE("batches are answered with one array") {
  TempDir dir;
  ServerProcess server = startServer(dir);
  server.initialize(json::object());
  server.writeFrame(R"([
    {"jsonrpc":"2.0","id":"b1","method":"session/open","params":{"sessionId":"batch"}},
    {"jsonrpc":"2.0","method":"initialized","params":{}},
    {"jsonrpc":"2.0","id":"b2","method":"no/such"},
    {"foo":"boo"}
  ])");
  json batch = server.waitOther();
  REQUIRE(batch.is_array());
  REQUIRE(batch.size() == 3);
  std::map<std::string, json> byId;
  for (auto& r : batch) byId[r["id"].dump()] = r;
  CHECK(byId["\"b1\""].contains("result"));
  CHECK(byId["\"b2\""]["error"]["code"] == -32601);
  CHECK(byId["null"]["error"]["code"] == -32600);

  server.writeFrame("[]");
  CHECK(server.waitOther()["error"]["code"] == -32600);
}
