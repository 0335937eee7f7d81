// Malformed, truncated and oversize frames through the real binary: each gets
// an error reply and the server keeps serving.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

TEST_CASE("bad frames are answered and skipped, and the next frame works") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  const std::string good = R"({"jsonrpc":"2.0","id":"after","method":"session/list","params":{}})";

  SECTION("missing Content-Length") {
    server.writeRaw("Content-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"x\"}");
  }
  SECTION("non-numeric Content-Length") {
    server.writeRaw("Content-Length: twelve\r\n\r\n{\"jsonrpc\":\"2.0\"}");
  }
  SECTION("negative Content-Length") {
    server.writeRaw("Content-Length: -5\r\n\r\n");
  }
  SECTION("Content-Length over 64 MiB") {
    server.writeRaw("Content-Length: 67108865\r\n\r\n{}");
  }
  SECTION("absurd Content-Length") {
    server.writeRaw("Content-Length: 99999999999999999999999\r\n\r\n{}");
  }
  json error = server.waitOther();
  CHECK(error["error"]["code"] == -32700);
  CHECK(error["id"].is_null());
  server.writeFrame(good);
  CHECK(server.waitResponse(json("after")).contains("result"));
}

TEST_CASE("extra headers are ignored and frames may arrive byte by byte") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize(json::object());
  const std::string body = R"({"jsonrpc":"2.0","id":"slow","method":"session/list","params":{}})";
  const std::string frame = "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
  for (char c : frame) server.writeRaw(std::string(1, c));
  CHECK(server.waitResponse(json("slow")).contains("result"));
}

TEST_CASE("a frame truncated by end of input does not hang the server") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  server.writeRaw("Content-Length: 500\r\n\r\n{\"jsonrpc\":\"2.0\"");
  server.closeStdin();
  CHECK(server.wait() == 1);
}

TEST_CASE("a body that is not UTF-8 JSON gets a parse error") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  server.writeFrame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session/open\",\"params\":{\"sessionId\":\"\xff\xfe\"}}");
  json error = server.waitOther();
  CHECK(error["error"]["code"] == -32700);
  CHECK(server.call("session/list", json::object()).contains("result"));
}
