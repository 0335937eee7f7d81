// The in-process test tier: LspServer, Workspace and the storage thread in
// the test's own process, on a scheduler the test drives by hand.
//
// Work posted from any thread (the storage thread's results) waits in a
// queue until the test runs it; timers fire only when the test advances the
// scheduler's clock. So a test decides exactly when a retry happens, and
// waits for the storage thread on a condition variable, never a sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/Scheduler.h"
#include "rpc/LspServer.h"

namespace aieditor::test {

using nlohmann::json;

class ManualScheduler final : public server::Scheduler {
 public:
  void post(std::function<void()> work) override;
  void after(std::chrono::milliseconds delay, std::function<void()> work) override;
  /// Runs what is queued now (and what that queues); false if nothing was.
  bool runReady();
  /// Runs posted work until `done()` holds, waiting for other threads'
  /// posts; fails the test after a generous safety limit.
  void runUntil(const std::function<bool()>& done);
  /// Moves the clock on and fires the timers that fall due.
  void advance(std::chrono::milliseconds);
  std::size_t timers() const { return timers_.size(); }

 private:
  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> ready_;
  std::chrono::milliseconds now_{0};
  std::multimap<std::chrono::milliseconds, std::function<void()>> timers_;  ///< loop thread only
};

/// A client of an in-process LspServer: frames in, frames out, typed waits.
class InProcessClient {
 public:
  explicit InProcessClient(server::ServerOptions);
  ~InProcessClient();

  json initialize(const json& initializationOptions = json::object());
  long send(const std::string& method, const json& params);
  /// Runs the scheduler until the response to `id` is there.
  json wait(long id);
  json call(const std::string& method, const json& params) { return wait(send(method, params)); }
  json ok(const std::string& method, const json& params);
  bool answered(long id) const { return responses_.contains(id); }
  void notify(const std::string& method, const json& params);
  /// Runs the scheduler until a notification from `from` on matches.
  json waitNotification(const std::string& method, const std::function<bool(const json&)>& match,
                        std::size_t from = 0);
  const std::vector<json>& notifications() const { return notifications_; }
  ManualScheduler& scheduler() { return scheduler_; }
  /// Ends the server as the transport does at end of input.
  void stop();

 private:
  ManualScheduler scheduler_;
  std::unique_ptr<server::LspServer> server_;
  long nextId_ = 1;
  std::map<long, json> responses_;
  std::vector<json> notifications_;
};

}  // namespace aieditor::test
