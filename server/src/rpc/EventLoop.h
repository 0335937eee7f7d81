// The single-threaded event loop everything runs on (asio's io_context,
// kept out of this header).
#pragma once

#include <memory>

#include "common/Scheduler.h"

namespace aieditor::server {

class EventLoop final : public Scheduler {
 public:
  EventLoop();
  ~EventLoop() override;
  void post(std::function<void()> work) override;
  void after(std::chrono::milliseconds delay, std::function<void()> work) override;
  /// Runs handlers until `stop()`.
  void run();
  /// Runs one handler, waiting for it if none is ready; false when there was
  /// nothing left to wait for (no work pending, or stopped).
  bool runOne();
  void stop();
  /// Calls `handler` on the loop when SIGINT or SIGTERM arrives (every time).
  void onInterrupt(std::function<void(int signal)> handler);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace aieditor::server
