// Signing in and out of the team backend (sync/login, sync/logout, the
// credentials file) and the writes it refused (sync/rejected,
// sync/retryRejected), with real processes: the real aieditor over pipes,
// the real aieditor-backend. What arrived is read through the backend's own
// API; waits are on responses, notifications and process exits.
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

/// The whole of a file ("" when it cannot be read).
std::string fileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

/// A server on `w.db` with its config folder in `w.dir` and no token from
/// the environment; initializationOptions.sync is `sync`.
std::unique_ptr<ServerProcess> server(const World& w, const json& sync, const std::string& logLevel = "error") {
  auto process = std::make_unique<ServerProcess>(ServerProcess::Options{{"--db", w.db},
                                                                        {{"AIEDITOR_LOG", logLevel},
                                                                         {"AIEDITOR_SYNC_TOKEN", ""},
                                                                         {"AIEDITOR_SYNC_URL", ""},
                                                                         {"XDG_CONFIG_HOME", w.dir.file("config")}}});
  process->initialize(sync.is_null() ? json::object() : json{{"sync", sync}});
  return process;
}

void stop(ServerProcess& process) {
  process.ok("shutdown", nullptr);
  process.notify("exit", nullptr);
  CHECK(process.wait() == 0);
}

/// No form of `secret` in the server's log, nor in its database or WAL.
void checkNothingHolds(ServerProcess& process, const World& w, const std::string& secret) {
  CHECK(process.stderrText().find(secret) == std::string::npos);
  for (const std::string& file : {w.db, w.db + "-wal"}) CHECK(fileText(file).find(secret) == std::string::npos);
}

std::string newToken(const World& w) {
  auto run = runBackendCli({"user", "token", "alice", "--db", w.backendDb});
  REQUIRE(run.code == 0);
  return run.lastLine();
}

}  // namespace

TEST_CASE("signed out, writes wait, a refused token says why, and sync/login with a good one uploads them") {
  World w;
  Backend backend(w.backendDb);
  auto editor = server(w, {{"url", backend.url()}}, "debug");
  waitSync(*editor, [](const json& s) { return s["state"] == "authRequired"; });
  const auto ids = addMessages(*editor, "s", 3);
  json status = editor->ok("sync/status", json::object());
  CHECK(status["state"] == "authRequired");
  CHECK(status["pending"] == 3);
  CHECK_THAT(status["error"].get<std::string>(), Catch::Contains("sync/login"));

  const std::string bogus = "aies_0123456789abcdefBOGUS";
  status = editor->ok("sync/login", {{"token", bogus}});
  CHECK(status["state"] == "authRequired");
  CHECK(status["pending"] == 3);
  CHECK_THAT(status["error"].get<std::string>(), Catch::Contains("refresh_token: unknown or revoked"));
  CHECK(status["error"].get<std::string>().find(bogus) == std::string::npos);
  CHECK(backendChanges(backend, w.token).empty());

  status = editor->ok("sync/login", {{"token", w.token}});
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  CHECK(status["user"] == "alice");
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));
  CHECK(outboxRows(w.db) == 0);
  stop(*editor);
  checkNothingHolds(*editor, w, w.token);
  checkNothingHolds(*editor, w, bogus);
  // Not remembered unless asked.
  CHECK_FALSE(std::filesystem::exists(w.dir.file("config/aieditor/credentials")));
}

TEST_CASE("sync/login starts sync on a server that had it off, and needs a URL to do so") {
  World w;
  Backend backend(w.backendDb);
  auto editor = server(w, nullptr);
  const auto ids = addMessages(*editor, "s", 2);
  CHECK(editor->ok("sync/status", json::object())["state"] == "disabled");
  json error = editor->error("sync/login", {{"token", w.token}});
  CHECK(error["code"] == -32602);
  CHECK(error["message"] == "params.url: required: sync has no backend URL configured");

  // The trailing slash is not part of the URL.
  json status = editor->ok("sync/login", {{"url", backend.url() + "/"}, {"token", w.token}});
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));
  stop(*editor);
}

TEST_CASE(
    "sync/login remembers the token in a 0600 credentials file that a restarted server uses, sync/logout keeps every "
    "write") {
  World w;
  Backend backend(w.backendDb);
  const std::string credentials = w.dir.file("config/aieditor/credentials");
  std::vector<std::string> ids;
  {
    auto editor = server(w, {{"url", backend.url()}});
    ids = addMessages(*editor, "s", 2, "a");
    json status = editor->ok("sync/login", {{"token", w.token}, {"remember", true}});
    CHECK(status["state"] == "synced");
    // A mistyped token, refused, does not replace the good one in the file.
    status = editor->ok("sync/login", {{"token", "aies_0123456789abcdefTYPO"}, {"remember", true}});
    CHECK(status["state"] == "authRequired");
    stop(*editor);
  }
  struct stat info {};
  REQUIRE(::stat(credentials.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(json::parse(fileText(credentials)) == json{{"url", backend.url()}, {"token", w.token}});
  // No temporary file is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(w.dir.file("config/aieditor")), {}) == 1);

  // Restarted with neither a URL nor a token: both come from the file.
  auto editor = server(w, nullptr);
  const auto more = addMessages(*editor, "s", 2, "b");
  ids.insert(ids.end(), more.begin(), more.end());
  json status = editor->ok("sync/now", json::object());
  CHECK(status["state"] == "synced");
  CHECK(status["user"] == "alice");
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));

  const std::size_t before = editor->notificationCount();
  status = editor->ok("sync/logout", json::object());
  CHECK(status["state"] == "authRequired");
  CHECK_FALSE(status.contains("user"));
  CHECK_FALSE(std::filesystem::exists(credentials));
  waitSync(
      *editor, [](const json& s) { return s["state"] == "authRequired"; }, before);
  // Writes keep being acknowledged and queue; nothing local is gone.
  const auto offline = addMessages(*editor, "s", 3, "c");
  status = editor->ok("sync/status", json::object());
  CHECK(status["state"] == "authRequired");
  CHECK(status["pending"] == 3);
  CHECK(editor->ok("session/export", {{"sessionId", "s"}})["document"]["messages"].size() == 7);
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));
  stop(*editor);
  CHECK(outboxRows(w.db) == 3);

  // Signed in again, what was written meanwhile goes up.
  ids.insert(ids.end(), offline.begin(), offline.end());
  auto again = server(w, {{"url", backend.url()}});
  CHECK(again->ok("sync/login", {{"token", w.token}})["state"] == "synced");
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));
  stop(*again);
}

TEST_CASE("a revoked token, then sign-in again: nothing lost, everything arrives once") {
  World w;
  Backend backend(w.backendDb);
  auto editor = server(w, {{"url", backend.url()}, {"token", w.token}});
  auto ids = addMessages(*editor, "s", 3, "a");
  CHECK(editor->ok("sync/now", json::object())["state"] == "synced");

  REQUIRE(runBackendCli({"user", "revoke", "alice", "--db", w.backendDb}).code == 0);
  const std::size_t before = editor->notificationCount();
  const auto later = addMessages(*editor, "s", 5, "b");
  ids.insert(ids.end(), later.begin(), later.end());
  waitSync(
      *editor, [](const json& s) { return s["state"] == "authRequired"; }, before);
  json status = editor->ok("sync/status", json::object());
  CHECK(status["state"] == "authRequired");
  CHECK(status["pending"] == 5);

  const std::string token = newToken(w);
  status = editor->ok("sync/login", {{"token", token}});
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  CHECK(status["rejected"] == 0);
  CHECK(backendChanges(backend, token) == messageChanges("s", ids));
  stop(*editor);
  checkNothingHolds(*editor, w, token);
  CHECK(outboxRows(w.db) == 0);
}

TEST_CASE("sync/login and the other sync methods name the bad param, never echoing a token") {
  World w;
  auto editor = server(w, {{"url", urlOf(freePort())}});
  auto message = [&](const std::string& method, const json& params) {
    json error = editor->error(method, params);
    CHECK(error["code"] == -32602);
    return error["message"].get<std::string>();
  };
  CHECK(message("sync/login", json::object()) == "params.token: is required");
  CHECK(message("sync/login", {{"token", ""}}) == "params.token: must be a non-empty string");
  CHECK(message("sync/login", {{"token", "  "}}) == "params.token: must be a non-empty string");
  CHECK(message("sync/login", {{"token", 42}}) == "params.token: must be a non-empty string");
  CHECK(message("sync/login", {{"token", "aies_x"}, {"url", "aies_secretsecret"}}) ==
        "params.url: must be a string starting with http:// or https://");
  CHECK(message("sync/login", {{"token", "aies_x"}, {"remember", "yes"}}) == "params.remember: must be true or false");
  CHECK(message("sync/login", json::array()).find("params") != std::string::npos);
  CHECK(message("sync/rejected", {{"sessionId", "no spaces"}}).starts_with("params.sessionId: "));
  CHECK(message("sync/retryRejected", {{"sessionId", 7}}) == "params.sessionId: must be a string");
  // Unknown fields are ignored, as by every method.
  CHECK(editor->ok("sync/logout", {{"extra", true}})["state"] == "authRequired");
  CHECK(editor->ok("sync/rejected", {{"extra", true}}) == json{{"writes", json::array()}});
  stop(*editor);
}

TEST_CASE("a refused write is listed by sync/rejected and sync/retryRejected queues it again, never dropping it") {
  World w;
  storedElsewhere(w.backendDb, w.token, "s", "dup");  // ours gets 409
  // Written offline, so that no pull brings "theirs" here first.
  const int port = freePort();
  auto editor = server(w, {{"url", urlOf(port)}, {"token", w.token}});
  addMessages(*editor, "s", 1, "a");
  editor->ok("messages/add", {{"sessionId", "s"}, {"message", {{"id", "dup"}, {"role", "user"}, {"content", "ours"}}}});
  addMessages(*editor, "other", 1, "b");
  Backend backend(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port)});
  CHECK(editor->ok("sync/now", json::object())["rejected"] == 1);

  json writes = editor->ok("sync/rejected", json::object())["writes"];
  REQUIRE(writes.size() == 1);
  CHECK(writes[0]["sessionId"] == "s");
  CHECK(writes[0]["kind"] == "message");
  CHECK(writes[0]["recordId"] == "dup");
  CHECK_FALSE(writes[0].contains("version"));
  CHECK(writes[0]["seq"].is_number_integer());
  const std::string why = writes[0]["error"];
  CHECK(why.starts_with("409: "));
  CHECK_THAT(why, Catch::Contains("different content"));
  CHECK(editor->ok("sync/rejected", {{"sessionId", "s"}})["writes"] == writes);
  CHECK(editor->ok("sync/rejected", {{"sessionId", "other"}})["writes"].empty());
  CHECK(editor->ok("sync/retryRejected", {{"sessionId", "other"}}) == json{{"retried", 0}});

  // Retried as it is: refused again for the same reason, and still kept.
  const std::size_t before = editor->notificationCount();
  CHECK(editor->ok("sync/retryRejected", json::object()) == json{{"retried", 1}});
  waitSync(
      *editor, [](const json& s) { return s["pending"] == 1 && s["rejected"] == 0; }, before);
  json status = editor->ok("sync/now", json::object());
  CHECK(status["pending"] == 0);
  CHECK(status["rejected"] == 1);
  CHECK(editor->ok("sync/rejected", json::object())["writes"] == writes);
  CHECK(outboxRows(w.db) == 1);
  stop(*editor);
}

TEST_CASE("a write rejected as too large arrives once the backend takes it and it is retried") {
  World w;
  const int port = freePort();
  auto editor = server(w, {{"url", urlOf(port)}, {"token", w.token}});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back("m" + std::to_string(i));
    const std::string content(i == 1 ? 6000 : 100, 'x');
    editor->ok("messages/add",
               {{"sessionId", "big"}, {"message", {{"id", ids.back()}, {"role", "user"}, {"content", content}}}});
  }
  {
    Backend strict(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port), "--max-body", "4000"});
    json status = editor->ok("sync/now", json::object());
    CHECK(status["rejected"] == 1);
    json writes = editor->ok("sync/rejected", {{"sessionId", "big"}})["writes"];
    REQUIRE(writes.size() == 1);
    CHECK(writes[0]["recordId"] == "m1");
    CHECK(writes[0]["error"].get<std::string>().starts_with("413: "));
    CHECK(backendChanges(strict, w.token) == messageChanges("big", {"m0", "m2"}));
  }
  Backend backend(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port)});
  CHECK(editor->ok("sync/retryRejected", {{"sessionId", "big"}}) == json{{"retried", 1}});
  json status = editor->ok("sync/now", json::object());
  CHECK(allSynced(status));
  CHECK(status["rejected"] == 0);
  CHECK(editor->ok("sync/rejected", json::object())["writes"].empty());
  CHECK(backendChanges(backend, w.token) == messageChanges("big", {"m0", "m2", "m1"}));
  CHECK(outboxRows(w.db) == 0);
  stop(*editor);
}

TEST_CASE("the credentials file's token is used only for its own backend URL") {
  World w;
  Backend backend(w.backendDb);
  {
    auto editor = server(w, {{"url", backend.url()}});
    CHECK(editor->ok("sync/login", {{"token", w.token}, {"remember", true}})["state"] == "synced");
    stop(*editor);
  }
  // Another backend configured: the saved token is not sent there.
  auto editor = server(w, {{"url", urlOf(freePort())}});
  json status = waitSync(*editor, [](const json& s) { return s["state"] == "authRequired"; });
  CHECK_THAT(status["error"].get<std::string>(), Catch::Contains("no sign-in token"));
  stop(*editor);
}

TEST_CASE("signed in to another backend, everything goes up to it and its own changes are pulled from the start") {
  World w;
  Backend first(w.backendDb);
  auto editor = server(w, {{"url", first.url()}, {"token", w.token}});
  const auto mine = addMessages(*editor, "mine", 3, "a");
  CHECK(editor->ok("sync/now", json::object())["state"] == "synced");

  // A second backend, further along than the first: another device wrote
  // more there than this one's cursor counts on the first.
  const std::string secondDb = w.dir.file("second.db");
  const std::string secondToken = addUser(secondDb, "alice");
  Backend second(secondDb);
  const std::vector<std::string> theirs = [&] {
    auto other = sync::editor(w.dir.file("other.db"), second.url(), secondToken);
    auto ids = addMessages(*other, "theirs", 8, "b");
    CHECK(other->ok("sync/now", json::object())["state"] == "synced");
    stop(*other);
    return ids;
  }();

  json status = editor->ok("sync/login", {{"url", second.url()}, {"token", secondToken}});
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  // This device's work, acknowledged by the first backend, is on the second
  // too; and all of the second's changes came down, none skipped.
  const auto changes = backendChanges(second, secondToken);
  for (const auto& change : messageChanges("mine", mine)) CHECK(std::ranges::count(changes, change) == 1);
  CHECK(exportedMessageIds(*editor, "theirs") == theirs);
  CHECK(exportedMessageIds(*editor, "mine") == mine);
  stop(*editor);
}

TEST_CASE("sync/login while a request to the old backend hangs: that request ends at once, the new one is used") {
  World w;
  Backend backend(w.backendDb);
  // A backend URL that accepts connections and never answers: the sync
  // thread's sign-in and the event stream's both hang on it.
  BlackHole unanswered;
  auto editor = server(w, {{"url", urlOf(unanswered.port())}, {"token", w.token}});
  unanswered.waitForConnections(2);
  const auto ids = addMessages(*editor, "hung", 4);
  const long waiting = editor->send("sync/now", json::object());  // waits on the attempt after the hung one

  const json status = editor->ok("sync/login", {{"url", backend.url()}, {"token", w.token}});
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  // The hung request was aborted, not waited out to its time limit (which
  // reports the old backend unreachable first).
  for (const json& notice : editor->notifications("sync/status")) CHECK(notice["state"] != "offline");
  const json answered = editor->waitResponse(waiting);
  CHECK(answered["result"]["state"] == "synced");
  CHECK(backendChanges(backend, w.token) == messageChanges("hung", ids));
  stop(*editor);
}

TEST_CASE("a broken credentials file is set aside with a warning: the editor starts, and signing in again mends it") {
  World w;
  Backend backend(w.backendDb);
  const std::string credentials = w.dir.file("config/aieditor/credentials");
  std::filesystem::create_directories(w.dir.file("config/aieditor"));
  std::ofstream(credentials) << "{\"url\": \"" << backend.url() << "\", \"token\": 42}";
  auto editor = server(w, nullptr, "warn");
  CHECK(editor->ok("sync/status", json::object())["state"] == "disabled");
  const auto ids = addMessages(*editor, "s", 2);
  CHECK(editor->ok("sync/login", {{"url", backend.url()}, {"token", w.token}, {"remember", true}})["state"] == "synced");
  CHECK(backendChanges(backend, w.token) == messageChanges("s", ids));
  CHECK(json::parse(fileText(credentials)) == json{{"url", backend.url()}, {"token", w.token}});
  stop(*editor);
  CHECK_THAT(editor->stderrText(), Catch::Contains("credentials file " + credentials + ": token: must be a non-empty string: ignored"));
}
