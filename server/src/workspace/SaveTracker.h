// Per-session save state and write queue.
//
// Every write of a session goes through its tracker to the storage thread.
// The client hears each change of state: `saving` while a write is on its
// way, `saved` once nothing is, `failed` while a write that the database
// refused for storage reasons (a full disk, a lock held past the busy
// timeout) is kept here. A kept write is never dropped: it is replayed, in
// order, before the session's next write and on every retry(), and runs once
// per attempt. Writes refused for bad input are not kept.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "aieditor/protocol/Protocol.h"
#include "store/StorageThread.h"
#include "workspace/Events.h"

namespace aieditor::server {

class SaveTracker {
 public:
  using Work = StorageThread::Work;
  /// The write's first outcome: durable, refused, or failed and kept.
  using Done = std::function<void(StoreResult<void>)>;

  /// `changed` runs after every outcome (the Workspace settles its stores).
  SaveTracker(std::string sessionId, Events&, StorageThread&, std::function<void()> changed);
  SaveTracker(const SaveTracker&) = delete;
  SaveTracker& operator=(const SaveTracker&) = delete;

  /// Sends `work` to the storage thread, after the kept writes.
  void write(Work work, Done done);
  /// Replays the kept writes, unless some are already on their way.
  void retry();
  /// Writes on their way to the storage thread, or kept after a failure.
  bool busy() const { return inFlight_ > 0 || !kept_.empty(); }
  /// Writes on their way to the storage thread.
  bool writing() const { return inFlight_ > 0; }
  bool hasKept() const { return !kept_.empty(); }
  /// Writes are kept because SQLite found the file read-only: the next retry
  /// needs the connections opened again (see StorageThread).
  bool keptReadOnly() const { return !kept_.empty() && readOnly_; }
  /// A session read back from the database is saved as of its last update.
  void loaded(protocol::Timestamp lastUpdate);
  const protocol::PersistenceStatus& status() const { return status_; }

 private:
  struct Write {
    Work work;
    Done done;  ///< null once the first outcome has been reported
  };
  void send(std::deque<Write> writes, bool resume);
  void finished(Write write, StoreResult<void> result);
  void set(protocol::SaveState, std::optional<std::string> error, bool committed = false);

  Events& events_;
  StorageThread& storage_;
  std::function<void()> changed_;
  std::deque<Write> kept_;
  std::size_t inFlight_ = 0;
  bool readOnly_ = false;  ///< the last storage failure was a read-only file
  protocol::PersistenceStatus status_;
};

}  // namespace aieditor::server
