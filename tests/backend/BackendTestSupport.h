// The real aieditor-backend as a child process (tests/support/ServerProcess.h
// in plain-text mode), spoken to over HTTP with libcurl, and raw sockets for
// the clients curl will not be (slow, lying about their size).
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ServerProcess.h"

namespace aieditor::test {

struct HttpReply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< names in lower case
  nlohmann::json json() const;
  std::string header(const std::string& lowerName) const;
};

/// One HTTP request through libcurl; nullopt when the transfer failed (no
/// Catch2 macros inside, so other threads may call it).
std::optional<HttpReply> tryHttpRequest(const std::string& method, const std::string& url, const std::string& body,
                                        const std::vector<std::string>& headers,
                                        const std::string& contentType = "application/json");
/// One HTTP request through libcurl that must get a reply. `contentType` is sent when a body is.
HttpReply httpRequest(const std::string& method, const std::string& url, const std::string& body = "",
                      const std::vector<std::string>& headers = {},
                      const std::string& contentType = "application/json");

/// The storage the suite runs on. CTest registers it twice (tests/CMakeLists.txt):
/// on SQLite files, and on PostgreSQL when AIEDITOR_TEST_POSTGRES names the
/// conninfo file that tests/backend/postgres.sh wrote for its cluster.
bool onPostgres();
/// "sqlite" or "postgres", as /healthz names them.
std::string storageEngine();
/// The options naming the storage for `db`, a file in a test's TempDir:
/// `--db db`, or on PostgreSQL `--postgres CONNINFO` of a database made
/// fresh for that path on its first use (one per test, one cluster for all).
std::vector<std::string> storageArgs(const std::string& db);
/// Ends every server connection to the PostgreSQL database of `db`
/// (pg_terminate_backend), as a server restart or a network cut would; how many.
int terminatePostgresConnections(const std::string& db);
/// `args` followed by storageArgs(db).
std::vector<std::string> withStorage(std::vector<std::string> args, const std::string& db);

/// Runs `aieditor-backend ARGS...` to its end; stdout, and the exit code.
struct CliRun {
  int code = 0;
  std::string out;
  std::string err;
  /// The last non-empty line of stdout (where sign-in tokens are printed).
  std::string lastLine() const;
};
CliRun runBackendCli(std::vector<std::string> args);

/// `aieditor-backend serve` on 127.0.0.1, a free port, the storage for `db` (storageArgs).
class Backend {
 public:
  explicit Backend(const std::string& db, std::vector<std::string> extraArgs = {},
                   std::map<std::string, std::string> environment = {});
  /// `count` nodes on one storage, all started before any is waited for (so
  /// that they create the schema at the same time).
  static std::vector<std::unique_ptr<Backend>> startTogether(const std::string& db, int count,
                                                             std::vector<std::string> extraArgs = {});
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  ServerProcess& process() { return *process_; }

  /// An access token for a sign-in token (POST /api/auth/token must succeed).
  std::string signIn(const std::string& signInToken) const;
  /// A request with `Authorization: Bearer <accessToken>`.
  HttpReply call(const std::string& method, const std::string& path, const std::string& accessToken,
                 const nlohmann::json& body = nullptr) const;

 private:
  struct Spawned {};
  Backend(Spawned, const std::string& db, std::vector<std::string> extraArgs,
          std::map<std::string, std::string> environment);
  /// Reads the "listening on" line: the URL and port.
  void awaitListening();
  std::unique_ptr<ServerProcess> process_;
  std::string url_;
  int port_ = 0;
};

/// A user made with the CLI; returns its sign-in token.
std::string addUser(const std::string& db, const std::string& name);

/// A TCP connection to 127.0.0.1:port for hand-written requests.
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  /// Writes all of `bytes`; false when the server has closed the connection.
  bool send(const std::string& bytes);
  /// Reads until a whole response (headers and Content-Length body) or the
  /// connection's end has arrived, for at most `limitSeconds`.
  std::string readResponse(int limitSeconds = 20);
  void close();

 private:
  int fd_ = -1;
};

/// The status code of a raw response ("HTTP/1.1 413 ..." → 413), 0 when none.
int statusOf(const std::string& rawResponse);

/// `PRAGMA integrity_check` on a database file: "ok" when it is sound (SQLite only).
std::string integrityCheck(const std::string& db);

}  // namespace aieditor::test
