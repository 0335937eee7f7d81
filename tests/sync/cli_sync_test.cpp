// The command line's sync commands, run as real processes against a real
// aieditor-backend: aieditor sync, sync status, sync login URL (the token on
// stdin) and sync logout.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

namespace {

struct Run {
  int code;
  std::string out, err;
};

/// Runs `aieditor args...` to the end with `input` on stdin and the config
/// folder `config`, no sync setting from the environment.
Run run(std::vector<std::string> args, const std::string& config, const std::string& input = "") {
  ServerProcess cli(
      {std::move(args),
       {{"AIEDITOR_LOG", "error"}, {"AIEDITOR_SYNC_TOKEN", ""}, {"AIEDITOR_SYNC_URL", ""}, {"XDG_CONFIG_HOME", config}},
       false});
  if (!input.empty()) cli.writeRaw(input);
  cli.closeStdin();
  cli.waitForEndOfOutput();  // first: it fails the test if the command hangs
  const int code = cli.wait();
  return {code, cli.output(), cli.stderrText()};
}

/// Writes `count` messages to session "s" of `db` with sync off (a config
/// folder of its own, empty).
std::vector<std::string> writeOffline(const World& w, const std::string& prefix, int count) {
  ServerProcess server({{"--db", w.db},
                        {{"AIEDITOR_LOG", "error"},
                         {"AIEDITOR_SYNC_TOKEN", ""},
                         {"AIEDITOR_SYNC_URL", ""},
                         {"XDG_CONFIG_HOME", w.dir.file("elsewhere")}}});
  server.initialize(json::object());
  auto ids = addMessages(server, "s", count, prefix);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  REQUIRE(server.wait() == 0);
  return ids;
}

}  // namespace

TEST_CASE(
    "aieditor sync login saves the token from stdin 0600 and uploads, aieditor sync and sync status report, sync "
    "logout forgets it") {
  World w;
  Backend backend(w.backendDb);
  const std::string config = w.dir.file("config");
  const std::string credentials = config + "/aieditor/credentials";
  auto ids = writeOffline(w, "a", 3);

  Run status = run({"sync", "status", "--db", w.db}, config);
  INFO(status.err);
  REQUIRE(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("backend: none"));
  CHECK_THAT(status.out, Catch::Contains("pending: 3\n"));

  Run login = run({"sync", "login", backend.url(), "--db", w.db}, config, w.token + "\n");
  INFO(login.err);
  CHECK(login.code == 0);
  CHECK_THAT(login.out, Catch::Contains("signed in to " + backend.url() + " as alice"));
  CHECK_THAT(login.out, Catch::Contains("credentials saved in " + credentials));
  CHECK_THAT(login.out, Catch::Contains("state: synced"));
  CHECK(login.out.find(w.token) == std::string::npos);
  CHECK(login.err.find(w.token) == std::string::npos);
  struct stat info {};
  REQUIRE(::stat(credentials.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));

  const auto more = writeOffline(w, "b", 2);
  ids.insert(ids.end(), more.begin(), more.end());
  status = run({"sync", "status", "--db", w.db}, config);
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("backend: " + backend.url() + "\nsigned in: yes\npending: 2\nrejected: 0\n"));
  CHECK(backendChanges(backend, w.token) == messageChanges("s", {ids.begin(), ids.begin() + 3}));

  Run once = run({"sync", "--db", w.db}, config);
  INFO(once.err);
  CHECK(once.code == 0);
  CHECK_THAT(once.out, Catch::StartsWith("state: synced\npending: 0\nrejected: 0\nuser: alice\n"));
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));

  Run logout = run({"sync", "logout", "--db", w.db}, config);
  CHECK(logout.code == 0);
  CHECK_THAT(logout.out, Catch::Contains("signed out of " + backend.url() + ": removed " + credentials));
  CHECK_FALSE(std::filesystem::exists(credentials));
  Run off = run({"sync", "--db", w.db}, config);
  CHECK(off.code == 1);
  CHECK_THAT(off.err, Catch::Contains("sync is off"));
  Run again = run({"sync", "logout", "--db", w.db}, config);
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("not signed in"));
}

TEST_CASE("aieditor sync login says when the token is refused or the backend unreachable, and refuses bad input") {
  World w;
  Backend backend(w.backendDb);
  const std::string config = w.dir.file("config");
  const std::string bogus = "aies_0123456789abcdefBOGUS";
  writeOffline(w, "a", 1);

  Run refused = run({"sync", "login", backend.url(), "--db", w.db}, config, bogus);
  CHECK(refused.code == 1);
  CHECK_THAT(refused.out, Catch::Contains("refresh_token: unknown or revoked"));
  CHECK_THAT(refused.out, Catch::Contains("state: authRequired\npending: 1\n"));
  CHECK(refused.out.find(bogus) == std::string::npos);
  CHECK(refused.err.find(bogus) == std::string::npos);
  // A refused token is not kept: nothing to sync with afterwards.
  CHECK_FALSE(std::filesystem::exists(config + "/aieditor/credentials"));
  Run signedOut = run({"sync", "--db", w.db}, config);
  CHECK(signedOut.code == 1);
  CHECK_THAT(signedOut.err, Catch::Contains("sync is off: no backend URL (sign in with aieditor sync login URL"));

  const std::string down = urlOf(freePort());
  Run offline = run({"sync", "login", down, "--db", w.db}, config, w.token);
  CHECK(offline.code == 1);
  CHECK_THAT(offline.out, Catch::Contains("cannot reach " + down));
  CHECK_THAT(offline.out, Catch::Contains("state: offline"));
  // Kept all the same: it is tried again once the backend is there.
  CHECK(json::parse(std::ifstream(config + "/aieditor/credentials")) == json{{"url", down}, {"token", w.token}});

  Run empty = run({"sync", "login", backend.url(), "--db", w.db}, config, " \n");
  CHECK(empty.code == 1);
  CHECK_THAT(empty.err, Catch::Contains("no token on stdin"));
  // These end before reading stdin: nothing is written to it (no SIGPIPE here).
  Run badUrl = run({"sync", "login", "ftp://x", "--db", w.db}, config);
  CHECK(badUrl.code == 1);
  CHECK_THAT(badUrl.err, Catch::Contains("URL must start with http:// or https://"));
  Run noUrl = run({"sync", "login", "--db", w.db}, config);
  CHECK(noUrl.code == 1);
  CHECK_THAT(noUrl.err, Catch::Contains("sync login needs one URL"));
  Run unknown = run({"sync", "frobnicate", "--db", w.db}, config);
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("unknown sync command"));
  Run help = run({"--help"}, config);
  CHECK_THAT(help.out, Catch::Contains("aieditor sync login URL"));
}
