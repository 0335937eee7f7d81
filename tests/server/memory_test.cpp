// Large frames through the real binary: once handled, the memory they took is
// given back to the system, read from /proc/PID/status.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// The process's resident set, in KiB.
long residentKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  FAIL("no VmRSS in /proc/" << pid << "/status");
  return 0;
}

/// A request answered after everything before it: the loop has finished with
/// the large frame and its reply.
void settle(ServerProcess& server) { server.ok("session/list", json::object()); }

}  // namespace

TEST_CASE("the memory of a large message is given back once it is handled") {
  TempDir dir;
  ServerProcess server(
      {{"--db", dir.file("m.db")}, {{"AIEDITOR_LOG", "error"}, {"ASAN_OPTIONS", asanOptionsWithoutQuarantine()}}});
  server.initialize(json::object());
  server.ok("messages/add", {{"sessionId", "big"}, {"message", {{"role", "user"}, {"content", "warm up"}}}});
  settle(server);
  const long before = residentKiB(server.pid());
  // A generous bound: without giving memory back the server keeps 60 MB or more.
  constexpr long kBoundKiB = 24 * 1024;

  SECTION("a 40 MB message, stored") {
    const std::string content(40'000'000, 'x');
    json stored =
        server.ok("messages/add", {{"sessionId", "big"}, {"message", {{"role", "user"}, {"content", content}}}});
    CHECK(stored["message"]["content"].get_ref<const std::string&>().size() == content.size());
  }
  SECTION("a 60 MB frame, refused") {
    server.writeFrame(std::string(60'000'000, 'x'));
    CHECK(server.waitOther()["error"]["code"] == -32700);
  }
  settle(server);
  const long after = residentKiB(server.pid());
  INFO("VmRSS before " << before << " KiB, after " << after << " KiB");
  CHECK(after - before < kBoundKiB);
}
