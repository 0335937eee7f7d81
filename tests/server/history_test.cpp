// Readable history and applied files through the real server: what made each
// version (components/history's origin and current), derived for versions
// stored without one, and the files the editor wrote a component to
// (components/applied, components/files), kept across restarts, never synced;
// and components/render (its text work is unit-tested in inprocess/render_test).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

using Fixture = ServerFixture;

json history(ServerProcess& server, const std::string& session, const std::string& id) {
  json versions = server.ok("components/history", {{"sessionId", session}, {"componentId", id}})["versions"];
  return versions;
}

/// The components/applied params for `version` written to Name.jsx and Name.css under `dir`.
json applied(const std::string& session, const std::string& id, int version, const std::string& dir) {
  return {{"sessionId", session},
          {"componentId", id},
          {"version", version},
          {"files", {{{"path", dir + "/Card.jsx"}, {"kind", "jsx"}}, {{"path", dir + "/Card.css"}, {"kind", "css"}}}}};
}

std::string invalidParams(ServerProcess& server, const std::string& method, const json& params) {
  json error = server.error(method, params);
  CHECK(error["code"] == -32602);
  return error["message"];
}

}  // namespace

TEST_CASE_METHOD(Fixture, "components/history says what made each version and which one is current") {
  json first = server.ok("chat/send", {{"sessionId", "h"}, {"text", "  a pricing card\nwith three tiers"}});
  const std::string id = first["component"]["id"];
  json second = server.ok("chat/send", {{"sessionId", "h"}, {"text", "make it blue and add a button"}});
  REQUIRE(second["component"]["id"] == id);
  REQUIRE(second["component"]["version"] == 2);
  server.ok("components/save", {{"sessionId", "h"}, {"component", {{"id", id}, {"jsx", "edited"}, {"css", ""}}}});
  json restored = server.ok("components/restore", {{"sessionId", "h"}, {"componentId", id}, {"version", 1}});
  REQUIRE(restored["component"]["version"] == 4);

  json versions = history(server, "h", id);
  REQUIRE(versions.size() == 4);
  CHECK(versions[0]["origin"] == json{{"kind", "prompt"}, {"prompt", "a pricing card"}});
  CHECK(versions[1]["origin"] == json{{"kind", "prompt"}, {"prompt", "make it blue and add a button"}});
  CHECK(versions[2]["origin"] == json{{"kind", "manual"}});
  CHECK(versions[3]["origin"] == json{{"kind", "restored"}, {"fromVersion", 1}});
  for (int i = 0; i < 3; ++i) CHECK(versions[i]["current"] == false);
  CHECK(versions[3]["current"] == true);
  // The version's own fields are all still there.
  CHECK(versions[3]["jsx"] == first["component"]["jsx"]);
  CHECK(versions[3]["version"] == 4);

  // Restoring a version whose content is the latest's stores nothing new.
  server.ok("components/restore", {{"sessionId", "h"}, {"componentId", id}, {"version", 4}});
  CHECK(history(server, "h", id).size() == 4);
}

TEST_CASE_METHOD(Fixture, "versions stored without an origin get one derived from their reply") {
  // An import keeps no origins, as a database from before they were kept.
  server.ok("chat/send", {{"sessionId", "orig"}, {"text", "a pricing card"}});
  json second = server.ok("chat/send", {{"sessionId", "orig"}, {"text", "make it blue and add a button\nand round"}});
  const std::string id = second["component"]["id"];
  // A save keeps the reply's metadata: it names the same interaction.
  server.ok("components/save", {{"sessionId", "orig"}, {"component", {{"id", id}, {"jsx", "by hand"}, {"css", ""}}}});
  json document = server.ok("session/export", {{"sessionId", "orig"}})["document"];
  server.ok("session/import", {{"document", document}, {"sessionId", "copy"}});

  json versions = history(server, "copy", id);
  REQUIRE(versions.size() == 3);
  CHECK(versions[0]["origin"] == json{{"kind", "prompt"}, {"prompt", "a pricing card"}});
  CHECK(versions[1]["origin"] == json{{"kind", "prompt"}, {"prompt", "make it blue and add a button"}});
  CHECK(versions[2]["origin"] == json{{"kind", "unknown"}});
  CHECK(versions[2]["current"] == true);
  // What sync set in the metadata stays visible.
  CHECK(versions[2]["metadata"]["interactionId"] == versions[1]["metadata"]["interactionId"]);
}

TEST_CASE("components/applied records the files per component, kept across restarts") {
  TempDir dir;
  const std::string db = dir.file("a.db");
  std::string id;
  {
    ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
    server.initialize(json::object());
    json saved = server.ok("components/save",
                           {{"sessionId", "f"}, {"component", {{"name", "Card"}, {"jsx", "v1"}, {"css", ""}}}});
    id = saved["component"]["id"];
    CHECK(server.ok("components/files", {{"sessionId", "f"}, {"componentId", id}})["files"] == json::array());

    json files = server.ok("components/applied", applied("f", id, 1, "/work/app/src/components"));
    CHECK(files["componentId"] == id);
    REQUIRE(files["files"].size() == 2);
    CHECK(files["files"][0]["path"] == "/work/app/src/components/Card.css");
    CHECK(files["files"][0]["kind"] == "css");
    CHECK(files["files"][0]["version"] == 1);
    CHECK(files["files"][0]["appliedAt"].get<std::string>().ends_with("Z"));
    CHECK(files["files"][1]["path"] == "/work/app/src/components/Card.jsx");

    // A later version written to the same files updates them, no duplicates.
    server.ok("components/save", {{"sessionId", "f"}, {"component", {{"id", id}, {"jsx", "v2"}, {"css", ""}}}});
    files = server.ok("components/applied", applied("f", id, 2, "/work/app/src/components"));
    REQUIRE(files["files"].size() == 2);
    CHECK(files["files"][0]["version"] == 2);
    CHECK(files["files"][1]["version"] == 2);
  }
  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  json files = server.ok("components/files", {{"sessionId", "f"}, {"componentId", id}})["files"];
  REQUIRE(files.size() == 2);
  CHECK(files[1]["path"] == "/work/app/src/components/Card.jsx");
  CHECK(files[1]["version"] == 2);
}

TEST_CASE_METHOD(Fixture, "a file holds one component, and a deleted component lets go of its files") {
  json a =
      server.ok("components/save", {{"sessionId", "f"}, {"component", {{"name", "A"}, {"jsx", "a"}, {"css", ""}}}});
  json b =
      server.ok("components/save", {{"sessionId", "f"}, {"component", {{"name", "B"}, {"jsx", "b"}, {"css", ""}}}});
  const std::string idA = a["component"]["id"];
  const std::string idB = b["component"]["id"];
  server.ok("components/applied", applied("f", idA, 1, "/tmp/x"));
  // B written over A's JSX file: that file is B's now.
  json files = server.ok("components/applied", {{"sessionId", "f"},
                                                {"componentId", idB},
                                                {"version", 1},
                                                {"files", {{{"path", "/tmp/x/Card.jsx"}, {"kind", "jsx"}}}}});
  CHECK(files["files"].size() == 1);
  json left = server.ok("components/files", {{"sessionId", "f"}, {"componentId", idA}})["files"];
  REQUIRE(left.size() == 1);
  CHECK(left[0]["path"] == "/tmp/x/Card.css");

  server.ok("components/delete", {{"sessionId", "f"}, {"componentId", idB}});
  CHECK_THAT(invalidParams(server, "components/files", {{"sessionId", "f"}, {"componentId", idB}}),
             Catch::Contains("params.componentId"));
  // Another session's files are its own.
  server.ok("components/save", {{"sessionId", "g"}, {"component", {{"id", idA}, {"jsx", "a"}, {"css", ""}}}});
  CHECK(server.ok("components/files", {{"sessionId", "g"}, {"componentId", idA}})["files"] == json::array());
}

TEST_CASE_METHOD(Fixture, "components/applied refuses bad paths, kinds and versions, naming the field") {
  json saved =
      server.ok("components/save", {{"sessionId", "v"}, {"component", {{"name", "Card"}, {"jsx", "v1"}, {"css", ""}}}});
  const std::string id = saved["component"]["id"];
  auto withFile = [&](const json& file) {
    return json{{"sessionId", "v"}, {"componentId", id}, {"version", 1}, {"files", {file}}};
  };
  CHECK_THAT(invalidParams(server, "components/applied", withFile({{"path", "src/Card.jsx"}, {"kind", "jsx"}})),
             Catch::Contains("params.files[0].path: must be an absolute path"));
  CHECK_THAT(invalidParams(server, "components/applied",
                           withFile({{"path", std::string("/tmp/a\0b.jsx", 12)}, {"kind", "jsx"}})),
             Catch::Contains("params.files[0].path: must not contain a NUL character"));
  CHECK_THAT(
      invalidParams(server, "components/applied", withFile({{"path", "/" + std::string(5000, 'a')}, {"kind", "jsx"}})),
      Catch::Contains("params.files[0].path: must be at most 4096 bytes"));
  CHECK_THAT(invalidParams(server, "components/applied", withFile({{"path", "/tmp/Card.ts"}, {"kind", "ts"}})),
             Catch::Contains("params.files[0].kind"));
  CHECK_THAT(invalidParams(server, "components/applied", withFile({{"kind", "jsx"}})),
             Catch::Contains("params.files[0].path: is required"));
  CHECK_THAT(invalidParams(server, "components/applied",
                           {{"sessionId", "v"}, {"componentId", id}, {"version", 1}, {"files", json::array()}}),
             Catch::Contains("params.files: must list at least one file"));
  CHECK_THAT(
      invalidParams(server, "components/applied", {{"sessionId", "v"}, {"componentId", id}, {"files", json::array()}}),
      Catch::Contains("params.version"));
  json unknownVersion = applied("v", id, 7, "/tmp");
  CHECK_THAT(invalidParams(server, "components/applied", unknownVersion),
             Catch::Contains("params.version: no version 7"));
  CHECK_THAT(invalidParams(server, "components/applied", applied("v", "missing", 1, "/tmp")),
             Catch::Contains("params.version"));
  // Nothing of the refused calls was kept; the server still answers.
  CHECK(server.ok("components/files", {{"sessionId", "v"}, {"componentId", id}})["files"] == json::array());
}

TEST_CASE_METHOD(Fixture, "applied files are local: they queue nothing for sync") {
  json saved =
      server.ok("components/save", {{"sessionId", "l"}, {"component", {{"name", "Card"}, {"jsx", "v1"}, {"css", ""}}}});
  const std::string id = saved["component"]["id"];
  const json before = server.ok("sync/status", json::object())["pending"];
  server.ok("components/applied", applied("l", id, 1, "/tmp"));
  CHECK(server.ok("sync/status", json::object())["pending"] == before);
  // And the export, which other devices and the backend see, leaves them out.
  json document = server.ok("session/export", {{"sessionId", "l"}})["document"];
  CHECK(document.dump().find("/tmp/Card.jsx") == std::string::npos);
}

TEST_CASE_METHOD(Fixture, "components/render gives the component's files, or the text with imports merged") {
  json reply = server.ok("chat/send", {{"sessionId", "r"}, {"text", "a pricing card with three tiers"}});
  const std::string id = reply["component"]["id"];
  const std::string name = reply["component"]["name"];

  json files = server.ok("components/render", {{"sessionId", "r"}, {"target", "files"}});
  CHECK(files["componentId"] == id);
  CHECK(files["version"] == 1);
  CHECK(files["jsxFileName"] == name + ".jsx");
  CHECK(files["cssFileName"] == name + ".css");
  CHECK(files["css"] == reply["component"]["css"]);
  const std::string jsx = files["jsx"];
  const std::string cssImport = "import \"./" + name + ".css\";";
  CHECK(jsx.find(cssImport) != std::string::npos);
  CHECK(jsx.find(cssImport) == jsx.rfind(cssImport));
  CHECK_FALSE(files.contains("text"));

  const std::string app = "import React, { useEffect } from \"react\";\n\nexport default function App() {}\n";
  json merged =
      server.ok("components/render",
                {{"sessionId", "r"}, {"componentId", id}, {"version", 1}, {"target", "insert"}, {"existingText", app}});
  const std::string text = merged["text"];
  CHECK(text.find("import React") == text.rfind("import React"));
  CHECK(text.find("export default") == text.rfind("export default"));
  CHECK(text.ends_with(merged["insert"].get<std::string>()));
  CHECK_FALSE(merged.contains("jsx"));

  CHECK_THAT(invalidParams(server, "components/render", {{"sessionId", "r"}, {"target", "both"}}),
             Catch::Contains("params.target: must be \"files\" or \"insert\""));
  CHECK_THAT(invalidParams(server, "components/render", {{"sessionId", "r"}, {"target", "files"}, {"version", 9}}),
             Catch::Contains("params.version"));
  CHECK_THAT(invalidParams(server, "components/render", {{"sessionId", "none"}, {"target", "files"}}),
             Catch::Contains("params.componentId"));
}
