// The live side of sync: holds GET /api/events (server-sent events) open on
// a thread of its own, beside the sync thread, and tells it to pull on each
// change event, on `event: reset` (the backend was restored; the pull sees
// it and uploads everything again) and each time the stream (re)connects,
// so nothing sent while it was down is missed. It reconnects with backoff
// (full jitter) and Last-Event-ID. Stopping aborts the transfer at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "sync/SyncSettings.h"

namespace aieditor::server {

/// Reads server-sent events from a byte stream, in whatever pieces it
/// arrives; `dispatch` hears each event's type (`message` when none) and id.
class EventParser {
 public:
  using Dispatch = std::function<void(const std::string& type, const std::optional<std::string>& id)>;
  explicit EventParser(Dispatch dispatch) : dispatch_(std::move(dispatch)) {}
  void feed(std::string_view bytes);

 private:
  void line(std::string_view);
  Dispatch dispatch_;
  std::string partial_;  ///< an unfinished line
  std::string type_;
  std::optional<std::string> id_;
  bool data_ = false;  ///< the event has a data line (one without is not dispatched)
};

class EventStream {
 public:
  struct Options {
    SyncSettings settings;
    std::chrono::milliseconds backoffBase{500};
    std::chrono::milliseconds backoffCap{60'000};
    std::chrono::milliseconds quiet{45'000};  ///< three heartbeats missed: the stream is dead
    std::chrono::milliseconds requestTimeout{30'000};
  };
  /// `pull` runs on the stream's thread: it must only wake the sync thread.
  EventStream(Options, std::function<void()> pull);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;
  /// The backend answers again: a reconnection waiting out its backoff starts now.
  void reachable();

 private:
  void run();
  /// One connection, until it ends; true when it got as far as a 200.
  bool listen();
  /// Waits `delay` unless stopped first; false when stopped.
  bool pause(std::chrono::milliseconds delay);

  Options options_;
  std::function<void()> pull_;
  std::string accessToken_;
  std::optional<std::string> lastEventId_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  bool reachable_ = false;  ///< under mutex_: end the pause
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace aieditor::server
