// The live side of GET /api/events. The storage's change listener publishes
// every committed change here; each open event stream waits here for its
// user's next one. A short tail of recent changes is kept per user, so a
// stream that keeps up never reads storage; a stream that fell behind the
// tail, or a gap left by a lost notice, is told to read the change log.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "Storage.h"

namespace aieditor::backend {

class EventHub {
 public:
  explicit EventHub(std::size_t tailPerUser = 512) : tailPerUser_(tailPerUser) {}

  /// A committed change (from the storage's listener; never blocks for long).
  void publish(const ChangeNotice&);

  struct Wake {
    std::vector<ChangeNotice> notices;  ///< the user's changes after `after`, in seq order
    bool readLog = false;               ///< newer changes exist that the tail cannot give
    bool closing = false;               ///< the server is stopping
  };
  /// Returns at once when the user has changes after `after`, else waits for
  /// one, for `timeout`, or for close(); a timeout returns an empty Wake.
  Wake waitAfter(std::int64_t userId, std::int64_t after, std::chrono::milliseconds timeout);

  /// Ends every wait, now and later: the server is stopping.
  void close();

  /// Takes one of `limit` stream slots; false when all are taken.
  bool openStream(std::size_t limit);
  void closeStream();

 private:
  struct Feed {
    std::int64_t latest = 0;             ///< the newest seq heard of
    std::deque<ChangeNotice> tail;       ///< contiguous seqs ending at `latest`
    std::condition_variable changed;
  };
  Feed& feed(std::int64_t userId);  // under mutex_

  const std::size_t tailPerUser_;
  std::mutex mutex_;
  std::map<std::int64_t, std::unique_ptr<Feed>> feeds_;
  bool closing_ = false;
  std::size_t streams_ = 0;
};

}  // namespace aieditor::backend
