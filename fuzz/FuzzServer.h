// The fuzz targets' server: the real LspServer, Workspace and storage thread
// in the fuzzer's process, on a scheduler the harness drives, with the
// offline provider and an empty SQLite database per input (one file on
// /dev/shm when there is one, so a commit's sync costs nothing, emptied
// between inputs).
//
// Timers run in virtual time: when nothing is ready the clock jumps to the
// next one, so an offline reply streams at once. `settle()` ends with a
// barrier, a write the storage thread answers after every one queued before
// it, so the deferred replies of an input run before the server goes; what is
// still on its way then is finished by the Workspace's destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/Scheduler.h"
#include "rpc/LspServer.h"

namespace aieditor::fuzz {

class FuzzScheduler final : public server::Scheduler {
 public:
  void post(std::function<void()> work) override;
  void after(std::chrono::milliseconds delay, std::function<void()> work) override;
  /// Runs what is ready, then due timers, jumping the clock; false if idle.
  bool step();
  /// Blocks until another thread posts something.
  void waitForPost();
  /// Drops what never ran (the server is gone).
  void clear();

 private:
  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> ready_;
  std::chrono::milliseconds now_{0};
  std::multimap<std::chrono::milliseconds, std::function<void()>> timers_;
};

/// One server for one input: initialized, fed frames, settled, torn down.
class FuzzServer {
 public:
  FuzzServer();
  ~FuzzServer();

  /// Hands one frame body to the server and runs what it made ready.
  void receive(std::string_view body);
  /// Feeds raw bytes through the LSP frame decoder, as the stdio transport does.
  void feedStream(std::string_view bytes);
  /// Runs the server until its writes are durable and its replies sent.
  void settle();
  /// Sends a request and settles until it is answered; returns the response.
  nlohmann::json call(const std::string& method, const nlohmann::json& params);
  /// Every response and notification the server sent, parsed.
  const std::vector<nlohmann::json>& sent() const { return sent_; }
  bool exited() const { return exited_; }

 private:
  FuzzScheduler scheduler_;
  std::string databasePath_;
  std::unique_ptr<server::LspServer> server_;
  std::vector<nlohmann::json> sent_;
  bool exited_ = false;
  int nextId_ = 0;
};

}  // namespace aieditor::fuzz
