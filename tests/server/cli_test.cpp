// The aieditor command line, run as a real process.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// Runs `aieditor args...` to the end; its exit code, stdout and stderr.
struct Run {
  int code;
  std::string out, err;
};
Run run(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  ServerProcess cli({std::move(args), std::move(env), false});
  cli.closeStdin();
  cli.waitForEndOfOutput();  // first: it fails the test if the command hangs
  const int code = cli.wait();
  return {code, cli.output(), cli.stderrText()};
}

}  // namespace

TEST_CASE("aieditor chat streams a reply, saves the component, and the other commands read it back") {
  TempDir dir;
  const std::string db = dir.file("cli.db");
  Run chat = run({"chat", "--db", db, "--session", "cli", "a", "pricing", "card"});
  INFO(chat.err);
  REQUIRE(chat.code == 0);
  CHECK_THAT(chat.out, Catch::Contains("export default function PricingCard("));
  CHECK_THAT(chat.out, Catch::Contains("Saved component PricingCard"));
  CHECK_THAT(chat.out, Catch::Contains("in session cli at " + db));

  Run show = run({"show", "--db", db, "--session", "cli"});
  REQUIRE(show.code == 0);
  CHECK_THAT(show.out, Catch::StartsWith("// PricingCard v1"));
  CHECK_THAT(show.out, Catch::Contains(".pricing-card {"));

  Run sessions = run({"sessions", "--db", db});
  REQUIRE(sessions.code == 0);
  CHECK_THAT(sessions.out, Catch::StartsWith("cli\t"));
  CHECK_THAT(sessions.out, Catch::Contains("2 messages\t1 components\ta pricing card"));

  Run exported = run({"export", "--db", db, "--session", "cli", "-o", dir.file("cli.json")});
  REQUIRE(exported.code == 0);
  std::ifstream file(dir.file("cli.json"));
  json document = json::parse(file);
  CHECK(document["session"]["id"] == "cli");
  CHECK(document["messages"].size() == 2);

  Run imported = run({"import", dir.file("cli.json"), "--db", db, "--session", "cli-copy"});
  REQUIRE(imported.code == 0);
  CHECK(imported.out == "cli-copy\n");
  Run again = run({"import", dir.file("cli.json"), "--db", db, "--session", "cli-copy"});
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
}

TEST_CASE("the command line reports bad usage") {
  TempDir dir;
  Run noSession = run({"chat", "--db", dir.file("x.db"), "hello"});
  CHECK(noSession.code == 1);
  CHECK_THAT(noSession.err, Catch::Contains("chat needs --session ID"));
  Run unknown = run({"--frobnicate"});
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("unknown option --frobnicate"));
  Run version = run({"--version"});
  CHECK(version.code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("aieditor "));
  Run badSession = run({"show", "--db", dir.file("x.db"), "--session", "no spaces"});
  CHECK(badSession.code == 1);
  CHECK_THAT(badSession.err, Catch::Contains("params.sessionId"));
}

TEST_CASE("Ctrl-C during aieditor chat cancels the reply and keeps what arrived as interrupted") {
  TempDir dir;
  const std::string db = dir.file("int.db");
  {
    ServerProcess cli({{"chat", "--db", db, "--session", "ctrlc", "a long list"},
                       {{"AIEDITOR_OFFLINE_DELAY_MS", "200"}},
                       false});
    cli.waitForOutput("```jsx");  // the reply is streaming
    cli.interrupt();
    CHECK(cli.wait() == 130);
    cli.waitForEndOfOutput();
    CHECK_THAT(cli.stderrText(), Catch::Contains("saved as interrupted"));
  }
  ServerProcess server({{"--db", db}, {}});
  server.initialize(json::object());
  json messages = server.ok("messages/list", {{"sessionId", "ctrlc"}})["messages"];
  REQUIRE(messages.size() == 2);
  CHECK(messages[1]["status"] == "interrupted");
  CHECK_THAT(messages[1]["content"].get<std::string>(), Catch::Contains("```jsx"));
  CHECK(server.ok("components/list", {{"sessionId", "ctrlc"}})["components"].empty());
}

TEST_CASE("aieditor import names the file and what was wrong with it") {
  TempDir dir;
  const std::string db = dir.file("imp.db");
  Run directory = run({"import", dir.path(), "--db", db});
  CHECK(directory.code == 1);
  CHECK_THAT(directory.err, Catch::Contains(dir.path() + ": cannot be read: Is a directory"));

  Run missing = run({"import", dir.file("missing.json"), "--db", db});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::Contains(dir.file("missing.json") + ": cannot be opened: No such file or directory"));

  const std::string deep = dir.file("deep.json");
  std::ofstream(deep) << std::string(100000, '[') << std::string(100000, ']');
  Run tooDeep = run({"import", deep, "--db", db});
  CHECK(tooDeep.code == 1);
  CHECK_THAT(tooDeep.err, Catch::Contains(deep + ": [0][0][0]"));
  CHECK_THAT(tooDeep.err, Catch::Contains("nested deeper than 512 levels"));

  const std::string broken = dir.file("broken.json");
  std::ofstream(broken) << R"({"format":)";
  Run notJson = run({"import", broken, "--db", db});
  CHECK(notJson.code == 1);
  CHECK_THAT(notJson.err, Catch::Contains(broken + ": not valid JSON: parse error"));
}

TEST_CASE("aieditor import of a document the server refuses as too deep fails instead of waiting") {
  TempDir dir;
  const std::string db = dir.file("deep.db");
  REQUIRE(run({"chat", "--db", db, "--session", "src", "a", "card"}).code == 0);
  REQUIRE(run({"export", "--db", db, "--session", "src", "-o", dir.file("src.json")}).code == 0);
  json document = json::parse(std::ifstream(dir.file("src.json")));
  // 511 levels in the file, within the limit; more than 512 once the request
  // wraps it in params.document.
  json metadata = 1;
  for (int i = 0; i < 508; ++i) metadata = json{{"a", std::move(metadata)}};
  document["interactions"][0]["metadata"] = std::move(metadata);
  std::ofstream(dir.file("deep.json")) << document.dump();

  Run imported = run({"import", dir.file("deep.json"), "--db", db, "--session", "copy"});
  CHECK(imported.code == 1);
  CHECK_THAT(imported.err, Catch::Contains("params.document.interactions[0].metadata.a.a"));
  CHECK_THAT(imported.err, Catch::Contains("nested deeper than 512 levels"));
}

TEST_CASE("aieditor export and import round-trip the deepest metadata the server accepts") {
  TempDir dir;
  const std::string db = dir.file("meta.db");
  json metadata = 1;
  for (int i = 0; i < 256; ++i) metadata = json{{"a", std::move(metadata)}};  // kMaxValueDepth
  {
    ServerProcess server({{"--db", db}, {}});
    server.initialize(json::object());
    server.ok("interactions/add",
              {{"sessionId", "src"},
               {"interaction",
                {{"prompt", "p"}, {"response", "r"}, {"provider", "o"}, {"model", "m"}, {"metadata", metadata}}}});
    server.ok("shutdown", nullptr);
    server.notify("exit", nullptr);
    REQUIRE(server.wait() == 0);
  }
  REQUIRE(run({"export", "--db", db, "--session", "src", "-o", dir.file("src.json")}).code == 0);
  Run imported = run({"import", dir.file("src.json"), "--db", db, "--session", "copy"});
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  REQUIRE(run({"export", "--db", db, "--session", "copy", "-o", dir.file("copy.json")}).code == 0);
  CHECK(json::parse(std::ifstream(dir.file("copy.json")))["interactions"][0]["metadata"] == metadata);
}

TEST_CASE("aieditor chat whose writes are lost at exit fails and says so on stderr") {
  TempDir dir;
  const std::string db = dir.file("lost.db");
  prepareDatabase(db, [](ServerProcess& server) { server.ok("session/open", {{"sessionId", "lost"}}); });
  // Read-only: the prompt and the reply are kept, then lost when the command ends.
  ServerProcess cli({{"chat", "--db", "file:" + db + "?mode=ro", "--session", "lost", "a long list"},
                     {{"AIEDITOR_OFFLINE_DELAY_MS", "200"}, {"AIEDITOR_LOG", "error"}},
                     false});
  cli.waitForOutput("```jsx");  // the reply is streaming
  cli.interrupt();
  const int code = cli.wait();
  cli.waitForEndOfOutput();
  CHECK(code != 0);
  const std::string err = cli.stderrText();
  CHECK_THAT(err, !Catch::Contains("saved as interrupted"));
  CHECK_THAT(err, Catch::Contains("was not saved"));
  CHECK_THAT(err, Catch::Contains("2 writes could not be saved") && Catch::Contains("are lost"));
}
