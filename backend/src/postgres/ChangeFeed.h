// LISTEN/NOTIFY: every write's transaction NOTIFYs its change on one channel
// (payload: user, seq, session id, kind as JSON, far below PostgreSQL's 8000
// bytes since session ids are at most 128 characters), and one thread per
// node LISTENs on a connection of its own and hands every notice, from this
// node and every other, to the storage's ChangeListener. PostgreSQL delivers
// notices after their commit, in commit order, so a user's arrive in seq order.
//
// The thread waits on the connection's socket with poll() and a short timeout
// so it stops promptly; a lost connection is reopened with growing pauses.
// Notices sent while it was away are lost; listeners resync (Storage.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "Pool.h"
#include "Storage.h"

namespace aieditor::backend::pg {

inline constexpr const char* kChangeChannel = "aieditor_changes";

/// The notice a change's payload describes; nullopt for a payload not ours.
std::optional<ChangeNotice> parseChangePayload(const std::string& payload);

class ChangeFeed {
 public:
  /// Starts listening and returns once the first LISTEN has succeeded or failed.
  ChangeFeed(const Pool& pool, ChangeListener listener);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

 private:
  void run();
  /// Hears notices on `connection` until it breaks or the feed stops.
  void listen(Connection& connection);
  /// Waits `pause` unless the feed stops first.
  void pauseUnlessStopped(std::chrono::milliseconds pause);

  const Pool& pool_;
  ChangeListener listener_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool firstTryDone_ = false;  ///< under mutex_
  std::thread thread_;
};

}  // namespace aieditor::backend::pg
