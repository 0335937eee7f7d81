// The protocol layer: turns JSON-RPC messages into typed Workspace calls and
// results back into JSON, and runs the LSP lifecycle. It knows nothing of
// stdio or sockets: frames come in through receive() and go out via a Sink.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "aieditor/protocol/JsonRpc.h"
#include "common/Scheduler.h"
#include "workspace/Workspace.h"

namespace aieditor::server {

class PreviewHost;

struct ServerOptions {
  /// From --db or AIEDITOR_DB; initializationOptions.databasePath wins over it.
  std::optional<std::string> databasePath;
  /// How long a write waits for another process's lock (tests shorten it).
  std::optional<std::chrono::milliseconds> busyTimeout;
  /// How often failed writes are replayed (tests shorten it).
  std::optional<std::chrono::milliseconds> retryInterval;
  /// false: sync does not start, whatever is configured (CLI commands that
  /// only read the outbox); sync/status then says `disabled`.
  bool startSync = true;
};

/// $XDG_DATA_HOME/aieditor/aieditor.db (or ~/.local/share/...).
std::string defaultDatabasePath();

class LspServer final : public Events {
 public:
  LspServer(ServerOptions, Scheduler&, protocol::Sink out);
  ~LspServer() override;

  /// Handles one frame body.
  void receive(std::string_view body);
  /// Answers a frame the transport could not decode.
  void rejectFrame(std::string_view why);
  /// Called once when the client sends `exit`; close() then gives the exit code.
  std::function<void()> onExit;
  /// For the end of the process (exit, end of input, a signal): saves replies
  /// still streaming as interrupted and lets the last writes finish. Returns
  /// the exit code: 0 after shutdown with every write saved, else 1. Writes
  /// that could not be saved are logged and shown to the client.
  int close();

  void delta(const protocol::ChatDelta&) override;
  void status(const protocol::PersistenceStatus&) override;
  void syncStatus(const protocol::SyncStatus&) override;
  void sessionChanged(const protocol::SessionChanged&) override;

 private:
  /// Binds a method answered at once: `handler(Workspace&, const Params&)`
  /// returns a Result of the method's typed reply.
  template <class Params, class Handler>
  void bind(const char* method, Handler handler);
  /// Binds a method answered later (a write, once durable; a chat, once
  /// streamed and saved): `handler(Workspace&, const Params&, CancelToken,
  /// Callback<Reply>)`.
  template <class Params, class Reply, class Handler>
  void bindDeferred(const char* method, Handler handler);
  void bindMethods();
  void showMessage(protocol::ShowMessageParams::Type, std::string message);

  ServerOptions options_;
  Scheduler& scheduler_;
  protocol::Dispatcher dispatcher_;
  /// The live preview, from the first preview/open on; declared before the
  /// workspace so it outlives the workspace's last write.
  std::unique_ptr<PreviewHost> preview_;
  std::unique_ptr<Workspace> workspace_;
  /// Kept for provider/set and provider/list (the key stays in memory only).
  protocol::InitializationOptions initOptions_;
  bool shutdown_ = false;
  std::optional<int> closedWith_;  ///< close()'s exit code once closed
};

}  // namespace aieditor::server
