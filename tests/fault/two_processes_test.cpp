// Two real servers writing one database file at once, in sessions of their
// own and in one they share, with every kind of write pipelined: nothing
// either was told is saved goes missing, the file stays intact, and each
// server reads the other's commits. (tests/server/durability_test.cpp has
// the plain messages/add version.)
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "FaultSupport.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

struct Sent {
  std::string session, method;
  json params;
  long request = 0;
  json result = nullptr;
};

/// A mixed workload for the server called `who`, half of it in "shared".
std::vector<Sent> workloadFor(const std::string& who, std::mt19937& random, int count) {
  std::vector<Sent> out;
  for (int i = 0; i < count; ++i) {
    const std::string tag = who + std::to_string(i);
    const std::string session = random() % 2 ? "shared" : who + "-own";
    Sent s{session, "", {{"sessionId", session}}};
    switch (random() % 5) {
      case 0:
        s.method = "interactions/add";
        s.params["interaction"] = {{"id", "i" + tag}, {"prompt", tag}, {"provider", "openai"}, {"model", "m"}};
        break;
      case 1:
        // Both servers add versions to one component: each version lands once.
        s.method = "components/save";
        s.params["component"] = {{"id", "card"},
                                 {"name", "Card"},
                                 {"jsx", "export default function Card() { return <i>" + tag + "</i>; }"},
                                 {"css", ""}};
        break;
      case 2:
        if (session != "shared") {
          s.method = "chat/send";
          s.params["text"] = "A pricing card " + tag;
          break;
        }
        [[fallthrough]];
      default:
        s.method = "messages/add";
        s.params["message"] = {{"id", "m" + tag}, {"role", "user"}, {"content", tag}};
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TEST_CASE("two servers writing one database at once: every acknowledged write, seen by both", "[two]") {
  const unsigned seed = seedFrom("AIEDITOR_FAULT_SEED");
  INFO("AIEDITOR_FAULT_SEED=" << seed);
  std::mt19937 random(seed);
  TempDir dir;
  const std::string db = dir.file("shared.db");
  ServerProcess a(serverOn(db)), b(serverOn(db));
  a.initialize(json::object());
  b.initialize(json::object());
  const int count = countFrom("AIEDITOR_FAULT_TWO_WRITES", 150, 1);
  auto sentA = workloadFor("a", random, count), sentB = workloadFor("b", random, count);
  // Interleaved, all in flight at once.
  for (int i = 0; i < count; ++i) {
    auto& x = sentA[static_cast<std::size_t>(i)];
    auto& y = sentB[static_cast<std::size_t>(i)];
    x.request = a.send(x.method, x.params);
    y.request = b.send(y.method, y.params);
  }
  std::set<std::string> messageIds, interactionIds;
  std::map<std::string, std::string> cardVersions;  // "session#version" -> jsx
  auto versionKey = [](const std::string& session, const json& component) {
    return session + "#" + std::to_string(component["version"].get<int>());
  };
  for (auto [server, sent] : {std::pair{&a, &sentA}, std::pair{&b, &sentB}}) {
    for (auto& s : *sent) {
      json response = server->waitResponse(s.request);
      INFO(s.method << " " << s.params.dump() << " -> " << response.dump());
      // Chats are pipelined: one sent while the session's reply still streams
      // is refused (-32803) and stores nothing, so it acknowledges nothing.
      if (s.method == "chat/send" && response.contains("error") && response["error"]["code"] == -32803) continue;
      REQUIRE(response.contains("result"));
      const json& r = response["result"];
      if (s.method == "messages/add") messageIds.insert(s.session + "/" + r["message"]["id"].get<std::string>());
      if (s.method == "interactions/add")
        interactionIds.insert(s.session + "/" + r["interaction"]["id"].get<std::string>());
      if (s.method == "chat/send") {
        for (const char* m : {"userMessage", "assistantMessage"})
          messageIds.insert(s.session + "/" + r[m]["id"].get<std::string>());
        interactionIds.insert(s.session + "/" + r["interaction"]["id"].get<std::string>());
      }
      if (s.method == "components/save") {
        const std::string key = versionKey(s.session, r["component"]);
        INFO("version " << key << " acknowledged twice");
        CHECK(!cardVersions.contains(key));
        cardVersions[key] = r["component"]["jsx"];
      }
    }
  }
  for (auto* server : {&a, &b})
    for (auto& status : server->notifications("persistence/status")) CHECK(status["state"] != "failed");
  CHECK(integrityCheck(db) == "ok");

  // Both servers read the same, complete sessions.
  std::map<std::string, json> exports[2];
  for (int who = 0; who < 2; ++who) {
    ServerProcess& server = who == 0 ? a : b;
    std::set<std::string> seenMessages, seenInteractions;
    std::map<std::string, std::string> seenVersions;
    for (const std::string session : {"shared", "a-own", "b-own"}) {
      json opened = server.ok("session/open", {{"sessionId", session}, {"limit", 1000}});
      CHECK(opened["hasMore"] == false);
      for (const auto& m : opened["messages"]) seenMessages.insert(session + "/" + m["id"].get<std::string>());
      auto document = exportOf(server, session);
      REQUIRE(document);
      exports[who][session] = *document;
      for (const auto& i : (*document)["interactions"])
        seenInteractions.insert(session + "/" + i["id"].get<std::string>());
      for (const auto& c : (*document)["components"])
        if (c["id"] == "card") seenVersions[versionKey(session, c)] = c["jsx"];
    }
    INFO("as server " << (who == 0 ? "a" : "b") << " reads it");
    for (const auto& id : messageIds) CHECK(seenMessages.contains(id));
    for (const auto& id : interactionIds) CHECK(seenInteractions.contains(id));
    for (const auto& [version, jsx] : cardVersions) CHECK(seenVersions[version] == jsx);
  }
  for (const std::string session : {"shared", "a-own", "b-own"}) CHECK(exports[0][session] == exports[1][session]);
}
