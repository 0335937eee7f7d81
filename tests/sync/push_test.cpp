// Pushing the outbox to the team backend, with real processes: the real
// aieditor over pipes, the real aieditor-backend on a temporary SQLite file.
// Waits are on sync/status notifications, responses and process exits.
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "SyncTestSupport.h"

using namespace aieditor::test;
using namespace aieditor::test::sync;
using nlohmann::json;

TEST_CASE("with the backend down writes are acknowledged and wait, once it is up they arrive by themselves") {
  World w;
  const int port = freePort();
  auto server = editor(w.db, urlOf(port), w.token);
  waitSync(*server, [](const json& s) { return s["state"] == "offline"; });

  const auto ids = addMessages(*server, "plane", 200);
  json status = server->ok("sync/status", json::object());
  CHECK(status["state"] == "offline");
  CHECK(status["pending"] == 200);
  CHECK(status["rejected"] == 0);
  CHECK(status["error"].get<std::string>().find("cannot reach") != std::string::npos);
  CHECK(status.contains("retryAt"));

  const std::size_t before = server->notificationCount();
  Backend backend(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port)});
  json synced = waitSync(*server, allSynced, before);
  CHECK(synced["user"] == "alice");
  CHECK(synced.contains("lastSyncedAt"));
  CHECK(backendChanges(backend, w.token) == messageChanges("plane", ids));
  CHECK(outboxRows(w.db) == 0);
}

TEST_CASE("kill -9 with a full outbox: after a restart everything arrives once") {
  World w;
  const int port = freePort();
  std::vector<std::string> ids;
  {
    auto server = editor(w.db, urlOf(port), w.token);
    ids = addMessages(*server, "crash", 150);
    server->kill9();
  }
  CHECK(outboxRows(w.db) == 150);
  Backend backend(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port)});
  {
    // Killed again while it pushes, then once more to the end.
    auto server = editor(w.db, backend.url(), w.token);
    const auto more = addMessages(*server, "crash", 150, "n");
    ids.insert(ids.end(), more.begin(), more.end());
    server->kill9();
  }
  auto server = editor(w.db, backend.url(), w.token);
  waitSync(*server, allSynced);
  CHECK(backendChanges(backend, w.token) == messageChanges("crash", ids));
  CHECK(exportedMessageIds(*server, "crash") == ids);
  CHECK(outboxRows(w.db) == 0);
}

TEST_CASE("a write the backend refuses is kept as rejected and the rest arrive") {
  World w;
  storedElsewhere(w.backendDb, w.token, "s", "dup");  // ours gets 409
  // Written offline, so that no pull brings "theirs" here first.
  const int port = freePort();
  auto server = editor(w.db, urlOf(port), w.token);
  addMessages(*server, "s", 1, "a");
  server->ok("messages/add", {{"sessionId", "s"}, {"message", {{"id", "dup"}, {"role", "user"}, {"content", "ours"}}}});
  addMessages(*server, "s", 1, "b");
  Backend backend(w.backendDb, {"--listen", "127.0.0.1:" + std::to_string(port)});
  json status = server->ok("sync/now", json::object());
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  CHECK(status["rejected"] == 1);
  CHECK(backendChanges(backend, w.token) ==
        std::vector<std::string>{"message:s:dup", "message:s:a0", "message:s:b0"});
  // The refused write stays in the outbox with the backend's reason.
  CHECK(outboxRows(w.db) == 1);
  server->ok("shutdown", nullptr);
  server->notify("exit", nullptr);
  CHECK(server->wait() == 0);
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(w.db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, "SELECT record_id, rejected FROM outbox", -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "dup");
  const std::string why = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
  CHECK(why.starts_with("409: "));
  CHECK(why.find("different content") != std::string::npos);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
}

TEST_CASE("a revoked token asks for sign-in and drops nothing") {
  World w;
  Backend backend(w.backendDb);
  std::vector<std::string> ids;
  {
    auto server = editor(w.db, backend.url(), w.token, "debug");
    ids = addMessages(*server, "s", 3, "a");
    CHECK(server->ok("sync/now", json::object())["state"] == "synced");
    REQUIRE(runBackendCli({"user", "revoke", "alice", "--db", w.backendDb}).code == 0);
    const std::size_t before = server->notificationCount();
    const auto later = addMessages(*server, "s", 5, "b");
    ids.insert(ids.end(), later.begin(), later.end());
    json status = waitSync(*server, [](const json& s) { return s["state"] == "authRequired"; }, before);
    CHECK(status["error"].get<std::string>().find("sign") != std::string::npos);
    CHECK(status["error"].get<std::string>().find(w.token) == std::string::npos);
    status = server->ok("sync/status", json::object());
    CHECK(status["state"] == "authRequired");
    CHECK(status["pending"] == 5);
    CHECK(server->ok("sync/now", json::object())["state"] == "authRequired");
    server->ok("session/export", {{"sessionId", "s"}});
    server->ok("shutdown", nullptr);
    server->notify("exit", nullptr);
    CHECK(server->wait() == 0);
    // The token is in no log line, nor in the database or its log.
    CHECK_FALSE(server->stderrText().empty());
    CHECK(server->stderrText().find(w.token) == std::string::npos);
    for (const std::string& file : {w.db, w.db + "-wal"}) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      CHECK(bytes.find(w.token) == std::string::npos);
    }
  }
  CHECK(outboxRows(w.db) == 5);
  // Signed in again (a new token), everything arrives.
  auto run = runBackendCli({"user", "token", "alice", "--db", w.backendDb});
  REQUIRE(run.code == 0);
  auto server = editor(w.db, backend.url(), run.lastLine());
  waitSync(*server, allSynced);
  CHECK(backendChanges(backend, run.lastLine()) == messageChanges("s", ids));
}

TEST_CASE("without a sync URL nothing is sent and the state is disabled") {
  World w;
  Backend backend(w.backendDb);
  ServerProcess server({{"--db", w.db}, {{"AIEDITOR_LOG", "error"}, {"AIEDITOR_SYNC_TOKEN", w.token}}});
  server.initialize(json::object());
  addMessages(server, "local", 3);
  json status = server.ok("sync/status", json::object());
  CHECK(status == json{{"state", "disabled"}, {"pending", 3}, {"rejected", 0}});
  CHECK(server.ok("sync/now", json::object()) == status);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  CHECK(server.notifications("sync/status").empty());
  CHECK(backendChanges(backend, w.token).empty());
  // The writes wait in the outbox for the day sync is turned on.
  CHECK(outboxRows(w.db) == 3);
}

TEST_CASE("a bad sync setting is refused at initialize, naming it") {
  TempDir dir;
  ServerProcess server({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  json error = server.error("initialize", {{"initializationOptions", {{"sync", {{"url", "ftp://x"}}}}}});
  CHECK(error["message"].get<std::string>().find("initializationOptions.sync.url") != std::string::npos);
}

TEST_CASE("a write too large for the backend is found, rejected alone, and the rest arrive") {
  World w;
  Backend backend(w.backendDb, {"--max-body", "4000"});
  auto server = editor(w.db, backend.url(), w.token);
  // Sync waits for the whole set: it is refused as one request first.
  std::vector<std::string> ids;
  std::vector<long> sent;
  for (int i = 0; i < 12; ++i) {
    ids.push_back("m" + std::to_string(i));
    const std::string content(i == 5 ? 6000 : 100, 'x');
    sent.push_back(server->send("messages/add", {{"sessionId", "big"},
                                                 {"message", {{"id", ids.back()}, {"role", "user"}, {"content", content}}}}));
  }
  for (long id : sent) REQUIRE(server->waitResponse(id).contains("result"));
  json status = server->ok("sync/now", json::object());
  CHECK(status["state"] == "synced");
  CHECK(status["pending"] == 0);
  CHECK(status["rejected"] == 1);
  ids.erase(ids.begin() + 5);
  CHECK(backendChanges(backend, w.token) == messageChanges("big", ids));
}

TEST_CASE("a deleted component is deleted on the backend too, also one the backend never had") {
  World w;
  Backend backend(w.backendDb);
  auto server = editor(w.db, backend.url(), w.token);
  const json card{{"id", "card"}, {"jsx", "<p/>"}, {"css", ""}};
  server->ok("components/save", {{"sessionId", "s"}, {"component", card}});
  CHECK(allSynced(server->ok("sync/now", json::object())));
  server->ok("components/delete", {{"sessionId", "s"}, {"componentId", "card"}});
  // Saved and deleted at once: usually only its delete travels (a push may
  // come between them), and a 404 for it counts as done.
  const json local{{"id", "local"}, {"jsx", "<p/>"}, {"css", ""}};
  server->ok("components/save", {{"sessionId", "s"}, {"component", local}});
  server->ok("components/delete", {{"sessionId", "s"}, {"componentId", "local"}});
  json status = server->ok("sync/now", json::object());
  CHECK(allSynced(status));
  CHECK(status["rejected"] == 0);

  const std::string access = backend.signIn(w.token);
  CHECK(backend.call("GET", "/api/sessions/s/components", access).json()["components"].empty());
  const json changes = backend.call("GET", "/api/changes?since=0", access).json()["changes"];
  std::vector<std::string> deleted;
  for (const auto& change : changes) {
    CHECK(change["kind"] != "component");  // every version left the log with its component
    if (change["kind"] == "component_deleted") deleted.push_back(change["record"]["component_id"]);
  }
  REQUIRE_FALSE(deleted.empty());
  CHECK(deleted.front() == "card");
}

namespace {

/// A TCP relay on 127.0.0.1 to `port` that counts the connections made
/// through it and the HTTP requests sent over them.
class CountingRelay {
 public:
  explicit CountingRelay(int port) : target_(port), listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(listener_ >= 0);
    sockaddr_in address = loopback(0);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int client = ::accept(listener_, nullptr, nullptr);
        if (client < 0) return;  // shut down
        const int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in to = loopback(target_);
        if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
          ::close(client);
          if (server >= 0) ::close(server);
          continue;
        }
        ++connections_;
        std::lock_guard lock(mutex_);
        sockets_.push_back(client);
        sockets_.push_back(server);
        relays_.emplace_back([this, client, server] { relay(client, server); });
      }
    });
  }
  ~CountingRelay() {
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (const int socket : sockets_) ::shutdown(socket, SHUT_RDWR);
    }
    for (std::thread& relay : relays_) relay.join();
    for (const int socket : sockets_) ::close(socket);
    ::close(listener_);
  }
  CountingRelay(const CountingRelay&) = delete;
  CountingRelay& operator=(const CountingRelay&) = delete;

  std::string url() const { return urlOf(port_); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    return address;
  }

  /// Copies bytes both ways until either side closes; counts request lines
  /// ("... HTTP/1.1" at a line's end) in what the client sends.
  void relay(int client, int server) {
    static const std::string kRequestLine = " HTTP/1.1\r\n";
    std::string sent;  // the client's bytes not yet scanned whole
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    char buffer[65536];
    for (;;) {
      if (::poll(fds, 2, -1) < 0) return;
      for (int side = 0; side < 2; ++side) {
        if (!(fds[side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t got = ::read(fds[side].fd, buffer, sizeof buffer);
        if (got <= 0) {
          ::shutdown(client, SHUT_RDWR);
          ::shutdown(server, SHUT_RDWR);
          return;
        }
        if (side == 0) {
          sent.append(buffer, static_cast<std::size_t>(got));
          for (std::size_t at; (at = sent.find(kRequestLine)) != std::string::npos;) {
            ++requests_;
            sent.erase(0, at + kRequestLine.size());
          }
          if (sent.size() > kRequestLine.size()) sent.erase(0, sent.size() - kRequestLine.size());
        }
        for (ssize_t written = 0; written < got;) {
          const ssize_t n = ::write(fds[1 - side].fd, buffer + written, static_cast<std::size_t>(got - written));
          if (n <= 0) return;
          written += n;
        }
      }
    }
  }

  int target_;
  int listener_;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::vector<int> sockets_;
  std::vector<std::thread> relays_;
  std::thread acceptor_;
};

}  // namespace

TEST_CASE("pushes and pulls keep their connection to the backend: fewer connections than requests") {
  World w;
  Backend backend(w.backendDb);
  CountingRelay relay(backend.port());
  auto server = editor(w.db, relay.url(), w.token);
  waitSync(*server, allSynced);
  // Several batches (250 writes each) and pages (500 changes each), and a few pushes.
  for (int round = 0; round < 3; ++round) {
    const auto ids = addMessages(*server, "kept", 400, "r" + std::to_string(round) + "-");
    syncNow(*server);
  }
  CHECK(backendChanges(backend, w.token).size() == 1200);
  INFO(relay.connections() << " connections for " << relay.requests() << " requests");
  // One connection per request would be as many; the event stream holds one of its own.
  CHECK(relay.requests() >= 12);
  CHECK(relay.connections() * 2 <= relay.requests());
}
