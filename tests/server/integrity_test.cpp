// Data loss and integrity at the edges of a reply's life: a session deleted
// while its reply streams, a refused chat/send, two chat/send in one session,
// the editor leaving (end of input, SIGTERM) mid-reply, shutdown with writes
// that could not be saved, and sessions dropped from memory once idle.
// Replies are held open by the fake upstream, so every step happens while a
// reply is known to be streaming; the database file is read directly to
// check what is stored.
#include <signal.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "FakeUpstream.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// Rows of `table` whose `column` is `sessionId`, read from the file itself.
int rows(const std::string& db, const std::string& table, const std::string& sessionId,
         const std::string& column = "session_id") {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT count(*) FROM " + table + " WHERE " + column + " = ?1";
  REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  sqlite3_bind_text(stmt, 1, sessionId.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int count = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return count;
}

/// Every row the session has anywhere.
int storedRows(const std::string& db, const std::string& sessionId) {
  return rows(db, "sessions", sessionId, "id") + rows(db, "messages", sessionId) + rows(db, "interactions", sessionId) +
         rows(db, "components", sessionId) + rows(db, "component_versions", sessionId);
}

/// A server on the openai provider against `up`, isolated from the user's
/// environment. No timeout ends a held reply while a test runs.
ServerProcess::Options networkServer(const TempDir& dir) {
  return {{"--db", dir.file("a.db")},
          {{"XDG_CONFIG_HOME", dir.file("config")},
           {"OPENAI_API_KEY", ""},
           {"AIEDITOR_PROVIDER", ""},
           {"AIEDITOR_MODEL", ""},
           {"AIEDITOR_BASE_URL", ""},
           {"AIEDITOR_RETRY_ATTEMPTS", "1"},
           {"AIEDITOR_IDLE_TIMEOUT_MS", "3600000"},
           {"AIEDITOR_TIMEOUT_MS", "3600000"},
           {"AIEDITOR_LOG", "error"}}};
}

json openAi(const FakeUpstream& up) {
  return {{"provider", "openai"}, {"baseUrl", up.url() + "/v1"}, {"model", "gpt-test"}, {"apiKey", "sk-test-0123"}};
}

/// A reply that sends `text` and then stays open, ending as `end` says.
FakeResponse heldReply(const std::string& text, FakeResponse::End end = FakeResponse::End::Hold) {
  FakeResponse r;
  r.chunks = {openAiStream({})[0], openAiDelta(text)};
  r.end = end;
  return r;
}

/// Sends a chat/send and waits until its reply has started streaming.
long startReply(ServerProcess& server, const std::string& sessionId, json* firstDelta = nullptr) {
  const long id = server.send("chat/send", {{"sessionId", sessionId}, {"text", "a counter"}});
  json delta = server.waitNotification("chat/delta", [&](const json& d) { return d["sessionId"] == sessionId; });
  if (firstDelta) *firstDelta = delta;
  return id;
}

/// The process's resident memory, in kB.
long residentKb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  FAIL("no VmRSS in /proc/" << pid << "/status");
  return 0;
}

/// Writes one message into each of `count` new sessions, as batches of 1000.
void writeSessions(ServerProcess& server, int from, int count) {
  for (int start = from; start < from + count; start += 1000) {
    json batch = json::array();
    for (int i = start; i < start + 1000; ++i)
      batch.push_back(
          {{"jsonrpc", "2.0"},
           {"id", "add-" + std::to_string(i)},
           {"method", "messages/add"},
           {"params", {{"sessionId", "s" + std::to_string(i)}, {"message", {{"role", "user"}, {"content", "x"}}}}}});
    server.writeFrame(batch.dump());
    for (const auto& reply : server.waitOther()) REQUIRE(reply.contains("result"));
  }
}

}  // namespace

TEST_CASE("session/delete while a reply streams cancels the reply and the session stays deleted") {
  TempDir dir;
  FakeUpstream up;
  // Held, the reply ends only if the delete stops it; reset after the
  // delete, it would end by itself: nothing of it may come back either way.
  const auto end = GENERATE(FakeResponse::End::Hold, FakeResponse::End::ResetOnRelease);
  up.enqueue(heldReply("Half a ", end));
  ServerProcess server(networkServer(dir));
  server.initialize(openAi(up));
  server.ok("messages/add", {{"sessionId", "kept"}, {"message", {{"role", "user"}, {"content", "untouched"}}}});
  const long chat = startReply(server, "doomed");

  CHECK(server.ok("session/delete", {{"sessionId", "doomed"}})["deleted"] == true);
  json answer = server.waitResponse(chat);
  INFO(answer.dump());
  REQUIRE(answer.contains("error"));
  CHECK(answer["error"]["code"] == -32800);
  CHECK_THAT(answer["error"]["message"].get<std::string>(),
             Catch::Contains("session doomed was deleted") && Catch::Contains("nothing of the reply was saved"));
  if (end == FakeResponse::End::Hold) CHECK(up.waitClientGone(1));  // the delete stopped the transfer
  up.release();

  // A write of another session after it is answered, so everything queued
  // before it has run.
  server.ok("messages/add", {{"sessionId", "kept"}, {"message", {{"role", "user"}, {"content", "after"}}}});
  json sessions = server.ok("session/list", json::object())["sessions"];
  REQUIRE(sessions.size() == 1);
  CHECK(sessions[0]["id"] == "kept");
  CHECK(storedRows(dir.file("a.db"), "doomed") == 0);
  CHECK(rows(dir.file("a.db"), "messages", "kept") == 2);
  // Opening it again starts a new, empty session with no reply streaming.
  json opened = server.ok("session/open", {{"sessionId", "doomed"}});
  CHECK(opened["messages"].empty());
  CHECK(opened["chatState"]["state"] == "idle");
  CHECK_FALSE(opened["chatState"].contains("streamingMessageId"));
  CHECK(server.ok("interactions/list", {{"sessionId", "doomed"}})["interactions"].empty());
}

TEST_CASE("chat/send with an unknown componentId stores nothing, not even the prompt") {
  TempDir dir;
  const std::string db = dir.file("a.db");
  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());

  json error = server.error("chat/send", {{"sessionId", "new"}, {"text", "a card"}, {"componentId", "nope"}});
  CHECK(error["code"] == -32602);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("params.componentId") && Catch::Contains("nope"));

  // In a session that has a conversation and a component, too.
  server.ok("chat/send", {{"sessionId", "old"}, {"text", "a todo list"}});
  CHECK(server.error("chat/send", {{"sessionId", "old"}, {"text", "make it blue"}, {"componentId", "nope"}})["code"] ==
        -32602);

  // A write after them is answered once everything before it has run.
  server.ok("messages/add", {{"sessionId", "old"}, {"message", {{"role", "user"}, {"content", "last"}}}});
  CHECK(storedRows(db, "new") == 0);
  CHECK(rows(db, "messages", "old") == 3);
  CHECK(rows(db, "interactions", "old") == 1);
  CHECK(server.ok("session/list", json::object())["sessions"].size() == 1);
  json opened = server.ok("session/open", {{"sessionId", "old"}});
  REQUIRE(opened["messages"].size() == 3);
  CHECK(opened["messages"][2]["content"] == "last");
}

TEST_CASE("a second chat/send while a reply streams in the session is refused, naming the reply") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(heldReply("First "));
  ServerProcess server(networkServer(dir));
  server.initialize(openAi(up));
  json first;
  const long chat = startReply(server, "one", &first);
  const std::string streamingId = first["messageId"];

  json refused = server.error("chat/send", {{"sessionId", "one"}, {"text", "a second card"}});
  CHECK(refused["code"] == -32803);
  CHECK_THAT(refused["message"].get<std::string>(),
             Catch::Contains("params.sessionId") && Catch::Contains("session one") && Catch::Contains(streamingId));
  CHECK(up.requests().size() == 1);

  // The streaming reply is untouched, and the refused prompt is nowhere.
  json opened = server.ok("session/open", {{"sessionId", "one"}});
  CHECK(opened["chatState"]["state"] == "streaming");
  CHECK(opened["chatState"]["streamingMessageId"] == streamingId);
  REQUIRE(opened["messages"].size() == 2);
  CHECK(opened["messages"][0]["content"] == "a counter");
  CHECK(opened["messages"][1]["content"] == "First ");

  // Another session streams meanwhile.
  up.enqueue([] {
    FakeResponse r;
    r.chunks = openAiStream({"Other"});
    return r;
  }());
  CHECK(server.ok("chat/send", {{"sessionId", "two"}, {"text", "a counter"}})["assistantMessage"]["content"] ==
        "Other");

  // Once the first reply has ended, the session takes the next prompt.
  server.notify("$/cancelRequest", {{"id", chat}});
  CHECK(server.waitResponse(chat)["error"]["code"] == -32800);
  up.enqueue([] {
    FakeResponse r;
    r.chunks = openAiStream({"Second"});
    return r;
  }());
  CHECK(server.ok("chat/send", {{"sessionId", "one"}, {"text", "a second card"}})["assistantMessage"]["content"] ==
        "Second");
  json messages = server.ok("messages/list", {{"sessionId", "one"}})["messages"];
  REQUIRE(messages.size() == 4);
  CHECK(messages[1]["status"] == "interrupted");
  CHECK(messages[1]["content"] == "First ");
  CHECK(messages[2]["content"] == "a second card");
  CHECK(messages[3]["content"] == "Second");
  CHECK(server.ok("session/open", {{"sessionId", "one"}})["chatState"]["state"] == "idle");
}

TEST_CASE("the editor leaving mid-reply (end of input, SIGTERM) saves the partial reply as interrupted") {
  const bool bySignal = GENERATE(false, true);
  INFO((bySignal ? "SIGTERM" : "stdin closed"));
  TempDir dir;
  {
    FakeUpstream up;
    up.enqueue(heldReply("Half a "));
    ServerProcess server(networkServer(dir));
    server.initialize(openAi(up));
    const long chat = startReply(server, "left");
    if (bySignal)
      ::kill(server.pid(), SIGTERM);
    else
      server.closeStdin();
    json answer = server.waitResponse(chat);
    INFO(answer.dump());
    REQUIRE(answer.contains("error"));
    CHECK(answer["error"]["code"] == -32800);
    CHECK_THAT(answer["error"]["message"].get<std::string>(), Catch::Contains("saved as interrupted"));
    CHECK(server.wait() == 1);  // not after shutdown
  }
  // Another server on the same file finds the reply and its interaction.
  ServerProcess server({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  json opened = server.ok("session/open", {{"sessionId", "left"}});
  REQUIRE(opened["messages"].size() == 2);
  json reply = opened["messages"][1];
  CHECK(reply["status"] == "interrupted");
  CHECK(reply["content"] == "Half a ");
  json interactions = server.ok("interactions/list", {{"sessionId", "left"}})["interactions"];
  REQUIRE(interactions.size() == 1);
  CHECK(interactions[0]["status"] == "interrupted");
  CHECK(interactions[0]["response"] == "Half a ");
  CHECK(interactions[0]["id"] == reply["interactionId"]);
  CHECK_THAT(interactions[0]["error"].get<std::string>(), Catch::Contains("the server stopped"));
}

TEST_CASE("shutdown with writes that could not be saved reports them and the exit code is 1") {
  TempDir dir;
  const std::string db = dir.file("ro.db");
  prepareDatabase(db, [](ServerProcess& server) {
    server.ok("messages/add", {{"sessionId", "ro"}, {"message", {{"role", "user"}, {"content", "before"}}}});
  });
  ServerProcess server({{"--db", "file:" + db + "?mode=ro"}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  for (const char* content : {"one", "two"})
    CHECK(server.error("messages/add",
                       {{"sessionId", "ro"}, {"message", {{"role", "user"}, {"content", content}}}})["code"] == -32001);
  CHECK(server.error("messages/add",
                     {{"sessionId", "ro2"}, {"message", {{"role", "user"}, {"content", "x"}}}})["code"] == -32001);

  CHECK(server.ok("shutdown", nullptr).is_null());
  // The report comes before the reply.
  auto shown = server.notifications("window/showMessage");
  REQUIRE(shown.size() == 1);
  CHECK(shown[0]["type"] == 1);
  const std::string text = shown[0]["message"];
  CHECK_THAT(text, Catch::Contains("3 writes could not be saved") && Catch::Contains("session ro: 2") &&
                       Catch::Contains("session ro2: 1") && Catch::Contains("readonly database"));
  server.notify("exit", nullptr);
  CHECK(server.wait() == 1);
  CHECK_THAT(server.stderrText(), Catch::Contains("3 writes could not be saved"));
}

TEST_CASE("the server's memory does not grow with every session ever written") {
  TempDir dir;
  ServerProcess server(
      {{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}, {"ASAN_OPTIONS", asanOptionsWithoutQuarantine()}}});
  server.initialize(json::object());
  writeSessions(server, 0, 10000);
  server.ok("session/list", {{"limit", 1}});  // the releases of idle sessions have run
  const long warm = residentKb(server.pid());
  writeSessions(server, 10000, 10000);
  server.ok("session/list", {{"limit", 1}});
  // Kept for every session, 10,000 more took about 15 MB.
  CHECK(residentKb(server.pid()) - warm < 4000);
  CHECK(server.ok("session/open", {{"sessionId", "s12345"}})["messages"].size() == 1);
}

TEST_CASE("sessions idle in memory answer session/open and save as before") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  for (int i = 0; i < 50; ++i)
    server.ok("messages/add", {{"sessionId", "s" + std::to_string(i)},
                               {"message", {{"role", "user"}, {"content", "m" + std::to_string(i)}}}});
  server.ok("chat/send", {{"sessionId", "s7"}, {"text", "a todo list"}});
  for (int i : {0, 7, 49}) {
    const std::string id = "s" + std::to_string(i);
    json opened = server.ok("session/open", {{"sessionId", id}});
    CHECK(opened["status"]["state"] == "saved");
    CHECK(opened["status"]["pendingWrites"] == 0);
    // Saved when its last record was, or later (RFC 3339 UTC strings order as times).
    CHECK(opened["status"]["lastSavedAt"].get<std::string>() >= opened["session"]["updatedAt"].get<std::string>());
    CHECK(opened["chatState"]["state"] == "idle");
    CHECK(opened["componentState"]["state"] == "idle");
    CHECK(opened["messages"][0]["content"] == "m" + std::to_string(i));
  }
  CHECK(server.ok("session/open", {{"sessionId", "s7"}})["messages"].size() == 3);
  // A later write of an idle session reports saving, then saved, as any write.
  const std::size_t before = server.notificationCount();
  server.ok("messages/add", {{"sessionId", "s0"}, {"message", {{"role", "user"}, {"content", "again"}}}});
  json saved = server.waitNotification(
      "persistence/status", [](const json& s) { return s["state"] == "saved"; }, before);
  CHECK(saved["sessionId"] == "s0");
  CHECK(saved["lastSavedAt"].is_string());
  CHECK(server.ok("session/open", {{"sessionId", "s0"}})["messages"].size() == 2);
}
