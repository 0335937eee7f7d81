// Private: the asio side of EventLoop, shared by the files that do I/O.
#pragma once

#include <asio.hpp>
#include <optional>

#include "rpc/EventLoop.h"

namespace aieditor::server {

struct EventLoop::Impl {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> keepAlive = asio::make_work_guard(io);
  std::optional<asio::signal_set> signals;
  std::function<void(int)> onInterrupt;

  void awaitSignal() {
    signals->async_wait([this](const asio::error_code& ec, int signal) {
      if (ec) return;
      onInterrupt(signal);
      awaitSignal();
    });
  }
};

}  // namespace aieditor::server
