#include "rpc/EventLoopImpl.h"

namespace aieditor::server {

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

void EventLoop::post(std::function<void()> work) { asio::post(impl_->io, std::move(work)); }

void EventLoop::after(std::chrono::milliseconds delay, std::function<void()> work) {
  if (delay.count() <= 0) return post(std::move(work));
  auto timer = std::make_shared<asio::steady_timer>(impl_->io, delay);
  timer->async_wait([timer, work = std::move(work)](const asio::error_code& ec) {
    if (!ec) work();
  });
}

void EventLoop::run() {
  impl_->io.restart();
  impl_->io.run();
}

bool EventLoop::runOne() { return impl_->io.run_one() > 0; }

void EventLoop::stop() { impl_->io.stop(); }

void EventLoop::onInterrupt(std::function<void(int signal)> handler) {
  impl_->onInterrupt = std::move(handler);
  if (impl_->signals) return;
  impl_->signals.emplace(impl_->io, SIGINT, SIGTERM);
  impl_->awaitSignal();
}

}  // namespace aieditor::server
