// The chat state session/open reports (chatState) around a reply's end: a
// failed reply stays visible, session/close hides no streaming reply, and a
// cancelled reply's answer says truthfully whether it was saved.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "FakeUpstream.h"
#include "ProviderTestSupport.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

TEST_CASE("a reply the provider failed shows in chatState until the session's next chat/send") {
  TempDir dir;
  FakeUpstream up;
  up.enqueue(status(400, R"({"error":{"message":"The model `nope` does not exist"}})"));
  up.enqueue(stream(openAiStream(kReply)));
  ServerProcess server(serverOptions(dir));
  server.initialize(openAiOptions(up));
  CHECK(server.error("chat/send", {{"sessionId", "f"}, {"text", "a counter"}})["code"] == -32003);

  // Saving the failed reply does not clear the failure; reopening shows it.
  for (int open = 0; open < 2; ++open) {
    json state = server.ok("session/open", {{"sessionId", "f"}})["chatState"];
    CHECK(state["state"] == "error");
    REQUIRE(state.contains("error"));
    CHECK_THAT(state["error"].get<std::string>(), Catch::Contains("HTTP 400") && Catch::Contains("does not exist"));
  }
  // Another session's reply leaves it alone.
  server.ok("messages/add", {{"sessionId", "other"}, {"message", {{"role", "user"}, {"content", "x"}}}});
  CHECK(server.ok("session/open", {{"sessionId", "f"}})["chatState"]["state"] == "error");

  // The next chat/send in the session clears it.
  server.ok("chat/send", {{"sessionId", "f"}, {"text", "a counter"}});
  json state = server.ok("session/open", {{"sessionId", "f"}})["chatState"];
  CHECK(state["state"] == "idle");
  CHECK_FALSE(state.contains("error"));
}

TEST_CASE("session/close during a streaming reply: session/open still shows the reply streaming") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize({{"offlineDelayMs", 100}});
  long id = server.send("chat/send", {{"sessionId", "sc"}, {"text", "a footer"}});
  json first = server.waitNotification("chat/delta");
  CHECK(server.ok("session/close", {{"sessionId", "sc"}})["closed"] == true);

  json opened = server.ok("session/open", {{"sessionId", "sc"}});
  CHECK(opened["chatState"]["state"] == "streaming");
  CHECK(opened["chatState"]["streamingMessageId"] == first["messageId"]);
  REQUIRE(opened["messages"].size() == 2);
  CHECK(opened["messages"][1]["id"] == first["messageId"]);
  CHECK(opened["messages"][1]["status"] == "streaming");
  CHECK_THAT(opened["messages"][1]["content"].get<std::string>(),
             Catch::StartsWith(first["delta"].get<std::string>()));

  REQUIRE(server.waitResponse(id).contains("result"));
  opened = server.ok("session/open", {{"sessionId", "sc"}});
  CHECK(opened["chatState"]["state"] == "idle");
  CHECK(opened["messages"][1]["status"] == "complete");
}

TEST_CASE("a cancelled chat/send whose reply could not be saved says it is kept, not saved") {
  TempDir dir;
  const std::string db = dir.file("ro.db");
  prepareDatabase(db, [](ServerProcess& server) { server.ok("session/open", {{"sessionId", "ro"}}); });
  ServerProcess server({{"--db", "file:" + db + "?mode=ro"}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize({{"offlineDelayMs", 100}});
  long id = server.send("chat/send", {{"sessionId", "ro"}, {"text", "a big dashboard with a list"}});
  json first = server.waitNotification("chat/delta");
  server.notify("$/cancelRequest", {{"id", id}});
  json response = server.waitResponse(id);
  REQUIRE(response.contains("error"));
  CHECK(response["error"]["code"] == -32800);
  const std::string message = response["error"]["message"];
  CHECK_THAT(message, !Catch::Contains("saved as"));
  CHECK_THAT(message, Catch::Contains("was not saved") && Catch::Contains("readonly database") &&
                          Catch::Contains("kept in memory and retried") &&
                          Catch::Contains(first["messageId"].get<std::string>()));
  // It is indeed kept: session/open lists it as unsaved.
  json state = server.ok("session/open", {{"sessionId", "ro"}})["chatState"];
  CHECK(state["unsavedMessageIds"].size() == 2);
}
