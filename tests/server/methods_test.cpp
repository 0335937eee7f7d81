// Every method through the real server over pipes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

using Fixture = ServerFixture;

json addMessage(ServerProcess& server, const std::string& session, const std::string& content,
                const std::string& role = "user") {
  return server.ok("messages/add", {{"sessionId", session}, {"message", {{"role", role}, {"content", content}}}})["message"];
}

std::string errorMessage(ServerProcess& server, const std::string& method, const json& params) {
  json error = server.error(method, params);
  CHECK(error["code"] == -32602);
  return error["message"];
}

}  // namespace

TEST_CASE_METHOD(Fixture, "session/open creates the session and returns its state") {
  json opened = server.ok("session/open", {{"sessionId", "demo"}});
  CHECK(opened["session"]["id"] == "demo");
  CHECK(opened["session"]["createdAt"].get<std::string>().ends_with("Z"));
  CHECK(opened["messages"] == json::array());
  CHECK(opened["hasMore"] == false);
  CHECK(opened["components"] == json::array());
  CHECK(opened["currentComponentId"].is_null());
  CHECK(opened["status"]["sessionId"] == "demo");

  for (int i = 0; i < 60; ++i) addMessage(server, "demo", "message " + std::to_string(i));
  opened = server.ok("session/open", {{"sessionId", "demo"}});
  REQUIRE(opened["messages"].size() == 50);
  CHECK(opened["messages"][0]["content"] == "message 10");
  CHECK(opened["messages"][49]["content"] == "message 59");
  CHECK(opened["hasMore"] == true);
  CHECK(opened["session"]["title"] == "message 0");
  CHECK(opened["status"]["state"] == "saved");
  CHECK(opened["status"]["lastSavedAt"].is_string());

  opened = server.ok("session/open", {{"sessionId", "demo"}, {"limit", 5}});
  CHECK(opened["messages"].size() == 5);
}

TEST_CASE_METHOD(Fixture, "session ids are validated") {
  for (const json& bad : {json(""), json(std::string(129, 'a')), json("has space"), json("slash/no"), json(42),
                          json(nullptr)}) {
    CAPTURE(bad);
    CHECK_THAT(errorMessage(server, "session/open", {{"sessionId", bad}}), Catch::Contains("params.sessionId"));
  }
  CHECK(server.ok("session/open", {{"sessionId", "Ok.id_with:all-chars"}})["session"]["id"] ==
        "Ok.id_with:all-chars");
  CHECK_THAT(errorMessage(server, "session/open", json::object()), Catch::Contains("params.sessionId"));
  CHECK_THAT(errorMessage(server, "session/open", {{"sessionId", "x"}, {"limit", 0}}), Catch::Contains("params.limit"));
  CHECK_THAT(errorMessage(server, "session/open", {{"sessionId", "x"}, {"limit", "5"}}),
             Catch::Contains("params.limit"));
}

TEST_CASE_METHOD(Fixture, "session/list pages with a cursor and counts records") {
  for (int i = 0; i < 7; ++i) addMessage(server, "s" + std::to_string(i), "hello " + std::to_string(i));
  addMessage(server, "s3", "again");
  json first = server.ok("session/list", {{"limit", 3}});
  REQUIRE(first["sessions"].size() == 3);
  CHECK(first["sessions"][0]["id"] == "s3");  // most recently updated
  CHECK(first["sessions"][0]["messageCount"] == 2);
  CHECK(first["sessions"][0]["componentCount"] == 0);
  REQUIRE(first.contains("nextCursor"));
  std::set<std::string> seen;
  json page = first;
  while (true) {
    for (auto& s : page["sessions"]) seen.insert(s["id"]);
    if (!page.contains("nextCursor") || page["nextCursor"].is_null()) break;
    page = server.ok("session/list", {{"limit", 3}, {"cursor", page["nextCursor"]}});
  }
  CHECK(seen.size() == 7);
  CHECK_THAT(errorMessage(server, "session/list", {{"cursor", 12}}), Catch::Contains("params.cursor"));
}

TEST_CASE_METHOD(Fixture, "session/delete removes everything of the session") {
  addMessage(server, "gone", "bye");
  CHECK(server.ok("session/delete", {{"sessionId", "gone"}})["deleted"] == true);
  CHECK(server.ok("session/list", json::object())["sessions"].empty());
  CHECK_THAT(errorMessage(server, "session/delete", {{"sessionId", "gone"}}), Catch::Contains("params.sessionId"));
}

TEST_CASE_METHOD(Fixture, "messages/add is idempotent with a client id and validates") {
  json params = {{"sessionId", "s"}, {"message", {{"id", "m-1"}, {"role", "user"}, {"content", "hi"}}}};
  json first = server.ok("messages/add", params)["message"];
  json second = server.ok("messages/add", params)["message"];
  CHECK(first == second);
  CHECK(first["status"] == "complete");
  CHECK(server.ok("messages/list", {{"sessionId", "s"}})["messages"].size() == 1);

  json generated = addMessage(server, "s", "no id");
  // UUIDv7: version 7, variant 10, lower-case hex in 8-4-4-4-12.
  CHECK_THAT(generated["id"].get<std::string>(),
             Catch::Matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));

  CHECK_THAT(errorMessage(server, "messages/add", {{"sessionId", "s"}, {"message", {{"role", "robot"}, {"content", "x"}}}}),
             Catch::Contains("params.message.role"));
  CHECK_THAT(errorMessage(server, "messages/add", {{"sessionId", "s"}, {"message", {{"role", "user"}}}}),
             Catch::Contains("params.message.content"));
  CHECK_THAT(errorMessage(server, "messages/add", {{"sessionId", "s"}}), Catch::Contains("params.message"));
  CHECK_THAT(errorMessage(server, "messages/add",
                          {{"sessionId", "s"}, {"message", {{"role", "user"}, {"content", "x"}, {"sessionId", "other"}}}}),
             Catch::Contains("params.message.sessionId"));
  CHECK_THAT(errorMessage(server, "messages/add",
                          {{"sessionId", "s"},
                           {"message", {{"role", "user"}, {"content", "x"}, {"images", {{{"mimeType", "image/png"}, {"data", "**"}}}}}}}),
             Catch::Contains("params.message.images[0].data"));
  // Nothing half-stored by the rejected calls.
  CHECK(server.ok("messages/list", {{"sessionId", "s"}})["messages"].size() == 2);
}

TEST_CASE_METHOD(Fixture, "messages/list pages newest first, each page oldest first") {
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) ids.push_back(addMessage(server, "p", "m" + std::to_string(i))["id"]);
  json page = server.ok("messages/list", {{"sessionId", "p"}, {"limit", 10}});
  REQUIRE(page["messages"].size() == 10);
  CHECK(page["messages"][0]["content"] == "m13");
  CHECK(page["hasMore"] == true);
  page = server.ok("messages/list", {{"sessionId", "p"}, {"limit", 10}, {"before", page["messages"][0]["id"]}});
  CHECK(page["messages"][0]["content"] == "m3");
  CHECK(page["messages"][9]["content"] == "m12");
  CHECK(page["hasMore"] == true);
  page = server.ok("messages/list", {{"sessionId", "p"}, {"limit", 10}, {"before", page["messages"][0]["id"]}});
  REQUIRE(page["messages"].size() == 3);
  CHECK(page["messages"][0]["content"] == "m0");
  CHECK(page["hasMore"] == false);
  CHECK_THAT(errorMessage(server, "messages/list", {{"sessionId", "p"}, {"before", "nope"}}),
             Catch::Contains("params.before"));
}

TEST_CASE_METHOD(Fixture, "interactions/add and interactions/list") {
  json interaction = {{"id", "i-1"}, {"prompt", "p"}, {"response", "r"}, {"provider", "openai"}, {"model", "gpt"},
                      {"status", "complete"}, {"durationMs", 1200}, {"usage", {{"inputTokens", 10}, {"outputTokens", 20}}},
                      {"metadata", {{"temperature", 0.2}}}};
  json stored = server.ok("interactions/add", {{"sessionId", "s"}, {"interaction", interaction}})["interaction"];
  CHECK(stored["usage"]["outputTokens"] == 20);
  CHECK(stored["metadata"]["temperature"] == 0.2);
  CHECK(server.ok("interactions/add", {{"sessionId", "s"}, {"interaction", interaction}})["interaction"] == stored);
  for (int i = 0; i < 4; ++i)
    server.ok("interactions/add", {{"sessionId", "s"},
                                   {"interaction", {{"prompt", "q" + std::to_string(i)}, {"provider", "x"}, {"model", "y"}}}});
  json page = server.ok("interactions/list", {{"sessionId", "s"}, {"limit", 2}});
  CHECK(page["interactions"].size() == 2);
  CHECK(page["interactions"][1]["prompt"] == "q3");
  CHECK(page["hasMore"] == true);
  CHECK_THAT(errorMessage(server, "interactions/add",
                          {{"sessionId", "s"}, {"interaction", {{"prompt", "p"}, {"provider", "x"}, {"model", "y"}, {"status", "weird"}}}}),
             Catch::Contains("params.interaction.status"));
  CHECK_THAT(errorMessage(server, "interactions/add",
                          {{"sessionId", "s"}, {"interaction", {{"prompt", "p"}, {"provider", "x"}, {"model", "y"}, {"metadata", 3}}}}),
             Catch::Contains("params.interaction.metadata"));
}

TEST_CASE_METHOD(Fixture, "components: save, versions, history, restore, current, delete") {
  json v1 = server.ok("components/save", {{"sessionId", "c"},
                                          {"component", {{"name", "Card"}, {"jsx", "export default function Card() { return <div/>; }"}, {"css", ".a{}"}}}})["component"];
  CHECK(v1["version"] == 1);
  CHECK(v1["name"] == "Card");
  const std::string id = v1["id"];
  json v2 = server.ok("components/save", {{"sessionId", "c"}, {"component", {{"id", id}, {"jsx", "v2"}, {"css", ".b{}"}}}})["component"];
  CHECK(v2["version"] == 2);
  CHECK(v2["name"] == "Card");
  CHECK(v2["createdAt"] == v1["createdAt"]);
  // The same save twice stores one version.
  json again = server.ok("components/save", {{"sessionId", "c"}, {"component", {{"id", id}, {"jsx", "v2"}, {"css", ".b{}"}}}})["component"];
  CHECK(again["version"] == 2);

  CHECK(server.ok("components/get", {{"sessionId", "c"}})["component"]["jsx"] == "v2");
  CHECK(server.ok("components/get", {{"sessionId", "c"}, {"componentId", id}, {"version", 1}})["component"]["css"] == ".a{}");

  json restored = server.ok("components/restore", {{"sessionId", "c"}, {"componentId", id}, {"version", 1}})["component"];
  CHECK(restored["version"] == 3);
  CHECK(restored["jsx"] == v1["jsx"]);
  json history = server.ok("components/history", {{"sessionId", "c"}, {"componentId", id}})["versions"];
  REQUIRE(history.size() == 3);
  CHECK(history[0]["version"] == 1);
  CHECK(history[2]["version"] == 3);

  json other = server.ok("components/save", {{"sessionId", "c"}, {"component", {{"jsx", "function Other(){}"}, {"css", ""}}}})["component"];
  CHECK(other["name"] == "Other");
  CHECK(server.ok("session/open", {{"sessionId", "c"}})["currentComponentId"] == other["id"]);
  CHECK(server.ok("components/setCurrent", {{"sessionId", "c"}, {"componentId", id}})["currentComponentId"] == id);
  CHECK(server.ok("components/get", {{"sessionId", "c"}})["component"]["id"] == id);
  CHECK(server.ok("components/list", {{"sessionId", "c"}})["components"].size() == 2);

  CHECK(server.ok("components/delete", {{"sessionId", "c"}, {"componentId", other["id"]}})["deleted"] == true);
  CHECK(server.ok("components/list", {{"sessionId", "c"}})["components"].size() == 1);

  CHECK_THAT(errorMessage(server, "components/get", {{"sessionId", "c"}, {"componentId", id}, {"version", 9}}),
             Catch::Contains("params.version"));
  CHECK_THAT(errorMessage(server, "components/restore", {{"sessionId", "c"}, {"componentId", id}}),
             Catch::Contains("params.version"));
  CHECK_THAT(errorMessage(server, "components/history", {{"sessionId", "c"}, {"componentId", "missing"}}),
             Catch::Contains("params.componentId"));
  CHECK_THAT(errorMessage(server, "components/setCurrent", {{"sessionId", "c"}, {"componentId", "missing"}}),
             Catch::Contains("params.componentId"));
  CHECK_THAT(errorMessage(server, "components/delete", {{"sessionId", "c"}, {"componentId", "missing"}}),
             Catch::Contains("params.componentId"));
  CHECK_THAT(errorMessage(server, "components/save", {{"sessionId", "c"}, {"component", {{"jsx", 5}}}}),
             Catch::Contains("params.component.jsx"));
  CHECK_THAT(errorMessage(server, "components/get", {{"sessionId", "empty"}}), Catch::Contains("params.componentId"));
}

TEST_CASE_METHOD(Fixture, "export then import gives an equal session, never overwriting") {
  server.ok("chat/send", {{"sessionId", "orig"}, {"text", "a pricing card with a button"}});
  server.ok("chat/send", {{"sessionId", "orig"}, {"text", "make it purple"}});
  json document = server.ok("session/export", {{"sessionId", "orig"}})["document"];
  CHECK(document["schema_version"] == 1);
  CHECK(document["messages"].size() == 4);
  CHECK(document["interactions"].size() == 2);
  CHECK(document["components"].size() == 2);  // two versions of one component
  CHECK(document["messages"][0].contains("session_id"));
  CHECK(document["messages"][0].contains("created_at"));

  CHECK_THAT(errorMessage(server, "session/import", {{"document", document}, {"sessionId", "orig"}}),
             Catch::Contains("params.sessionId"));
  json copy = server.ok("session/import", {{"document", document}, {"sessionId", "copy"}});
  CHECK(copy["sessionId"] == "copy");
  json exported = server.ok("session/export", {{"sessionId", "copy"}})["document"];
  // Equal but for the session id.
  json expected = document;
  expected["session"]["id"] = "copy";
  for (const char* key : {"messages", "interactions", "components"})
    for (auto& record : expected[key]) record["session_id"] = "copy";
  exported.erase("exported_at");
  expected.erase("exported_at");
  CHECK(exported == expected);

  // Without an id the document's own is taken, or a fresh one when that exists.
  json fresh = server.ok("session/import", {{"document", document}});
  CHECK(fresh["sessionId"] != "orig");
  CHECK(fresh["sessionId"].get<std::string>().starts_with("orig"));

  json broken = document;
  broken["messages"][1]["role"] = "alien";
  CHECK_THAT(errorMessage(server, "session/import", {{"document", broken}, {"sessionId", "broken"}}),
             Catch::Contains("params.document.messages[1].role"));
  broken = document;
  broken["schema_version"] = 99;
  CHECK_THAT(errorMessage(server, "session/import", {{"document", broken}, {"sessionId", "broken"}}),
             Catch::Contains("params.document.schema_version"));
  CHECK(server.ok("session/list", json::object())["sessions"].size() == 3);
}
