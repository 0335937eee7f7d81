// Several aieditor-backend nodes on one PostgreSQL database (the change log
// under parallel writers, racing retries, /api/events across nodes through
// LISTEN/NOTIFY), and a database that drops the connections: the cases
// tagged [postgres] run only in the backend-postgres registration
// (tests/CMakeLists.txt).
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "BackendTestSupport.h"
#include "EventStreamClient.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

json message(const std::string& id, const std::string& content) {
  return {{"id", id}, {"role", "user"}, {"content", content}};
}

/// Every change after `since`, paged `limit` at a time; checks seq order.
std::vector<json> allChangesSince(const Backend& node, const std::string& access, std::int64_t since, int limit) {
  std::vector<json> changes;
  for (bool more = true; more;) {
    auto reply =
        node.call("GET", "/api/changes?limit=" + std::to_string(limit) + "&since=" + std::to_string(since), access);
    REQUIRE(reply.status == 200);
    const json page = reply.json();
    for (const auto& change : page["changes"]) {
      CHECK(change["seq"].get<std::int64_t>() > since);
      since = change["seq"];
      changes.push_back(change);
    }
    REQUIRE(page["next"] == since);
    more = page["has_more"];
  }
  return changes;
}

}  // namespace

TEST_CASE("two nodes, many writers: a poller paging since sees every write exactly once, in seq order", "[postgres]") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  // Started together on an empty database: both create the schema at once.
  auto nodes = Backend::startTogether(db, 2);
  const std::string signIn = addUser(db, "alice");
  const std::string access = nodes[0]->signIn(signIn);

  constexpr int kWriters = 8, kEach = 25;
  std::atomic<bool> writing{true};
  // A reader polling through the other node while the writes commit: with
  // seq taken any other way than under the user's lock in the write's
  // transaction, a later commit of a smaller seq would be skipped here.
  std::vector<std::string> polled;
  std::thread poller([&] {
    std::int64_t since = 0;
    for (bool last = false; !last;) {
      last = !writing.load();  // one more round after the writers finish
      auto reply = tryHttpRequest("GET", nodes[1]->url() + "/api/changes?limit=50&since=" + std::to_string(since), "",
                                  {"Authorization: Bearer " + access});
      if (!reply || reply->status != 200) return;
      const json page = json::parse(reply->body);
      for (const auto& change : page["changes"]) polled.push_back(change["record"]["id"].get<std::string>());
      since = page["next"];
      if (page["has_more"].get<bool>()) last = false;
    }
  });
  std::vector<std::thread> writers;
  std::vector<int> created(kWriters, 0);
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        const Backend& node = *nodes[(w + i) % 2];
        auto reply = tryHttpRequest("POST", node.url() + "/api/sessions/s" + std::to_string(w % 3) + "/messages",
                                    message(id, id).dump(), {"Authorization: Bearer " + access});
        if (reply && reply->status == 201) ++created[w];
      }
    });
  for (auto& writer : writers) writer.join();
  writing = false;
  poller.join();
  for (int w = 0; w < kWriters; ++w) CHECK(created[w] == kEach);

  const std::set<std::string> polledOnce(polled.begin(), polled.end());
  CHECK(polled.size() == static_cast<std::size_t>(kWriters * kEach));
  CHECK(polledOnce.size() == static_cast<std::size_t>(kWriters * kEach));

  const auto changes = allChangesSince(*nodes[0], access, 0, 7);
  std::set<std::string> seen;
  for (const auto& change : changes) CHECK(seen.insert(change["record"]["id"].get<std::string>()).second);
  CHECK(seen.size() == static_cast<std::size_t>(kWriters * kEach));
  REQUIRE_FALSE(changes.empty());
  CHECK(changes.back()["seq"] == kWriters * kEach);
}

TEST_CASE("the same POST racing on two nodes: one 201, the rest 200 with the same record, nothing else", "[postgres]") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  const std::string signIn = addUser(db, "alice");
  auto nodes = Backend::startTogether(db, 2);
  const std::string access = nodes[0]->signIn(signIn);

  constexpr int kRounds = 10, kRacers = 8;
  for (int round = 0; round < kRounds; ++round) {
    const std::string id = "same-" + std::to_string(round);
    std::mutex mutex;
    std::map<long, int> statuses;
    std::set<std::string> bodies;
    std::vector<std::thread> racers;
    for (int r = 0; r < kRacers; ++r)
      racers.emplace_back([&, r] {
        auto reply = tryHttpRequest(
            "POST", nodes[r % 2]->url() + "/api/sessions/race/messages",
            json{{"id", id}, {"role", "user"}, {"content", id}, {"created_at", "2026-01-02T03:04:05Z"}}.dump(),
            {"Authorization: Bearer " + access});
        std::lock_guard lock(mutex);
        ++statuses[reply ? reply->status : 0];
        if (reply && reply->status / 100 == 2) bodies.insert(json::parse(reply->body).dump());
      });
    for (auto& racer : racers) racer.join();
    INFO("round " << round);
    CHECK(statuses[201] == 1);
    CHECK(statuses[200] == kRacers - 1);
    CHECK(bodies.size() == 1);
  }
  CHECK(allChangesSince(*nodes[1], access, 0, 100).size() == kRounds);
}

TEST_CASE("connections the database drops answer 503, are replaced, and the node keeps serving", "[postgres]") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  const std::string signIn = addUser(db, "alice");
  Backend backend(db, {"--max-connections", "4"});
  const std::string access = backend.signIn(signIn);
  REQUIRE(backend.call("POST", "/api/sessions/s/messages", access, message("before", "before")).status == 201);

  REQUIRE(terminatePostgresConnections(db) >= 1);
  // The pooled connection is dead: the next call fails on it (503, not a
  // crash or a 500) and drops it; a later call opens a new one.
  std::vector<long> statuses;
  for (int attempt = 0; attempt < 10; ++attempt) {
    statuses.push_back(backend.call("POST", "/api/sessions/s/messages", access, message("after", "after")).status);
    if (statuses.back() == 201) break;
  }
  CHECK(statuses.front() == 503);
  CHECK(statuses.back() == 201);
  for (long status : statuses) CHECK((status == 503 || status == 201));
  auto messages = backend.call("GET", "/api/sessions/s/messages", access).json()["messages"];
  REQUIRE(messages.size() == 2);
  CHECK(messages[1]["id"] == "after");
}

TEST_CASE("a write to one node reaches an event stream on the other", "[postgres]") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  const std::string signIn = addUser(db, "alice");
  // Heartbeats (when a stream also reads the change log) far apart: within
  // the wait's limit, only NOTIFY can tell node B.
  auto nodes = Backend::startTogether(db, 2, {"--heartbeat", "3600"});
  const std::string access = nodes[0]->signIn(signIn);
  EventStreamClient stream(nodes[1]->url(), access);
  REQUIRE(stream.waitConnected());

  // Through node A only first.
  auto first = nodes[0]->call("POST", "/api/sessions/far/messages", access, message("from-a", "from node A"));
  REQUIRE(first.status == 201);
  auto heard = stream.waitFor([](const StreamEvent& e) { return e.event == "change"; });
  REQUIRE(heard);
  CHECK(changeSeq(*heard) == 1);
  CHECK(json::parse(heard->data)["session_id"] == "far");
  CHECK(json::parse(heard->data)["kind"] == "message");

  // Then both nodes in turn: every change once, in seq order.
  constexpr int kWrites = 10;
  for (int i = 0; i < kWrites; ++i)
    REQUIRE(nodes[i % 2]
                ->call("POST", "/api/sessions/far/messages", access, message("m" + std::to_string(i), "x"))
                .status == 201);
  const auto changes = stream.waitForChanges(kWrites + 1);
  REQUIRE(changes.size() == kWrites + 1);
  for (std::size_t i = 0; i < changes.size(); ++i) CHECK(changeSeq(changes[i]) == static_cast<long long>(i + 1));
}

TEST_CASE("the change feed listens again after its connection is lost", "[postgres]") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  const std::string signIn = addUser(db, "alice");
  auto nodes = Backend::startTogether(db, 2);
  const std::string access = nodes[0]->signIn(signIn);
  EventStreamClient stream(nodes[1]->url(), access);
  REQUIRE(stream.waitConnected());
  REQUIRE(nodes[0]->call("POST", "/api/sessions/s/messages", access, message("before", "x")).status == 201);
  REQUIRE(stream.waitFor([](const StreamEvent& e) { return e.event == "change" && changeSeq(e) == 1; }));

  // Every connection of both nodes ends, the LISTEN ones too (and streams
  // whose reads fail on a dropped connection end: clients reconnect). Node
  // B's feed listens again after a pause; until then notices are lost, so
  // each try opens a stream on B, writes through A and waits for its event.
  REQUIRE(terminatePostgresConnections(db) >= 2);
  std::optional<StreamEvent> heard;
  for (int attempt = 0; attempt < 30 && !heard; ++attempt) {
    EventStreamClient again(nodes[1]->url(), access);
    if (!again.waitConnected()) continue;
    auto reply =
        nodes[0]->call("POST", "/api/sessions/s/messages", access, message("after-" + std::to_string(attempt), "x"));
    if (reply.status != 201) continue;  // node A's pooled connections were dropped too
    heard = again.waitFor([](const StreamEvent& e) { return e.event == "change" && changeSeq(e) >= 2; },
                          std::chrono::seconds(2));
  }
  REQUIRE(heard);
  CHECK(httpRequest("GET", nodes[1]->url() + "/healthz").status == 200);
}

TEST_CASE("a PostgreSQL connection string is never shown, and --postgres beside --db is refused") {
  auto both = runBackendCli({"user", "list", "--db", "x.db", "--postgres", "host=127.0.0.1"});
  CHECK(both.code == 2);
  CHECK_THAT(both.err, Catch::Contains("--db and --postgres"));

  // Nothing listens on port 1; the password must not reach the error.
  auto unreachable =
      runBackendCli({"user", "list", "--postgres", "host=127.0.0.1 port=1 dbname=team password=hunter2"});
  CHECK(unreachable.code == 1);
  CHECK_THAT(unreachable.err, Catch::Contains("127.0.0.1/team"));
  CHECK(unreachable.err.find("hunter2") == std::string::npos);
  auto serve =
      runBackendCli({"serve", "--listen", "127.0.0.1:0", "--postgres", "postgresql://alice:hunter2@127.0.0.1:1/team"});
  CHECK(serve.code == 1);
  CHECK(serve.err.find("hunter2") == std::string::npos);
  // libpq quotes what it cannot parse, here the whole URI with its password
  // ("end of string reached when looking for matching \"]\" ..."): never shown.
  auto malformed = runBackendCli({"user", "list", "--postgres", "postgresql://alice:hunter2@[127.0.0.1/team"});
  CHECK(malformed.code == 1);
  CHECK_THAT(malformed.err, Catch::Contains("not a valid connection string"));
  CHECK(malformed.err.find("hunter2") == std::string::npos);
}

TEST_CASE("a batch commits as one transaction: no other node's write lands between its changes", "[postgres]") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  const std::string signIn = addUser(db, "alice");
  auto nodes = Backend::startTogether(db, 2);
  const std::string access = nodes[0]->signIn(signIn);

  std::atomic<bool> batching{true};
  std::atomic<int> singles{0};
  std::thread other([&] {
    for (int i = 0; batching; ++i) {
      auto reply =
          tryHttpRequest("POST", nodes[1]->url() + "/api/sessions/other/messages",
                         message("single-" + std::to_string(i), "x").dump(), {"Authorization: Bearer " + access});
      if (reply && reply->status == 201) ++singles, singles.notify_all();
    }
  });
  singles.wait(0);  // the other node is writing before the first batch starts
  constexpr int kBatches = 5, kEach = 40;
  for (int b = 0; b < kBatches; ++b) {
    json writes = json::array();
    for (int i = 0; i < kEach; ++i)
      writes.push_back({{"kind", "message"},
                        {"session_id", "batched"},
                        {"record", message("b" + std::to_string(b) + "-" + std::to_string(i), "x")}});
    auto reply = nodes[0]->call("POST", "/api/batch", access, {{"writes", writes}});
    REQUIRE(reply.status == 200);
  }
  batching = false;
  other.join();

  // Each batch's changes are consecutive seqs: it held the user's row lock
  // from its first change to its commit.
  std::map<std::string, std::vector<std::int64_t>> seqsByBatch;
  for (const auto& change : allChangesSince(*nodes[0], access, 0, 100)) {
    const std::string id = change["record"]["id"];
    if (id.starts_with("b")) seqsByBatch[id.substr(0, id.find('-'))].push_back(change["seq"]);
  }
  REQUIRE(seqsByBatch.size() == kBatches);
  for (const auto& [batch, seqs] : seqsByBatch) {
    INFO("batch " << batch);
    REQUIRE(seqs.size() == kEach);
    CHECK(seqs.back() - seqs.front() == kEach - 1);
  }
  CHECK(singles > 0);
}
