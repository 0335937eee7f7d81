// The command line's way to the server: the real LspServer run in this
// process and spoken to in JSON-RPC, the same path an editor takes, without
// the pipe. Also what every command does first and last (start, stop) and
// how it reports a failure.
#pragma once

#include <expected>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "rpc/EventLoop.h"
#include "rpc/LspServer.h"

namespace aieditor::server {

class LocalClient {
 public:
  explicit LocalClient(const ServerOptions& options);

  /// Hears the server's notifications, on this thread, while a call waits.
  std::function<void(const std::string& method, const nlohmann::json& params)> onNotification;

  /// Sends a request and waits for its reply; the error message on failure.
  std::expected<nlohmann::json, std::string> call(const std::string& method, nlohmann::json params);
  /// Sends a request; its id, for wait().
  int send(const std::string& method, nlohmann::json params);
  /// Waits for the reply to `id`. Never forever: an answer without a
  /// readable id, or a loop with nothing left to run, ends the wait.
  std::expected<nlohmann::json, std::string> wait(int id);
  void notify(const std::string& method, nlohmann::json params);

  void onInterrupt(std::function<void(int)> handler) { loop_.onInterrupt(std::move(handler)); }

  /// Takes SIGINT and SIGTERM from now on, calls `ready`, then runs the
  /// loop (writes of this process and timers) until one of them arrives.
  void serveUntilInterrupted(const std::function<void()>& ready) {
    loop_.onInterrupt([this](int) { interrupted_ = true; });
    ready();
    while (!interrupted_ && loop_.runOne()) {
    }
  }

  /// Stops the server: replies still streaming are saved as interrupted and
  /// the last writes finish. Its exit code: 0 after shutdown with every
  /// write saved, else 1 (the server logs writes lost to stderr).
  int close() { return server_.close(); }

 private:
  void outgoing(const std::string& body);

  EventLoop loop_;
  LspServer server_;
  int nextId_ = 1;
  // Reply bodies as JSON text (keeps json.hpp out of this header).
  std::map<int, std::string> responses_;
  std::optional<std::string> stray_;  ///< a reply without a readable id
  bool interrupted_ = false;
};

/// Prints "aieditor: message" to stderr; the exit code 1.
int fail(const std::string& message);

/// Starts a local server session: initialize + initialized; the initialize result.
std::expected<nlohmann::json, std::string> start(LocalClient& client);

/// Ends a command that did its work: its exit code is the server's, so a
/// write lost at exit fails the command.
int stop(LocalClient& client);

}  // namespace aieditor::server
