// The backlog: 10,000 writes queued while sync was off drain completely once
// it is on, with real processes (aieditor A and B, aieditor-backend). Heavy:
// the TSan preset leaves it out by name ("sync/backlog: ...").
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

constexpr int kWrites = 10'000;
constexpr int kSessions = 4;
constexpr int kComponentEvery = 50;  ///< every 50th write saves a new version of the session's component

/// The writes, sent all at once: messages across four sessions, with a
/// component version every 50th write. What the backend's change log must
/// then hold for each session, in write order.
std::map<std::string, std::vector<std::string>> writeBacklog(ServerProcess& server) {
  std::map<std::string, std::vector<std::string>> expected;
  std::vector<long> sent;
  for (int i = 0; i < kWrites; ++i) {
    const std::string session = "backlog-" + std::to_string(i % kSessions);
    const std::string id = "w" + std::to_string(i);
    if (i % kComponentEvery == kComponentEvery - 1) {
      const std::string component = "card-" + session;
      sent.push_back(server.send(
          "components/save",
          {{"sessionId", session},
           {"component", {{"id", component}, {"name", "Card"}, {"jsx", "<p>" + id + "</p>"}, {"css", ""}}}}));
      expected[session].push_back("component:" + session + ":" + component);
    } else {
      sent.push_back(server.send(
          "messages/add",
          {{"sessionId", session}, {"message", {{"id", id}, {"role", "user"}, {"content", "text " + id}}}}));
      expected[session].push_back("message:" + session + ":" + id);
    }
  }
  for (long id : sent) REQUIRE(server.waitResponse(id).contains("result"));
  return expected;
}

/// The backend's messages and component versions, session by session, in its
/// order (a session's first component save also picks it as current: a
/// record of its own).
std::map<std::string, std::vector<std::string>> bySession(const std::vector<std::string>& changes) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& change : changes) {
    if (!change.starts_with("message:") && !change.starts_with("component:")) continue;
    const auto first = change.find(':'), second = change.find(':', first + 1);
    out[change.substr(first + 1, second - first - 1)].push_back(change);
  }
  return out;
}

void stop(ServerProcess& server) {
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  REQUIRE(server.wait() == 0);
}

}  // namespace

TEST_CASE("backlog: 10000 writes made with sync off drain completely once it is on") {
  World w;
  std::map<std::string, std::vector<std::string>> expected;
  std::int64_t queued = 0;
  {
    ServerProcess offline({{"--db", w.db}, {{"AIEDITOR_LOG", "error"}}});
    offline.initialize(json::object());
    expected = writeBacklog(offline);
    const json status = offline.ok("sync/status", json::object());
    CHECK(status["state"] == "disabled");
    queued = status["pending"];
    CHECK(queued >= kWrites);
    stop(offline);
  }
  REQUIRE(outboxRows(w.db) == queued);

  Backend backend(w.backendDb);
  auto a = editor(w.db, backend.url(), w.token);
  waitSync(*a, allSynced);
  const json status = a->ok("sync/status", json::object());
  CHECK(status["pending"] == 0);
  CHECK(status["rejected"] == 0);
  CHECK(outboxRows(w.db) == 0);
  // Every record at the backend exactly once, each session's in write order.
  const auto changes = backendChanges(backend, w.token);
  CHECK(changes.size() == static_cast<std::size_t>(queued));
  CHECK(bySession(changes) == expected);

  // A second editor pulls it all: both show the same sessions.
  auto b = editor(w.dir.file("b.db"), backend.url(), w.token);
  REQUIRE(a->ok("sync/now", json::object())["state"] == "synced");
  REQUIRE(b->ok("sync/now", json::object())["state"] == "synced");
  for (const auto& [session, records] : expected) {
    const json onA = a->ok("session/export", {{"sessionId", session}})["document"];
    const json onB = b->ok("session/export", {{"sessionId", session}})["document"];
    CHECK(onA["messages"].size() + onA["components"].size() == records.size());
    CHECK(json::diff(onA, onB) == json::array());
  }
}
