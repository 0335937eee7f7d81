// The benchmark's side of HTTP: one keep-alive connection per HttpClient
// (one libcurl easy handle, reused), and the real aieditor-backend as a child.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "process.h"

namespace bench {

struct HttpReply {
  long status = 0;  ///< 0 when the transfer failed (see error)
  std::string body;
  std::string error;
};

/// One client: one curl easy handle, so one kept-alive connection, used by one thread.
class HttpClient {
 public:
  explicit HttpClient(std::string baseUrl, const std::string& bearer = "");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpReply get(const std::string& path);
  HttpReply post(const std::string& path, const std::string& jsonBody);

 private:
  HttpReply perform(const std::string& path);
  std::string base_;
  void* curl_ = nullptr;           // CURL*
  void* headers_ = nullptr;        // curl_slist*
  std::string received_;
};

/// `aieditor-backend serve` on 127.0.0.1, a free port, a database or a PostgreSQL conninfo.
class BackendProcess {
 public:
  /// Starts it and waits (at most 20 s) for its `listening on` line.
  static std::optional<BackendProcess> start(const std::string& binary, const std::vector<std::string>& storageArgs,
                                             int maxConnections, const std::string& stderrPath, std::string& error);
  BackendProcess(BackendProcess&& other) noexcept
      : child_(std::exchange(other.child_, std::nullopt)), url_(std::move(other.url_)) {}
  BackendProcess& operator=(BackendProcess&&) = delete;
  ~BackendProcess();

  const std::string& url() const { return url_; }
  /// The CPU time (user + system) the server has used so far, in seconds.
  double cpuSeconds() const;
  /// SIGTERM (it drains and exits 0), SIGKILL after 10 s.
  void stop();

 private:
  BackendProcess() = default;
  std::optional<Child> child_;
  std::string url_;
};

/// `aieditor-backend user add NAME STORAGE...`: the new sign-in token, or nullopt and `error`.
std::optional<std::string> addUser(const std::string& binary, const std::vector<std::string>& storageArgs,
                                   const std::string& name, std::string& error);
/// POST /api/auth/token: an access token for a sign-in token.
std::optional<std::string> signIn(const std::string& url, const std::string& signInToken, std::string& error);

}  // namespace bench
