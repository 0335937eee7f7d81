// The REST API through the real aieditor-backend: every route, idempotent
// retries and conflicts, paging, the change log, and two users kept apart.
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "BackendTestSupport.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

struct Fixture {
  TempDir dir;
  std::string db = dir.file("backend.db");
  std::string aliceSignIn = addUser(db, "alice");
  Backend backend{db};
  std::string alice = backend.signIn(aliceSignIn);

  HttpReply call(const std::string& method, const std::string& path, const json& body = nullptr) {
    return backend.call(method, path, alice, body);
  }
};

json message(const std::string& id, const std::string& content) {
  return {{"id", id}, {"role", "user"}, {"content", content}};
}

}  // namespace

TEST_CASE("healthz answers without a token") {
  TempDir dir;
  Backend backend(dir.file("b.db"));
  auto reply = httpRequest("GET", backend.url() + "/healthz");
  REQUIRE(reply.status == 200);
  CHECK(reply.json()["status"] == "ok");
  CHECK(reply.json()["storage"] == storageEngine());
  CHECK(reply.json()["version"].is_string());
}

TEST_CASE("a message is stored once: a retry answers 200, different content 409") {
  Fixture f;
  auto created = f.call("POST", "/api/sessions/demo/messages", message("m1", "a login form"));
  REQUIRE(created.status == 201);
  const json stored = created.json()["message"];
  CHECK(stored["session_id"] == "demo");
  CHECK(stored["status"] == "complete");
  CHECK(stored["created_at"].is_string());

  auto retry = f.call("POST", "/api/sessions/demo/messages", message("m1", "a login form"));
  CHECK(retry.status == 200);
  CHECK(retry.json()["message"] == stored);

  auto conflict = f.call("POST", "/api/sessions/demo/messages", message("m1", "something else"));
  CHECK(conflict.status == 409);
  CHECK(conflict.json()["error"]["code"] == "conflict");
  CHECK_THAT(conflict.json()["error"]["message"].get<std::string>(), Catch::Contains("message.id"));

  auto generated = f.call("POST", "/api/sessions/demo/messages", json{{"role", "assistant"}, {"content", "ok"}});
  REQUIRE(generated.status == 201);
  const std::string id = generated.json()["message"]["id"];
  CHECK(id.size() == 36);
  CHECK(id[14] == '7');  // UUIDv7

  auto sessions = f.call("GET", "/api/sessions");
  REQUIRE(sessions.status == 200);
  REQUIRE(sessions.json()["sessions"].size() == 1);
  const json session = sessions.json()["sessions"][0];
  CHECK(session["id"] == "demo");
  CHECK(session["title"] == "a login form");
  CHECK(session["message_count"] == 2);
  CHECK(session["component_count"] == 0);
  CHECK(session["current_component_id"].is_null());
  CHECK_FALSE(sessions.json().contains("next_cursor"));
}

TEST_CASE("bad records are refused with 400 naming the field") {
  Fixture f;
  auto role = f.call("POST", "/api/sessions/demo/messages", json{{"role", "robot"}, {"content", "x"}});
  CHECK(role.status == 400);
  CHECK_THAT(role.json()["error"]["message"].get<std::string>(), Catch::StartsWith("message.role: "));
  auto missing = f.call("POST", "/api/sessions/demo/interactions", json{{"prompt", "p"}, {"model", "m"}});
  CHECK(missing.status == 400);
  CHECK_THAT(missing.json()["error"]["message"].get<std::string>(), Catch::StartsWith("interaction.provider"));
  auto elsewhere =
      f.call("POST", "/api/sessions/demo/messages", json{{"role", "user"}, {"content", "x"}, {"session_id", "other"}});
  CHECK(elsewhere.status == 400);
  CHECK_THAT(elsewhere.json()["error"]["message"].get<std::string>(), Catch::StartsWith("message.session_id"));
  auto badId = f.call("POST", "/api/sessions/bad%20id/messages", message("m", "x"));
  CHECK(badId.status == 400);
  CHECK_THAT(badId.json()["error"]["message"].get<std::string>(), Catch::StartsWith("session_id"));
  auto limit = f.call("GET", "/api/sessions?limit=0");
  CHECK(limit.status == 400);
  CHECK_THAT(limit.json()["error"]["message"].get<std::string>(), Catch::StartsWith("limit: "));
  // Nothing of those reached the store.
  CHECK(f.call("GET", "/api/sessions").json()["sessions"].empty());
}

TEST_CASE("messages page newest first, each page oldest first, like messages/list") {
  Fixture f;
  for (int i = 1; i <= 5; ++i)
    REQUIRE(f.call("POST", "/api/sessions/demo/messages", message("m" + std::to_string(i), "n")).status == 201);
  auto last = f.call("GET", "/api/sessions/demo/messages?limit=2").json();
  CHECK(last["messages"][0]["id"] == "m4");
  CHECK(last["messages"][1]["id"] == "m5");
  CHECK(last["has_more"] == true);
  auto middle = f.call("GET", "/api/sessions/demo/messages?limit=2&before=m4").json();
  CHECK(middle["messages"][0]["id"] == "m2");
  CHECK(middle["has_more"] == true);
  auto first = f.call("GET", "/api/sessions/demo/messages?limit=2&before=m2").json();
  REQUIRE(first["messages"].size() == 1);
  CHECK(first["messages"][0]["id"] == "m1");
  CHECK(first["has_more"] == false);
  CHECK(f.call("GET", "/api/sessions/nothing/messages").status == 404);
  CHECK(f.call("GET", "/api/sessions/demo/messages?before=unknown").status == 400);
}

TEST_CASE("interactions are stored, replayed and listed") {
  Fixture f;
  json interaction{{"id", "i1"},
                   {"prompt", "p"},
                   {"response", "r"},
                   {"provider", "openai"},
                   {"model", "gpt"},
                   {"duration_ms", 900},
                   {"usage", {{"input_tokens", 10}, {"output_tokens", 20}}}};
  REQUIRE(f.call("POST", "/api/sessions/demo/interactions", interaction).status == 201);
  CHECK(f.call("POST", "/api/sessions/demo/interactions", interaction).status == 200);
  interaction["response"] = "changed";
  CHECK(f.call("POST", "/api/sessions/demo/interactions", interaction).status == 409);
  auto list = f.call("GET", "/api/sessions/demo/interactions").json();
  REQUIRE(list["interactions"].size() == 1);
  CHECK(list["interactions"][0]["usage"]["output_tokens"] == 20);
  CHECK(list["interactions"][0]["response"] == "r");
}

TEST_CASE("components get server versions, a stale base is kept as a conflict, replays store nothing") {
  Fixture f;
  json card{{"id", "card"}, {"name", "Card"}, {"jsx", "<div/>"}, {"css", ""}};
  auto v1 = f.call("POST", "/api/sessions/demo/components", card);
  REQUIRE(v1.status == 201);
  CHECK(v1.json()["component"]["version"] == 1);

  card["jsx"] = "<div>two</div>";
  card["base_version"] = 1;
  auto v2 = f.call("POST", "/api/sessions/demo/components", card);
  REQUIRE(v2.status == 201);
  CHECK(v2.json()["component"]["version"] == 2);
  CHECK_FALSE(v2.json()["component"]["metadata"].contains("conflict"));

  // Another device edited version 1 too: stored, never dropped, marked.
  card["jsx"] = "<div>fork</div>";
  auto v3 = f.call("POST", "/api/sessions/demo/components", card);
  REQUIRE(v3.status == 201);
  CHECK(v3.json()["component"]["version"] == 3);
  CHECK(v3.json()["component"]["metadata"]["conflict"]["base_version"] == 1);
  CHECK(v3.json()["component"]["metadata"]["conflict"]["latest_version"] == 2);

  auto replay = f.call("POST", "/api/sessions/demo/components", card);
  CHECK(replay.status == 200);
  CHECK(replay.json()["component"]["version"] == 3);

  auto versions = f.call("GET", "/api/sessions/demo/components/card/versions").json()["versions"];
  REQUIRE(versions.size() == 3);
  CHECK(versions[0]["version"] == 1);
  CHECK(versions[2]["jsx"] == "<div>fork</div>");
  auto list = f.call("GET", "/api/sessions/demo/components").json()["components"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["version"] == 3);
  CHECK(f.call("GET", "/api/sessions/demo/components/none/versions").status == 404);
  CHECK(f.call("POST", "/api/sessions/demo/components",
               json{{"name", "X"}, {"jsx", ""}, {"css", ""}, {"base_version", 0}})
            .status == 400);

  auto current = f.call("PUT", "/api/sessions/demo/current_component", json{{"component_id", "card"}});
  CHECK(current.status == 200);
  CHECK(f.call("GET", "/api/sessions").json()["sessions"][0]["current_component_id"] == "card");
  auto unknown = f.call("PUT", "/api/sessions/demo/current_component", json{{"component_id", "nope"}});
  CHECK(unknown.status == 400);
  CHECK_THAT(unknown.json()["error"]["message"].get<std::string>(), Catch::StartsWith("component_id"));
}

TEST_CASE("deleting a session answers 204 and leaves nothing to read") {
  Fixture f;
  REQUIRE(f.call("POST", "/api/sessions/demo/messages", message("m1", "x")).status == 201);
  CHECK(f.call("DELETE", "/api/sessions/demo").status == 204);
  CHECK(f.call("GET", "/api/sessions/demo/messages").status == 404);
  CHECK(f.call("DELETE", "/api/sessions/demo").status == 404);
  CHECK(f.call("GET", "/api/sessions").json()["sessions"].empty());
}

TEST_CASE("the change log holds every change in seq order and pages by since") {
  Fixture f;
  REQUIRE(f.call("POST", "/api/sessions/a/messages", message("m1", "x")).status == 201);
  REQUIRE(f.call("POST", "/api/sessions/a/messages", message("m1", "x")).status == 200);  // a replay logs nothing
  REQUIRE(
      f.call("POST", "/api/sessions/a/components", json{{"id", "c"}, {"name", "C"}, {"jsx", ""}, {"css", ""}}).status ==
      201);
  REQUIRE(f.call("PUT", "/api/sessions/a/current_component", json{{"component_id", "c"}}).status == 200);
  REQUIRE(
      f.call("POST", "/api/sessions/b/interactions", json{{"prompt", "p"}, {"provider", "o"}, {"model", "m"}}).status ==
      201);
  REQUIRE(f.call("DELETE", "/api/sessions/b").status == 204);

  std::vector<std::string> kinds;
  std::int64_t since = 0, lastSeq = 0, latest = 0;
  for (bool more = true; more;) {
    auto page = f.call("GET", "/api/changes?limit=2&since=" + std::to_string(since));
    REQUIRE(page.status == 200);
    const json body = page.json();
    for (const auto& change : body["changes"]) {
      CHECK(change["seq"].get<std::int64_t>() > lastSeq);
      lastSeq = change["seq"];
      kinds.push_back(change["kind"]);
    }
    since = body["next"];
    more = body["has_more"];
    latest = body["latest"];
  }
  // The deleted session's interaction went with it; its deletion is logged.
  CHECK(kinds == std::vector<std::string>{"message", "component", "current_component", "session_deleted"});
  CHECK(latest == lastSeq);
  auto after = f.call("GET", "/api/changes?since=" + std::to_string(latest)).json();
  CHECK(after["changes"].empty());
  CHECK(after["has_more"] == false);
  CHECK(after["next"] == latest);
  CHECK(f.call("GET", "/api/changes?since=-1").status == 400);
}

TEST_CASE("two users: neither reads, lists, writes or deletes the other's sessions") {
  Fixture f;
  const std::string bob = f.backend.signIn(addUser(f.db, "bob"));
  REQUIRE(f.call("POST", "/api/sessions/demo/messages", message("m1", "alice's")).status == 201);
  REQUIRE(f.call("POST", "/api/sessions/demo/components", json{{"id", "c"}, {"name", "C"}, {"jsx", ""}, {"css", ""}})
              .status == 201);

  auto& b = f.backend;
  CHECK(b.call("GET", "/api/sessions", bob).json()["sessions"].empty());
  CHECK(b.call("GET", "/api/sessions/demo/messages", bob).status == 404);
  CHECK(b.call("GET", "/api/sessions/demo/interactions", bob).status == 404);
  CHECK(b.call("GET", "/api/sessions/demo/components", bob).status == 404);
  CHECK(b.call("GET", "/api/sessions/demo/components/c/versions", bob).status == 404);
  CHECK(b.call("PUT", "/api/sessions/demo/current_component", bob, json{{"component_id", "c"}}).status == 404);
  CHECK(b.call("DELETE", "/api/sessions/demo", bob).status == 404);
  CHECK(b.call("GET", "/api/changes", bob).json()["changes"].empty());

  // Bob's own "demo" is a different session with the same name.
  REQUIRE(b.call("POST", "/api/sessions/demo/messages", bob, message("m1", "bob's")).status == 201);
  CHECK(b.call("GET", "/api/sessions/demo/messages", bob).json()["messages"][0]["content"] == "bob's");
  CHECK(f.call("GET", "/api/sessions/demo/messages").json()["messages"][0]["content"] == "alice's");
  CHECK(b.call("GET", "/api/changes", bob).json()["latest"] == 1);
  CHECK(f.call("GET", "/api/changes").json()["latest"] == 2);
}

TEST_CASE("sessions page with a cursor") {
  Fixture f;
  for (int i = 0; i < 5; ++i)
    REQUIRE(f.call("POST", "/api/sessions/s" + std::to_string(i) + "/messages", message("m", "x")).status == 201);
  std::set<std::string> seen;
  std::string path = "/api/sessions?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    auto body = f.call("GET", path).json();
    for (const auto& s : body["sessions"]) CHECK(seen.insert(s["id"]).second);
    if (!body.contains("next_cursor")) break;
    path = "/api/sessions?limit=2&cursor=" + body["next_cursor"].get<std::string>();
  }
  CHECK(seen.size() == 5);
  CHECK(f.call("GET", "/api/sessions?cursor=garbage").status == 400);
}

TEST_CASE("many writers in parallel: the change log has every write exactly once, in seq order") {
  Fixture f;
  constexpr int kWriters = 8, kEach = 25;
  std::vector<std::thread> writers;
  std::vector<int> created(kWriters, 0), refused(kWriters, 0);
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
        auto reply = tryHttpRequest("POST", f.backend.url() + "/api/sessions/s" + std::to_string(w % 3) + "/messages",
                                    message(id, id).dump(), {"Authorization: Bearer " + f.alice});
        if (reply && reply->status == 201) ++created[w];
        // Every writer also races the others on one shared id with its own
        // content: exactly one wins, the rest get 409, and none disturbs the
        // writes committed beside it.
        if (i == 0) {
          auto shared = tryHttpRequest("POST", f.backend.url() + "/api/sessions/s0/messages",
                                       message("shared", "from " + std::to_string(w)).dump(),
                                       {"Authorization: Bearer " + f.alice});
          if (shared && shared->status == 201) ++created[w];
          if (shared && shared->status == 409) ++refused[w];
        }
      }
    });
  for (auto& writer : writers) writer.join();
  int totalCreated = 0, totalRefused = 0;
  for (int w = 0; w < kWriters; ++w) totalCreated += created[w], totalRefused += refused[w];
  CHECK(totalCreated == kWriters * kEach + 1);
  CHECK(totalRefused == kWriters - 1);

  std::set<std::string> seen;
  std::int64_t since = 0, lastSeq = 0;
  for (bool more = true; more;) {
    const json page = f.call("GET", "/api/changes?limit=7&since=" + std::to_string(since)).json();
    for (const auto& change : page["changes"]) {
      CHECK(change["seq"].get<std::int64_t>() > lastSeq);
      lastSeq = change["seq"];
      CHECK(seen.insert(change["record"]["id"].get<std::string>()).second);
    }
    since = page["next"];
    more = page["has_more"];
  }
  CHECK(seen.size() == static_cast<std::size_t>(kWriters * kEach + 1));
  CHECK(lastSeq == kWriters * kEach + 1);
}
