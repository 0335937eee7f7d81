// Helpers of the sync tests: real aieditor servers syncing with a real
// aieditor-backend, waited on through notifications and responses.
#pragma once

#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "BackendTestSupport.h"
#include "ServerProcess.h"

namespace aieditor::test::sync {

using nlohmann::json;

/// A port nothing listens on now (the kernel's pick, released): the backend
/// that is down, started there later.
inline int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

/// A listener on 127.0.0.1 that accepts connections and never answers.
class BlackHole {
 public:
  BlackHole() : listener_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        const int connection = ::accept(listener_, nullptr, nullptr);
        if (connection < 0) return;  // shut down
        std::lock_guard lock(mutex_);
        connections_.push_back(connection);
        accepted_.notify_all();
      }
    });
  }
  ~BlackHole() {
    ::shutdown(listener_, SHUT_RDWR);  // ends accept()
    thread_.join();
    ::close(listener_);
    for (const int connection : connections_) ::close(connection);
  }
  BlackHole(const BlackHole&) = delete;
  BlackHole& operator=(const BlackHole&) = delete;

  int port() const { return port_; }
  void waitForConnections(std::size_t count) {
    std::unique_lock lock(mutex_);
    REQUIRE(accepted_.wait_for(lock, std::chrono::seconds(60), [&] { return connections_.size() >= count; }));
  }

 private:
  int listener_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable accepted_;
  std::vector<int> connections_;
  std::thread thread_;
};

inline std::string urlOf(int port) { return "http://127.0.0.1:" + std::to_string(port); }

/// An editor server on `db`, syncing with `url` as the holder of `token`.
inline std::unique_ptr<ServerProcess> editor(const std::string& db, const std::string& url, const std::string& token,
                                             const std::string& logLevel = "error") {
  auto server = std::make_unique<ServerProcess>(ServerProcess::Options{{"--db", db}, {{"AIEDITOR_LOG", logLevel}}});
  server->initialize({{"sync", {{"url", url}, {"token", token}}}});
  return server;
}

/// Sends `count` messages/add to `session` at once and waits for every reply.
inline std::vector<std::string> addMessages(ServerProcess& server, const std::string& session, int count,
                                            const std::string& prefix = "m") {
  std::vector<long> sent;
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    ids.push_back(prefix + std::to_string(i));
    sent.push_back(server.send(
        "messages/add", {{"sessionId", session},
                         {"message", {{"id", ids.back()}, {"role", "user"}, {"content", "text " + ids.back()}}}}));
  }
  for (long id : sent) REQUIRE(server.waitResponse(id).contains("result"));
  return ids;
}

/// The first sync/status notification from `from` on that satisfies `match`.
inline json waitSync(ServerProcess& server, const std::function<bool(const json&)>& match, std::size_t from = 0) {
  return server.waitNotification("sync/status", match, from);
}

inline bool allSynced(const json& status) { return status["state"] == "synced" && status["pending"] == 0; }

/// sync/now, which must end synced.
inline void syncNow(ServerProcess& server) { REQUIRE(server.ok("sync/now", json::object())["state"] == "synced"); }

/// The ids of records (messages, components) as JSON lists them.
inline std::vector<std::string> ids(const json& records) {
  std::vector<std::string> out;
  for (const json& record : records) out.push_back(record["id"]);
  return out;
}

/// Every change the backend holds for the token's user: "kind:session:id".
inline std::vector<std::string> backendChanges(const Backend& backend, const std::string& token) {
  const std::string access = backend.signIn(token);
  std::vector<std::string> changes;
  std::int64_t since = 0;
  for (;;) {
    auto reply = backend.call("GET", "/api/changes?since=" + std::to_string(since) + "&limit=1000", access);
    REQUIRE(reply.status == 200);
    const json page = reply.json();
    for (const json& change : page["changes"]) {
      std::string id = change["record"].is_object() && change["record"].contains("id")
                           ? change["record"]["id"].get<std::string>()
                           : "";
      changes.push_back(change["kind"].get<std::string>() + ":" + change["session_id"].get<std::string>() +
                        (id.empty() ? "" : ":" + id));
    }
    since = page["next"];
    if (!page["has_more"].get<bool>()) return changes;
  }
}

inline std::vector<std::string> messageChanges(const std::string& session, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) out.push_back("message:" + session + ":" + id);
  return out;
}

/// The ids of a session's messages in `session/export`, in its order.
inline std::vector<std::string> exportedMessageIds(ServerProcess& server, const std::string& session) {
  const json document = server.ok("session/export", {{"sessionId", session}})["document"];
  std::vector<std::string> out;
  for (const json& message : document["messages"]) out.push_back(message["id"]);
  return out;
}

/// The rows of `table` in the database file `db`, read directly.
inline std::int64_t countRows(const std::string& db, const std::string& table) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT count(*) FROM " + table;
  REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const std::int64_t count = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
  return count;
}

inline std::int64_t outboxRows(const std::string& db) { return countRows(db, "outbox"); }

/// Another device stored message `id` in `session` first, with other
/// content: the same id written here gets 409 (the backend runs just for it).
inline void storedElsewhere(const std::string& backendDb, const std::string& token, const std::string& session,
                            const std::string& id) {
  Backend backend(backendDb);
  const std::string access = backend.signIn(token);
  const json message{{"id", id}, {"role", "user"}, {"content", "theirs"}};
  REQUIRE(backend.call("POST", "/api/sessions/" + session + "/messages", access, message).status == 201);
}

struct World {
  TempDir dir;
  std::string backendDb = dir.file("backend.db");
  std::string db = dir.file("editor.db");
  std::string token = addUser(backendDb, "alice");
};

}  // namespace aieditor::test::sync
