#include "EventHub.h"

namespace aieditor::backend {

EventHub::Feed& EventHub::feed(std::int64_t userId) {
  auto& slot = feeds_[userId];
  if (!slot) slot = std::make_unique<Feed>();
  return *slot;
}

void EventHub::publish(const ChangeNotice& notice) {
  std::lock_guard lock(mutex_);
  Feed& f = feed(notice.userId);
  if (notice.seq <= f.latest) return;  // heard already (a replayed notice)
  // A gap means notices were lost (a dropped LISTEN connection): the tail can
  // no longer prove it is complete, so streams behind this one read the log.
  if (f.latest != 0 && notice.seq != f.latest + 1) f.tail.clear();
  f.latest = notice.seq;
  f.tail.push_back(notice);
  if (f.tail.size() > tailPerUser_) f.tail.pop_front();
  f.changed.notify_all();
}

EventHub::Wake EventHub::waitAfter(std::int64_t userId, std::int64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  Feed& f = feed(userId);
  f.changed.wait_for(lock, timeout, [&] { return closing_ || f.latest > after; });
  Wake wake;
  if (closing_) return wake.closing = true, wake;
  if (f.latest <= after) return wake;  // timed out
  if (f.tail.empty() || f.tail.front().seq > after + 1) return wake.readLog = true, wake;
  for (const auto& notice : f.tail)
    if (notice.seq > after) wake.notices.push_back(notice);
  return wake;
}

void EventHub::close() {
  std::lock_guard lock(mutex_);
  closing_ = true;
  for (auto& [user, f] : feeds_) f->changed.notify_all();
}

bool EventHub::openStream(std::size_t limit) {
  std::lock_guard lock(mutex_);
  if (streams_ >= limit) return false;
  ++streams_;
  return true;
}

void EventHub::closeStream() {
  std::lock_guard lock(mutex_);
  --streams_;
}

}  // namespace aieditor::backend
