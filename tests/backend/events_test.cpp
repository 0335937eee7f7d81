// GET /api/events through the real aieditor-backend, read with libcurl:
// one `change` event per committed change of the signed-in user and no one
// else's, resuming after Last-Event-ID (across more than a page of the log),
// reset when the client is ahead, heartbeats, the stream limit, revocation
// and SIGTERM ending open streams.
#include <signal.h>

#include <catch2/catch.hpp>

#include "BackendTestSupport.h"
#include "EventStreamClient.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

struct Fixture {
  explicit Fixture(std::vector<std::string> serveArgs = {}) : backend(db, std::move(serveArgs)) {}
  TempDir dir;
  std::string db = dir.file("backend.db");
  std::string aliceSignIn = addUser(db, "alice");
  Backend backend;
  std::string alice = backend.signIn(aliceSignIn);

  HttpReply post(const std::string& token, const std::string& session, const std::string& content) {
    auto reply = backend.call("POST", "/api/sessions/" + session + "/messages", token,
                              {{"role", "user"}, {"content", content}});
    REQUIRE(reply.status == 201);
    return reply;
  }
};

/// The change events' seqs must rise by one from `first`, none missing or repeated.
void checkConsecutive(const std::vector<StreamEvent>& changes, long long first) {
  for (std::size_t i = 0; i < changes.size(); ++i) {
    INFO("change event " << i << ": " << changes[i].data);
    CHECK(changeSeq(changes[i]) == first + static_cast<long long>(i));
  }
}

}  // namespace

TEST_CASE("an event stream gets one change event per committed change, in seq order") {
  Fixture f;
  EventStreamClient stream(f.backend.url(), f.alice);
  REQUIRE(stream.waitConnected());
  f.post(f.alice, "demo", "hello");
  REQUIRE(f.backend
              .call("POST", "/api/sessions/demo/components", f.alice,
                    {{"id", "card"}, {"name", "Card"}, {"jsx", "<div/>"}, {"css", ""}})
              .status == 201);
  REQUIRE(f.backend.call("PUT", "/api/sessions/demo/current_component", f.alice, {{"component_id", "card"}}).status ==
          200);
  REQUIRE(f.backend.call("DELETE", "/api/sessions/demo", f.alice).status == 204);

  auto changes = stream.waitForChanges(4);
  REQUIRE(changes.size() == 4);
  checkConsecutive(changes, 1);
  std::vector<std::string> kinds;
  for (const auto& change : changes) {
    const auto data = json::parse(change.data);
    CHECK(data["session_id"] == "demo");
    kinds.push_back(data["kind"]);
  }
  CHECK(kinds == std::vector<std::string>{"message", "component", "current_component", "session_deleted"});
  // A retry that stores nothing is no change.
  auto first = f.post(f.alice, "other", "x").json()["message"];
  REQUIRE(f.backend.call("POST", "/api/sessions/other/messages", f.alice, first).status == 200);
  f.post(f.alice, "other", "y");
  changes = stream.waitForChanges(6);
  REQUIRE(changes.size() == 6);
  checkConsecutive(changes, 1);
}

TEST_CASE("another user's changes never reach a stream") {
  Fixture f;
  const std::string bob = f.backend.signIn(addUser(f.db, "bob"));
  EventStreamClient aliceStream(f.backend.url(), f.alice);
  EventStreamClient bobStream(f.backend.url(), bob);
  REQUIRE(aliceStream.waitConnected());
  REQUIRE(bobStream.waitConnected());
  // Both write to a session called "demo"; bob first, so a leak would come first.
  f.post(bob, "demo", "bob's");
  f.post(f.alice, "demo", "alice's");
  f.post(bob, "demo", "bob's again");

  auto aliceChanges = aliceStream.waitForChanges(1);
  auto bobChanges = bobStream.waitForChanges(2);
  REQUIRE(aliceChanges.size() == 1);
  REQUIRE(bobChanges.size() == 2);
  checkConsecutive(aliceChanges, 1);
  checkConsecutive(bobChanges, 1);
  // Once alice's next change has arrived, nothing of bob's came between.
  f.post(f.alice, "demo", "alice's again");
  aliceChanges = aliceStream.waitForChanges(2);
  REQUIRE(aliceChanges.size() == 2);
  checkConsecutive(aliceChanges, 1);
  for (const auto& event : aliceStream.events()) CHECK(event.data.find("bob") == std::string::npos);
}

TEST_CASE("Last-Event-ID resumes after that change, reading the log past a page, a later id gets reset") {
  Fixture f;
  constexpr int kChanges = 450;  // more than one page of the log (200)
  for (int i = 0; i < kChanges; ++i) f.post(f.alice, "s" + std::to_string(i % 7), "m" + std::to_string(i));

  EventStreamClient resumed(f.backend.url(), f.alice, "5");
  auto changes = resumed.waitForChanges(kChanges - 5);
  REQUIRE(changes.size() == kChanges - 5);
  checkConsecutive(changes, 6);
  // Then it follows live changes.
  f.post(f.alice, "live", "after");
  changes = resumed.waitForChanges(kChanges - 4);
  REQUIRE(changes.size() == kChanges - 4);
  checkConsecutive(changes, 6);

  // A client that has seen more than the backend holds (a restore from a backup).
  EventStreamClient ahead(f.backend.url(), f.alice, "9999");
  auto reset = ahead.waitFor([](const StreamEvent& e) { return e.event == "reset"; });
  REQUIRE(reset);
  CHECK(json::parse(reset->data) == json{{"last_event_id", 9999}, {"latest", kChanges + 1}});
  f.post(f.alice, "live", "after the reset");
  auto afterReset = ahead.waitForChanges(1);
  REQUIRE(afterReset.size() == 1);
  checkConsecutive(afterReset, kChanges + 2);
}

TEST_CASE("a bad Last-Event-ID gets 400 naming it, no token gets 401") {
  Fixture f;
  EventStreamClient bad(f.backend.url(), f.alice, "seven");
  REQUIRE(bad.waitForEnd());
  CHECK(bad.status() == 400);
  CHECK(json::parse(bad.body())["error"]["message"].get<std::string>().starts_with("Last-Event-ID:"));
  EventStreamClient anonymous(f.backend.url(), "not-a-token");
  REQUIRE(anonymous.waitForEnd());
  CHECK(anonymous.status() == 401);
}

TEST_CASE("a quiet stream sends heartbeat comments") {
  Fixture f({"--heartbeat", "1"});
  EventStreamClient stream(f.backend.url(), f.alice);
  REQUIRE(stream.waitConnected());
  CHECK(stream.waitFor([](const StreamEvent& e) { return e.event == ":" && e.data == "heartbeat"; }));
}

TEST_CASE("SIGTERM ends open streams at once and the backend exits 0") {
  // An hour between heartbeats: only the shutdown itself can end the stream.
  Fixture f({"--heartbeat", "3600"});
  EventStreamClient stream(f.backend.url(), f.alice);
  REQUIRE(stream.waitConnected());
  ::kill(f.backend.process().pid(), SIGTERM);
  CHECK(stream.waitForEnd());
  CHECK(f.backend.process().wait() == 0);
}

TEST_CASE("streams past their limit get 503, a revoked user's stream ends") {
  // Eight connections: at most four may be streams, so requests still get
  // through (with room for a worker still closing an earlier connection).
  Fixture f({"--max-connections", "8", "--heartbeat", "1"});
  std::vector<std::unique_ptr<EventStreamClient>> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(std::make_unique<EventStreamClient>(f.backend.url(), f.alice));
    REQUIRE(streams.back()->waitConnected());
  }
  EventStreamClient& first = *streams[0];
  EventStreamClient& second = *streams[1];
  EventStreamClient fifth(f.backend.url(), f.alice);
  REQUIRE(fifth.waitForEnd());
  CHECK(fifth.status() == 503);
  CHECK_THAT(fifth.body(), Catch::Contains("too many open event streams"));
  f.post(f.alice, "demo", "still served");
  CHECK(first.waitForChanges(1).size() == 1);

  auto revoked = runBackendCli(withStorage({"user", "revoke", "alice"}, f.db));
  REQUIRE(revoked.code == 0);
  CHECK(first.waitForEnd());
  CHECK(second.waitForEnd());
  EventStreamClient after(f.backend.url(), f.alice);
  REQUIRE(after.waitForEnd());
  CHECK(after.status() == 401);
}
