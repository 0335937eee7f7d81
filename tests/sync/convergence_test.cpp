// Convergence (issue 15): random interleaved writes on two editors A and B
// (messages, chat turns with the offline provider, components saved by hand)
// in three sessions, with partial syncs between them; once both have synced
// twice around, every session's whole `session/export` is equal on A and B,
// and its records are the backend's own. Real processes: two aieditor
// servers with their own databases and one aieditor-backend.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

constexpr int kSteps = 40;
const std::vector<std::string> kSessions{"conv-0", "conv-1", "conv-2"};
const std::vector<std::string> kPrompts{"a pricing card with a blue button", "make it dark",
                                        "a login form\nwith two fields", "add a title", "a todo list"};

/// AIEDITOR_CONVERGENCE_SEED, or a fresh seed.
unsigned seed() {
  if (const char* given = std::getenv("AIEDITOR_CONVERGENCE_SEED")) return static_cast<unsigned>(std::stoul(given));
  return std::random_device{}();
}

/// One random write (or an open, or a sync) on `server`; `tag` makes its ids unique.
/// Returns the session written to, or "" for an open or a sync.
std::string randomStep(ServerProcess& server, std::mt19937& random, const std::string& tag) {
  const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
  const std::string& session = kSessions[pick(kSessions.size())];
  switch (pick(5)) {
    case 0:
      server.ok("messages/add",
                {{"sessionId", session},
                 {"message", {{"id", tag}, {"role", pick(2) ? "user" : "assistant"}, {"content", "note " + tag}}}});
      break;
    case 1:
      server.ok("chat/send", {{"sessionId", session}, {"text", kPrompts[pick(kPrompts.size())] + " " + tag}});
      break;
    case 2:
      server.ok("components/save", {{"sessionId", session},
                                    {"component",
                                     {{"id", "manual-" + std::to_string(pick(2))},
                                      {"name", "Manual"},
                                      {"jsx", "<p>" + tag + "</p>"},
                                      {"css", ""}}}});
      break;
    case 3:  // opened before it has a record: created here, without one
      server.ok("session/open", {{"sessionId", session}});
      return "";
    default:
      syncNow(server);
      return "";
  }
  return session;
}

/// Every record the backend holds of `session`, read through its REST API
/// (one page each: the test writes far fewer than 1000).
json backendRecords(const Backend& backend, const std::string& access, const std::string& session) {
  const auto get = [&](const std::string& path) {
    auto reply = backend.call("GET", "/api/sessions/" + session + path, access);
    REQUIRE(reply.status == 200);
    return reply.json();
  };
  const json messages = get("/messages?limit=1000");
  const json interactions = get("/interactions?limit=1000");
  CHECK_FALSE(messages["has_more"].get<bool>());
  CHECK_FALSE(interactions["has_more"].get<bool>());
  json versions = json::array();
  const json latest = get("/components");
  for (const json& component : latest["components"]) {
    const json history = get("/components/" + component["id"].get<std::string>() + "/versions");
    for (const json& version : history["versions"]) versions.push_back(version);
  }
  return {{"messages", messages["messages"]}, {"interactions", interactions["interactions"]}, {"components", versions}};
}

}  // namespace

TEST_CASE(
    "convergence: after random interleaved writes on A and B and a sync, every export is equal and the backend's") {
  const unsigned chosen = seed();
  INFO("seed " << chosen << " (AIEDITOR_CONVERGENCE_SEED=" << chosen << " repeats it)");
  std::mt19937 random(chosen);
  TempDir dir;
  const std::string backendDb = dir.file("backend.db");
  const std::string token = addUser(backendDb, "alice");
  Backend backend(backendDb);
  auto a = editor(dir.file("a.db"), backend.url(), token);
  auto b = editor(dir.file("b.db"), backend.url(), token);
  std::set<std::string> written;
  for (int step = 0; step < kSteps; ++step) {
    const bool onA = std::bernoulli_distribution(0.5)(random);
    const std::string session = randomStep(onA ? *a : *b, random, (onA ? "a" : "b") + std::to_string(step));
    if (!session.empty()) written.insert(session);
  }
  for (int round = 0; round < 2; ++round) {
    syncNow(*a);
    syncNow(*b);
  }

  const std::string access = backend.signIn(token);
  CHECK_FALSE(written.empty());
  for (const std::string& session : written) {
    INFO("session " << session);
    const json onA = a->ok("session/export", {{"sessionId", session}})["document"];
    const json onB = b->ok("session/export", {{"sessionId", session}})["document"];
    // As a JSON patch from A's: a difference names its path and values.
    CHECK(json::diff(onA, onB) == json::array());
    const json records{
        {"messages", onA["messages"]}, {"interactions", onA["interactions"]}, {"components", onA["components"]}};
    CHECK(json::diff(records, backendRecords(backend, access, session)) == json::array());
  }
}
