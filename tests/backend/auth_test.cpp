// Sign-in through the real aieditor-backend: the refresh-token grant, Bearer
// refusals with WWW-Authenticate, expiry, revocation, and the user commands.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "BackendTestSupport.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

HttpReply grant(const Backend& backend, const json& body) {
  return httpRequest("POST", backend.url() + "/api/auth/token", body.dump());
}

void checkInvalidToken(const HttpReply& reply) {
  CHECK(reply.status == 401);
  CHECK(reply.header("www-authenticate") == R"(Bearer error="invalid_token")");
  CHECK(reply.json()["error"]["code"] == "invalid_token");
}

/// Polls `request` until it answers 401, for at most 30 s: expiry is a
/// condition to wait for, not a time to sleep.
bool eventuallyUnauthorized(const std::function<HttpReply()>& request) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline)
    if (request().status == 401) return true;
  return false;
}

}  // namespace

TEST_CASE("the refresh-token grant answers a Bearer access token, bad grants are refused") {
  TempDir dir;
  const std::string signIn = addUser(dir.file("b.db"), "alice");
  Backend backend(dir.file("b.db"), {}, {{"AIEDITOR_LOG", "debug"}});
  auto ok = grant(backend, {{"grant_type", "refresh_token"}, {"refresh_token", signIn}});
  REQUIRE(ok.status == 200);
  CHECK(ok.json()["token_type"] == "Bearer");
  CHECK(ok.json()["expires_in"] == 900);
  CHECK(ok.json()["user"] == "alice");
  CHECK(ok.header("cache-control") == "no-store");

  auto wrong = grant(backend, {{"grant_type", "refresh_token"}, {"refresh_token", "aies_0000"}});
  CHECK(wrong.status == 401);
  CHECK(wrong.json()["error"]["code"] == "invalid_grant");
  CHECK(grant(backend, {{"grant_type", "password"}, {"refresh_token", signIn}}).status == 400);
  CHECK(grant(backend, {{"grant_type", "refresh_token"}}).status == 400);
  // An access token is not a sign-in token.
  CHECK(grant(backend, {{"grant_type", "refresh_token"}, {"refresh_token", ok.json()["access_token"]}}).status == 401);

  // Tokens never reach the log, even at debug level, which logs every request
  // (after its reply: read the log once the process has ended).
  const std::string access = ok.json()["access_token"];
  ::kill(backend.process().pid(), SIGTERM);
  REQUIRE(backend.process().wait() == 0);
  backend.process().waitForEndOfOutput();
  CHECK_THAT(backend.process().stderrText(), Catch::Contains("POST /api/auth/token 200"));
  CHECK(backend.process().stderrText().find(signIn) == std::string::npos);
  CHECK(backend.process().stderrText().find(access) == std::string::npos);
}

TEST_CASE("every /api/ route needs a valid Bearer token: 401 with WWW-Authenticate otherwise") {
  TempDir dir;
  const std::string signIn = addUser(dir.file("b.db"), "alice");
  Backend backend(dir.file("b.db"));
  checkInvalidToken(httpRequest("GET", backend.url() + "/api/sessions"));
  checkInvalidToken(httpRequest("GET", backend.url() + "/api/sessions", "", {"Authorization: Bearer aiea_nope"}));
  checkInvalidToken(httpRequest("GET", backend.url() + "/api/changes", "", {"Authorization: Basic YWxpY2U6eA=="}));
  checkInvalidToken(httpRequest("POST", backend.url() + "/api/sessions/demo/messages",
                                R"({"role":"user","content":"x"})", {"Authorization: Bearer " + signIn}));
  const std::string access = backend.signIn(signIn);
  CHECK(backend.call("GET", "/api/sessions", access).status == 200);
}

TEST_CASE("an expired access token gets 401 and a refresh works") {
  TempDir dir;
  const std::string signIn = addUser(dir.file("b.db"), "alice");
  Backend backend(dir.file("b.db"), {"--access-ttl", "1"});
  auto reply = grant(backend, {{"grant_type", "refresh_token"}, {"refresh_token", signIn}});
  REQUIRE(reply.status == 200);
  CHECK(reply.json()["expires_in"] == 1);
  const std::string access = reply.json()["access_token"];
  REQUIRE(eventuallyUnauthorized([&] { return backend.call("GET", "/api/sessions", access); }));
  checkInvalidToken(backend.call("GET", "/api/sessions", access));
  const std::string fresh = backend.signIn(signIn);
  CHECK(backend.call("GET", "/api/sessions", fresh).status == 200);
}

TEST_CASE("user revoke: refreshing fails and access tokens stop working within their TTL") {
  TempDir dir;
  const std::string db = dir.file("b.db");
  const std::string laptop = addUser(db, "alice");
  auto second = runBackendCli(withStorage({"user", "token", "alice"}, db));
  REQUIRE(second.code == 0);
  const std::string phone = second.lastLine();
  CHECK(phone != laptop);
  Backend backend(db);
  const std::string access = backend.signIn(phone);
  REQUIRE(backend.call("GET", "/api/sessions", access).status == 200);

  auto list = runBackendCli(withStorage({"user", "list"}, db));
  CHECK_THAT(list.out, Catch::Contains("alice\t2 sign-in tokens"));
  auto revoke = runBackendCli(withStorage({"user", "revoke", "alice"}, db));
  REQUIRE(revoke.code == 0);

  CHECK(grant(backend, {{"grant_type", "refresh_token"}, {"refresh_token", laptop}}).status == 401);
  CHECK(grant(backend, {{"grant_type", "refresh_token"}, {"refresh_token", phone}}).status == 401);
  // At once on SQLite (the token is read on every request); on PostgreSQL
  // within --access-recheck (1 s), the time a node trusts a checked token.
  if (onPostgres())
    REQUIRE(eventuallyUnauthorized([&] { return backend.call("GET", "/api/sessions", access); }));
  else
    checkInvalidToken(backend.call("GET", "/api/sessions", access));
  CHECK(runBackendCli(withStorage({"user", "list"}, db)).out.find("alice\t0 sign-in tokens") != std::string::npos);
}

TEST_CASE("a checked access token is trusted from memory for --access-recheck seconds, with 0 read every time") {
  TempDir dir;
  const std::string db = dir.file("b.db");
  const std::string alice = addUser(db, "alice");
  const std::string bob = addUser(db, "bob");
  Backend trusting(db, {"--access-recheck", "3600"});
  Backend strict(db, {"--access-recheck", "0"});
  const std::string aliceAccess = trusting.signIn(alice);
  const std::string bobAccess = strict.signIn(bob);
  REQUIRE(trusting.call("GET", "/api/sessions", aliceAccess).status == 200);
  REQUIRE(strict.call("GET", "/api/sessions", bobAccess).status == 200);

  REQUIRE(runBackendCli(withStorage({"user", "revoke", "alice"}, db)).code == 0);
  REQUIRE(runBackendCli(withStorage({"user", "revoke", "bob"}, db)).code == 0);
  // The node that checked alice's token does not read it again within the
  // hour (that is the read each request saves); refreshing fails at once.
  CHECK(trusting.call("GET", "/api/sessions", aliceAccess).status == 200);
  CHECK(grant(trusting, {{"grant_type", "refresh_token"}, {"refresh_token", alice}}).status == 401);
  // A node that never checked it, or reads on every request, refuses it at once.
  checkInvalidToken(strict.call("GET", "/api/sessions", aliceAccess));
  checkInvalidToken(strict.call("GET", "/api/sessions", bobAccess));
  CHECK(runBackendCli({"serve", "--access-recheck", "-1"}).code == 2);
  CHECK(runBackendCli({"serve", "--access-recheck", "3601"}).code == 2);
}

TEST_CASE("a remembered access token still ends at its expiry") {
  TempDir dir;
  const std::string signIn = addUser(dir.file("b.db"), "alice");
  Backend backend(dir.file("b.db"), {"--access-ttl", "1", "--access-recheck", "3600"});
  const std::string access = backend.signIn(signIn);
  REQUIRE(backend.call("GET", "/api/sessions", access).status == 200);
  REQUIRE(eventuallyUnauthorized([&] { return backend.call("GET", "/api/sessions", access); }));
  checkInvalidToken(backend.call("GET", "/api/sessions", access));
}

TEST_CASE("the command line: --help, --version, and refusals") {
  auto help = runBackendCli({"--help"});
  CHECK(help.code == 0);
  CHECK_THAT(help.out, Catch::Contains("aieditor-backend serve"));
  auto version = runBackendCli({"--version"});
  CHECK(version.code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("aieditor-backend "));
  CHECK(runBackendCli({"serve", "--listen", "nonsense"}).code == 2);
  CHECK(runBackendCli({"frobnicate"}).code == 2);
  TempDir dir;
  REQUIRE(runBackendCli(withStorage({"user", "add", "alice"}, dir.file("b.db"))).code == 0);
  auto again = runBackendCli(withStorage({"user", "add", "alice"}, dir.file("b.db")));
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(runBackendCli(withStorage({"user", "token", "nobody"}, dir.file("b.db"))).code == 1);
}
