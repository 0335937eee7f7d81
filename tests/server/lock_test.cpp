// Another process holds the database's write lock: the server keeps working.
// Every wait here is on an event (a notification or a response), and the
// order of events is what is asserted: a server that blocked on the lock
// would answer the reads only after the write.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "HeldLock.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// Waits until the offline provider's whole reply in `sessionId` has streamed;
/// its text and message id.
std::pair<std::string, std::string> streamedReply(ServerProcess& server, const std::string& sessionId) {
  std::string reply;
  std::string messageId;
  for (std::size_t from = 0; reply.find("```css") == std::string::npos || !reply.ends_with("```\n");) {
    std::size_t at = 0;
    json delta = server.waitNotification(
        "chat/delta", [&](const json& d) { return d["sessionId"] == sessionId; }, from, &at);
    from = at + 1;
    messageId = delta["messageId"];
    reply += delta["delta"].get<std::string>();
  }
  return {reply, messageId};
}

}  // namespace

TEST_CASE("while another process holds the lock, reads answer, replies stream and cancel works") {
  TempDir dir;
  const std::string db = dir.file("held.db");
  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  // A pause between deltas keeps the second reply streaming while we cancel it.
  server.initialize({{"offlineDelayMs", 20}});
  server.ok("messages/add", {{"sessionId", "saved"}, {"message", {{"id", "m0"}, {"role", "user"}, {"content", "before"}}}});

  HeldLock lock(db);
  const std::size_t before = server.notificationCount();
  const long write = server.send("messages/add", {{"sessionId", "saved"},
                                                  {"message", {{"id", "m1"}, {"role", "user"}, {"content", "waiting"}}}});
  server.waitNotification("persistence/status", [](const json& s) { return s["state"] == "saving"; }, before);

  // Reads of saved data and requests that touch no data answer while the write waits.
  CHECK(server.ok("provider/list", json::object())["active"]["provider"] == "offline");
  CHECK(server.ok("session/list", json::object())["sessions"].size() == 1);
  json page = server.ok("messages/list", {{"sessionId", "saved"}})["messages"];
  REQUIRE(page.size() == 1);
  CHECK(page[0]["id"] == "m0");
  // session/open shows the message still on its way, and says it is saving.
  json opened = server.ok("session/open", {{"sessionId", "saved"}});
  CHECK(opened["messages"].size() == 2);
  CHECK(opened["status"]["state"] == "saving");
  CHECK_FALSE(server.hasResponse(write));

  // A whole reply streams; its answer waits for its write.
  const long chat = server.send("chat/send", {{"sessionId", "chat"}, {"text", "a pricing card"}});
  auto [reply, messageId] = streamedReply(server, "chat");
  CHECK_FALSE(server.hasResponse(chat));

  // $/cancelRequest is seen and stops a streaming reply.
  const long cancelled = server.send("chat/send", {{"sessionId", "cancel"}, {"text", "a big dashboard with a list"}});
  json first = server.waitNotification("chat/delta", [](const json& d) { return d["sessionId"] == "cancel"; });
  server.notify("$/cancelRequest", {{"id", cancelled}});

  // (Held past the busy timeout, the write fails, is kept and is retried:
  // tests/inprocess covers that with a short timeout, so no test here waits
  // for the real 10 s.)
  CHECK_FALSE(server.hasResponse(write));
  lock.release();
  json added = server.waitResponse(write);
  INFO(added.dump());
  CHECK(added["result"]["message"]["id"] == "m1");
  server.waitNotification("persistence/status", [](const json& s) {
    return s["sessionId"] == "saved" && s["state"] == "saved" && s["pendingWrites"] == 0; }, before);
  json chatDone = server.waitResponse(chat);
  INFO(chatDone.dump());
  CHECK(chatDone["result"]["assistantMessage"]["content"] == reply);
  json cancelDone = server.waitResponse(cancelled);
  REQUIRE(cancelDone.contains("error"));
  CHECK(cancelDone["error"]["code"] == -32800);
  server.waitNotification("persistence/status", [](const json& s) {
    return s["sessionId"] == "chat" && s["state"] == "saved" && s["pendingWrites"] == 0; });
  server.waitNotification("persistence/status", [](const json& s) {
    return s["sessionId"] == "cancel" && s["state"] == "saved" && s["pendingWrites"] == 0; });

  json saved = server.ok("messages/list", {{"sessionId", "saved"}})["messages"];
  REQUIRE(saved.size() == 2);
  CHECK(saved[1]["id"] == "m1");
  json chatMessages = server.ok("messages/list", {{"sessionId", "chat"}})["messages"];
  REQUIRE(chatMessages.size() == 2);
  CHECK(chatMessages[1]["id"] == messageId);
  CHECK(chatMessages[1]["content"] == reply);
  CHECK(chatMessages[1]["status"] == "complete");
  json interrupted = server.ok("messages/list", {{"sessionId", "cancel"}})["messages"];
  REQUIRE(interrupted.size() == 2);
  CHECK(interrupted[1]["id"] == first["messageId"]);
  CHECK(interrupted[1]["status"] == "interrupted");
}

// Found by fuzz/lsp_stream: at exit, the storage thread delivered the
// prompt's outcome, the chat then queued its reply's write, and that
// refusal was delivered again from the storage thread's destructor, after
// the sessions it reports to were gone (a use after free; the sanitize
// build aborts on it).
TEST_CASE("input ending while a chat's prompt waits for the lock exits cleanly") {
  TempDir dir;
  const std::string db = dir.file("held.db");
  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize({{"offlineDelayMs", 0}});
  HeldLock lock(db);
  const long chat = server.send("chat/send", {{"sessionId", "chat"}, {"text", "a pricing card"}});
  streamedReply(server, "chat");  // whole, while the prompt's write still waits
  CHECK_FALSE(server.hasResponse(chat));
  // At end of input the server finishes its writes: the prompt's waits out
  // the busy timeout and fails, and the reply's is refused.
  server.closeStdin();
  CHECK(server.wait() == 1);  // input ended without shutdown
  INFO(server.stderrText());
  CHECK(server.stderrText().find("Sanitizer") == std::string::npos);
}
