// The storage thread: the one place the server's writes run.
//
// The event loop never waits for the disk or for another process's lock. It
// queues typed jobs here and hears each result back through the Scheduler,
// in the order the jobs were submitted. The thread owns the write connection
// (a Store used by no other thread) and takes whatever is queued as one
// transaction, each job in its own savepoint, committed once: group commit
// by construction. A result is delivered only after that commit, so a
// success means durable.
//
// Order per key (a session id): after a job with key K fails for storage
// reasons, later jobs with key K are not run, and fail with the same error,
// until a job marked `resume` (the first of a retry round) arrives. A caller
// that keeps failed writes and replays them in order therefore never sees a
// later write of a session land before an earlier one.
//
// Reopening: SQLite shares one -shm mapping per file per process, so a
// connection opened on read-only files stays read-only while any other
// connection of the process to the file is open. A reopen job closes the
// write connection and opens it again, in queue order; the caller closes its
// read connection first.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/Scheduler.h"
#include "store/Store.h"

namespace aieditor::server {

class StorageThread {
 public:
  /// Runs on the storage thread, inside the batch's transaction.
  using Work = std::function<StoreResult<void>(Store&)>;
  /// Runs on the loop thread once the batch has committed (or failed).
  using Done = std::function<void(StoreResult<void>)>;
  /// Opens a connection to the database (the write connection, here).
  using Opener = std::function<StoreResult<std::unique_ptr<Store>>()>;
  struct Job {
    std::string key;
    Work work;
    Done done;
    bool resume = false;  ///< the first job of a retry round for `key`
  };

  StorageThread(std::unique_ptr<Store> writer, Scheduler&);
  /// finish()es.
  ~StorageThread();
  StorageThread(const StorageThread&) = delete;
  StorageThread& operator=(const StorageThread&) = delete;

  /// Queues jobs to run in this order, in one batch or later ones.
  void submit(std::vector<Job>);
  /// After the jobs queued so far, closes the write connection and opens it
  /// again with `open`; `done` hears how that went, on the loop. Until a
  /// connection opens, jobs fail with the reason (another open is tried
  /// before each batch).
  void reopen(Opener open, Done done);
  /// Runs everything queued, stops the thread, and delivers the results not
  /// yet delivered on the calling thread (the loop's), so none is lost at
  /// exit; submissions those results' callbacks make fail at once and are
  /// delivered too. Later submissions fail at once.
  void finish();

 private:
  struct Shared;
  /// A queued job, or a reopen when the Opener is set.
  using Entry = std::pair<Job, Opener>;
  void run();
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace aieditor::server
