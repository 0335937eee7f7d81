// Per-session save state, and what the logic tells the client unasked.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "aieditor/protocol/Protocol.h"
#include "store/Store.h"
#include "workspace/Events.h"

namespace aieditor::server {

/// Per-session save state. A write that fails is kept here and retried, so
/// nothing is dropped; the client hears every change of state.
class SaveTracker {
 public:
  using Write = std::function<StoreResult<void>()>;
  SaveTracker(std::string sessionId, Events&);
  /// Retries pending writes first (in order), then runs `write`. On failure
  /// `write` joins the pending queue and the error is returned.
  StoreResult<void> run(Write write);
  /// Retries pending writes; true when none remain.
  bool retry();
  /// Reports "saving" ahead of a write (before the group's lock is taken).
  void saving();
  /// Group commit: runs `write` inside the open group, reporting "saving";
  /// "saved" waits for committed(). Returns the write's own failure.
  StoreResult<void> runInGroup(const Write& write);
  bool hasPending() const { return !pending_.empty(); }
  void committed();
  /// The group's commit failed: the write is queued for a retry.
  void requeue(Write write, const std::string& error);
  /// A session read back from the database is saved as of its last update.
  void loaded(protocol::Timestamp lastUpdate);
  const protocol::PersistenceStatus& status() const { return status_; }

 private:
  void set(protocol::SaveState, std::optional<std::string> error);
  std::deque<Write> pending_;
  protocol::PersistenceStatus status_;
  Events& events_;
};

}  // namespace aieditor::server
