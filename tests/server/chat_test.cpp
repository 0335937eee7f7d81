// chat/send: the data flow, streaming, components and cancellation.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

TEST_CASE("chat/send saves the prompt, streams deltas, saves the reply and its component") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize(json::object());
  json result = server.ok("chat/send", {{"sessionId", "chat"}, {"text", "A pricing card with a blue subscribe button"}});

  json user = result["userMessage"], assistant = result["assistantMessage"];
  CHECK(user["role"] == "user");
  CHECK(user["content"] == "A pricing card with a blue subscribe button");
  CHECK(assistant["role"] == "assistant");
  CHECK(assistant["status"] == "complete");
  CHECK(assistant["interactionId"] == result["interaction"]["id"]);
  CHECK(assistant["componentId"] == result["component"]["id"]);

  // The deltas, in order, are the reply.
  auto deltas = server.notifications("chat/delta");
  REQUIRE(deltas.size() >= 3);
  std::string streamed;
  for (auto& d : deltas) {
    CHECK(d["sessionId"] == "chat");
    CHECK(d["messageId"] == assistant["id"]);
    streamed += d["delta"].get<std::string>();
  }
  CHECK(streamed == assistant["content"]);

  json interaction = result["interaction"];
  CHECK(interaction["provider"] == "offline");
  CHECK(interaction["status"] == "complete");
  CHECK(interaction["prompt"] == user["content"]);
  CHECK(interaction["response"] == assistant["content"]);
  CHECK(interaction["usage"]["outputTokens"].get<int>() > 0);
  CHECK(interaction["durationMs"].is_number_integer());

  json component = result["component"];
  CHECK(component["name"] == "PricingCardSubscribe");
  CHECK(component["version"] == 1);
  CHECK_THAT(component["jsx"].get<std::string>(), Catch::Contains("export default function PricingCardSubscribe("));
  CHECK_THAT(component["css"].get<std::string>(), Catch::Contains("#2563eb"));

  // Status went saving -> saved for each write, and ends saved.
  auto statuses = server.notifications("persistence/status");
  REQUIRE(statuses.size() >= 4);
  CHECK(statuses[0]["state"] == "saving");
  CHECK(statuses[1]["state"] == "saved");
  CHECK(statuses.back()["state"] == "saved");
  CHECK(statuses.back()["lastSavedAt"].is_string());

  // All of it is in the database.
  json opened = server.ok("session/open", {{"sessionId", "chat"}});
  CHECK(opened["messages"].size() == 2);
  CHECK(opened["currentComponentId"] == component["id"]);
  CHECK(server.ok("interactions/list", {{"sessionId", "chat"}})["interactions"].size() == 1);
}

TEST_CASE("a prompt that iterates makes a new version of the current component") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize(json::object());
  json first = server.ok("chat/send", {{"sessionId", "it"}, {"text", "a todo list"}})["component"];
  json second = server.ok("chat/send", {{"sessionId", "it"}, {"text", "make it purple and add a button"}})["component"];
  CHECK(second["id"] == first["id"]);
  CHECK(second["version"] == 2);
  CHECK_THAT(second["css"].get<std::string>(), Catch::Contains("#7c3aed"));
  CHECK_THAT(second["jsx"].get<std::string>(), Catch::Contains("__list"));
  CHECK_THAT(second["jsx"].get<std::string>(), Catch::Contains("__button"));

  json third = server.ok("chat/send", {{"sessionId", "it"}, {"text", "a login form"}})["component"];
  CHECK(third["id"] != first["id"]);
  CHECK(third["version"] == 1);
  json forced = server.ok(
      "chat/send",
      {{"sessionId", "it"}, {"text", "a profile card in dark mode"}, {"componentId", first["id"]}})["component"];
  CHECK(forced["id"] == first["id"]);
  CHECK(forced["version"] == 3);
}

TEST_CASE("a reply with makeComponent false stays a message: no component, no version, the current one kept") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize(json::object());
  json first = server.ok("chat/send", {{"sessionId", "ed"}, {"text", "a todo list"}})["component"];
  // An iteration-sounding prompt, as an edit of a selection reads.
  json edit = server.ok("chat/send", {{"sessionId", "ed"}, {"text", "make it purple and add a button"},
                                      {"makeComponent", false}});
  CHECK_FALSE(edit.contains("component"));
  CHECK_FALSE(edit["assistantMessage"].contains("componentId"));
  CHECK_FALSE(edit["assistantMessage"]["content"].get<std::string>().empty());
  json history = server.ok("components/history", {{"sessionId", "ed"}, {"componentId", first["id"]}});
  CHECK(history["versions"].size() == 1);
  json opened = server.ok("session/open", {{"sessionId", "ed"}});
  CHECK(opened["components"].size() == 1);
  CHECK(opened["currentComponentId"] == first["id"]);
  CHECK(opened["messages"].size() == 4);

  auto message = [&](const json& params) { return server.error("chat/send", params)["message"].get<std::string>(); };
  CHECK_THAT(message({{"sessionId", "ed"}, {"text", "x"}, {"makeComponent", false}, {"newComponent", true}}),
             Catch::Contains("params.makeComponent"));
  CHECK_THAT(message({{"sessionId", "ed"}, {"text", "x"}, {"makeComponent", false}, {"componentId", first["id"]}}),
             Catch::Contains("params.makeComponent"));
  CHECK_THAT(message({{"sessionId", "ed"}, {"text", "x"}, {"makeComponent", "no"}}),
             Catch::Contains("params.makeComponent"));
}

TEST_CASE("chat/send validates its params") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize(json::object());
  auto message = [&](const json& params) { return server.error("chat/send", params)["message"].get<std::string>(); };
  CHECK_THAT(message({{"sessionId", "x"}}), Catch::Contains("params.text"));
  CHECK_THAT(message({{"sessionId", "x"}, {"text", "   "}}), Catch::Contains("params.text"));
  CHECK_THAT(message({{"text", "hi"}}), Catch::Contains("params.sessionId"));
  CHECK_THAT(message({{"sessionId", "x"}, {"text", "hi"}, {"images", {{{"mimeType", "text/html"}, {"data", "aGk="}}}}}),
             Catch::Contains("params.images[0].mimeType"));
  CHECK(server.ok("session/list", json::object())["sessions"].empty());
}

TEST_CASE("images travel with the prompt and are stored") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize(json::object());
  json result = server.ok("chat/send", {{"sessionId", "img"}, {"text", "a card like this"},
                                        {"images", {{{"mimeType", "image/png"}, {"data", "iVBORw0KGgo="}}}}});
  CHECK(result["userMessage"]["images"][0]["data"] == "iVBORw0KGgo=");
  CHECK(server.ok("messages/list", {{"sessionId", "img"}})["messages"][0]["images"][0]["mimeType"] == "image/png");
}

TEST_CASE("$/cancelRequest stops a streaming reply, which is saved as interrupted") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  // A pause between deltas keeps the reply streaming while we cancel.
  server.initialize({{"offlineDelayMs", 200}});
  long id = server.send("chat/send", {{"sessionId", "cancel"}, {"text", "a big dashboard with a list"}});
  json first = server.waitNotification("chat/delta");
  server.notify("$/cancelRequest", {{"id", id}});
  json response = server.waitResponse(id);
  REQUIRE(response.contains("error"));
  CHECK(response["error"]["code"] == -32800);

  // Other requests are answered meanwhile and after.
  json messages = server.ok("messages/list", {{"sessionId", "cancel"}})["messages"];
  REQUIRE(messages.size() == 2);
  CHECK(messages[1]["status"] == "interrupted");
  CHECK(messages[1]["id"] == first["messageId"]);
  CHECK_THAT(messages[1]["content"].get<std::string>(), Catch::StartsWith(first["delta"].get<std::string>()));
  json interactions = server.ok("interactions/list", {{"sessionId", "cancel"}})["interactions"];
  REQUIRE(interactions.size() == 1);
  CHECK(interactions[0]["status"] == "interrupted");
  CHECK(server.ok("components/list", {{"sessionId", "cancel"}})["components"].empty());
}

TEST_CASE("while a reply streams, requests are answered and session/open shows the partial reply") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {}});
  server.initialize({{"offlineDelayMs", 100}});
  long id = server.send("chat/send", {{"sessionId", "busy"}, {"text", "a footer"}});
  json first = server.waitNotification("chat/delta");
  CHECK(server.ok("session/list", json::object())["sessions"].size() == 1);

  json opened = server.ok("session/open", {{"sessionId", "busy"}});
  CHECK(opened["chatState"]["state"] == "streaming");
  CHECK(opened["chatState"]["streamingMessageId"] == first["messageId"]);
  REQUIRE(opened["messages"].size() == 2);
  json partial = opened["messages"][1];
  CHECK(partial["id"] == first["messageId"]);
  CHECK(partial["status"] == "streaming");
  CHECK_THAT(partial["content"].get<std::string>(), Catch::StartsWith(first["delta"].get<std::string>()));

  json done = server.waitResponse(id);
  REQUIRE(done.contains("result"));
  opened = server.ok("session/open", {{"sessionId", "busy"}});
  CHECK(opened["chatState"]["state"] == "idle");
  CHECK_FALSE(opened["chatState"].contains("streamingMessageId"));
  CHECK(opened["messages"][1]["status"] == "complete");
  CHECK(opened["messages"][1]["content"] == done["result"]["assistantMessage"]["content"]);
  CHECK(server.ok("session/close", {{"sessionId", "busy"}})["closed"] == true);
}
