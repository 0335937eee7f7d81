// The NOTIFY side of the change feed: writes hand their committed changes to
// one Notifier per node, whose thread sends every notice queued by then in
// one autocommitted statement on a connection of its own, with
// synchronous_commit off. So a write's own round trips stay one statement,
// and PostgreSQL takes its NOTIFY lock (held through the flush of every
// committing NOTIFY transaction) once per batch instead of once per write.
// Notices of a batch go out sorted by user and seq. A notice lost here (a
// crash, a dropped connection) is what listeners resync from (Storage.h).
#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "Pool.h"
#include "Storage.h"

namespace aieditor::backend::pg {

class Notifier {
 public:
  explicit Notifier(const Pool& pool);
  /// Sends what is queued, then stops.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Queues committed changes; never waits for the database.
  void announce(std::vector<ChangeNotice> notices);

 private:
  void run();
  /// Sends `batch` as one statement; false when the connection failed.
  bool send(Connection& connection, std::vector<ChangeNotice>& batch);

  const Pool& pool_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::vector<ChangeNotice> queue_;  ///< under mutex_
  bool stopping_ = false;            ///< under mutex_
  std::thread thread_;
};

}  // namespace aieditor::backend::pg
