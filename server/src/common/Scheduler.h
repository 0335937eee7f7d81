// Where deferred work runs: the server's single event-loop thread.
// Keeps asio out of the logic; EventLoop.cpp implements it.
#pragma once

#include <chrono>
#include <functional>

namespace aieditor::server {

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// Runs `work` soon on the loop thread. Safe to call from any thread.
  virtual void post(std::function<void()> work) = 0;
  /// Runs `work` on the loop thread after `delay`.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> work) = 0;
};

}  // namespace aieditor::server
