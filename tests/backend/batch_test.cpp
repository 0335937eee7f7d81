// POST /api/batch through the real aieditor-backend: many writes in order in
// one request, each answered as its own route would answer it, one refused
// write not stopping the rest, and bad batches refused naming the field.
#include <catch2/catch.hpp>

#include "BackendTestSupport.h"
#include "EventStreamClient.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

struct Fixture {
  TempDir dir;
  std::string db = dir.file("backend.db");
  std::string aliceSignIn = addUser(db, "alice");
  Backend backend{db};
  std::string alice = backend.signIn(aliceSignIn);

  HttpReply batch(const json& body) { return backend.call("POST", "/api/batch", alice, body); }
  HttpReply get(const std::string& path) { return backend.call("GET", path, alice); }
};

json write(const std::string& kind, const std::string& session, const json& record = nullptr) {
  json w{{"kind", kind}, {"session_id", session}};
  if (!record.is_null()) w["record"] = record;
  return w;
}

json message(const std::string& id, const std::string& content) {
  return {{"id", id}, {"role", "user"}, {"content", content}};
}

}  // namespace

TEST_CASE("a batch applies its writes in order, each answered as its own route would") {
  Fixture f;
  EventStreamClient stream(f.backend.url(), f.alice);
  REQUIRE(stream.waitConnected());
  const json card{{"id", "card"}, {"name", "Card"}, {"jsx", "<div/>"}, {"css", ""}};
  json edit = card;
  edit["jsx"] = "<div>v2</div>";
  edit["base_version"] = 1;
  json stale = card;
  stale["jsx"] = "<div>other device</div>";
  stale["base_version"] = 1;
  auto reply = f.batch({{"writes",
                         {write("message", "demo", message("m1", "hello")),
                          write("interaction", "demo",
                                {{"id", "i1"}, {"prompt", "hello"}, {"provider", "offline"}, {"model", "offline"}}),
                          write("component", "demo", card), write("current_component", "demo", {{"component_id", "card"}}),
                          write("message", "demo", message("m1", "hello")),         // a replay
                          write("message", "demo", message("m1", "changed")),       // the same id, other content
                          write("message", "demo", {{"id", "m2"}, {"role", "robot"}, {"content", "x"}}),
                          write("component", "demo", edit), write("component", "demo", stale),
                          write("message", "other", message("m3", "elsewhere")), write("session_deleted", "other"),
                          write("session_deleted", "never-made")}}});
  REQUIRE(reply.status == 200);
  const json results = reply.json()["results"];
  REQUIRE(results.size() == 12);
  std::vector<int> statuses;
  for (const auto& r : results) statuses.push_back(r["status"]);
  CHECK(statuses == std::vector<int>{201, 201, 201, 200, 200, 409, 400, 201, 201, 201, 204, 404});
  CHECK(results[0]["record"]["id"] == "m1");
  CHECK(results[2]["record"]["version"] == 1);
  CHECK(results[5]["error"]["code"] == "conflict");
  CHECK(results[6]["error"]["message"].get<std::string>().starts_with("writes[6]: message.role:"));
  CHECK(results[7]["record"]["version"] == 2);
  CHECK(results[8]["record"]["version"] == 3);
  CHECK(results[8]["record"]["metadata"]["conflict"]["base_version"] == 1);

  // What was kept is readable as usual, and logged once each, in order.
  auto messages = f.get("/api/sessions/demo/messages").json()["messages"];
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["content"] == "hello");
  CHECK(f.get("/api/sessions/demo/components/card/versions").json()["versions"].size() == 3);
  CHECK(f.get("/api/sessions/other/messages").status == 404);
  auto changes = f.get("/api/changes?since=0").json()["changes"];
  std::vector<std::string> kinds;
  for (const auto& change : changes) kinds.push_back(change["kind"]);
  // The deleted session's own changes leave the log with it.
  CHECK(kinds ==
        std::vector<std::string>{"message", "interaction", "component", "current_component", "component", "component",
                                 "session_deleted"});
  // Every kept change reached the stream too, seqs rising without a gap.
  auto events = stream.waitForChanges(8);
  REQUIRE(events.size() == 8);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(changeSeq(events[i]) == static_cast<long long>(i + 1));
}

TEST_CASE("a replayed batch stores nothing new") {
  Fixture f;
  const json body{{"writes",
                   {write("message", "demo", message("a", "one")), write("message", "demo", message("b", "two")),
                    write("component", "demo", {{"id", "c"}, {"name", "C"}, {"jsx", "<p/>"}, {"css", ""}})}}};
  REQUIRE(f.batch(body).status == 200);
  auto again = f.batch(body);
  REQUIRE(again.status == 200);
  const json results = again.json()["results"];
  for (const auto& r : results) CHECK(r["status"] == 200);
  CHECK(f.get("/api/changes?since=0").json()["latest"] == 3);
}

TEST_CASE("bad batches are refused naming the field") {
  Fixture f;
  auto refusal = [&](const json& body) {
    auto reply = f.batch(body);
    CHECK(reply.status == 400);
    return reply.json()["error"]["message"].get<std::string>();
  };
  CHECK(refusal({{"writes", "no"}}).starts_with("writes: must be an array"));
  CHECK(refusal({{"writes", json::array()}}).starts_with("writes: must be an array of 1 to 1000"));
  json tooMany = json::array();
  for (int i = 0; i < 1001; ++i) tooMany.push_back(write("message", "demo", message("m" + std::to_string(i), "x")));
  CHECK(refusal({{"writes", tooMany}}).starts_with("writes: must be an array of 1 to 1000"));

  auto mixed = f.batch({{"writes",
                         {write("poem", "demo", {}), write("message", "bad id!", message("x", "y")), json(7),
                          write("message", "demo", message("ok", "kept"))}}});
  REQUIRE(mixed.status == 200);
  const json results = mixed.json()["results"];
  CHECK(results[0]["error"]["message"].get<std::string>().starts_with("writes[0]: kind: expected one of"));
  CHECK(results[1]["error"]["message"].get<std::string>().starts_with("writes[1]: session_id: must be 1-128"));
  CHECK(results[2]["error"]["message"].get<std::string>().starts_with("writes[2]: must be an object"));
  CHECK(results[3]["status"] == 201);
}
