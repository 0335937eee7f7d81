// Search with sync, through real processes: records another device wrote
// are found once pulled, a pulled delete leaves nothing found, and a title
// the user chose stays theirs after pulls (titles are not synced records).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

/// The ids of the message hits for `query`.
std::vector<std::string> messageHits(ServerProcess& server, const std::string& query) {
  const json found = server.ok("search/query", {{"query", query}, {"kinds", {"message"}}});
  std::vector<std::string> ids;
  for (const json& hit : found["hits"]) ids.push_back(hit["id"]);
  return ids;
}

}  // namespace

TEST_CASE("pulled records are searchable, a pulled delete unindexes them, and a renamed title survives pulls") {
  TempDir dir;
  const std::string backendDb = dir.file("backend.db");
  const std::string token = addUser(backendDb, "alice");
  Backend backend(backendDb);
  auto a = editor(dir.file("a.db"), backend.url(), token);
  auto b = editor(dir.file("b.db"), backend.url(), token);

  const auto written = addMessages(*a, "shared", 3, "quokka");  // contents "text quokka0" ...
  syncNow(*a);
  syncNow(*b);
  CHECK(messageHits(*b, "quokka1") == std::vector<std::string>{"quokka1"});
  CHECK(messageHits(*b, "text").size() == 3);

  // B names the session; A's next writes, pulled, do not title it again.
  CHECK(b->ok("session/rename", {{"sessionId", "shared"}, {"title", "Marsupials"}})["session"]["title"] ==
        "Marsupials");
  addMessages(*a, "shared", 2, "later");
  syncNow(*a);
  syncNow(*b);
  CHECK(b->ok("session/open", {{"sessionId", "shared"}})["session"]["title"] == "Marsupials");
  CHECK(messageHits(*b, "later1") == std::vector<std::string>{"later1"});
  const json titles = b->ok("search/query", {{"query", "marsupials"}, {"kinds", {"session"}}});
  REQUIRE(titles["hits"].size() == 1);
  CHECK(titles["hits"][0]["id"] == "shared");
  // A keeps the title it derived: renames stay on the device that made them.
  CHECK(a->ok("session/open", {{"sessionId", "shared"}})["session"]["title"] == "text quokka0");

  a->ok("session/delete", {{"sessionId", "shared"}});
  syncNow(*a);
  syncNow(*b);
  CHECK(messageHits(*b, "text").empty());
  CHECK(b->ok("search/query", {{"query", "marsupials"}})["hits"].empty());
}
