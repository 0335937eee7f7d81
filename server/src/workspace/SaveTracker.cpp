#include "workspace/SaveTracker.h"

#include "common/Ids.h"

namespace aieditor::server {

using protocol::SaveState;

SaveTracker::SaveTracker(std::string sessionId, Events& events) : events_(events) {
  status_.sessionId = std::move(sessionId);
}

void SaveTracker::set(SaveState state, std::optional<std::string> error) {
  const auto pending = static_cast<std::int64_t>(pending_.size());
  // Saving while already saving is no change: the client hears changes only.
  if (state == SaveState::Saving && status_.state == state && status_.error == error &&
      status_.pendingWrites == pending)
    return;
  status_.state = state;
  status_.error = std::move(error);
  status_.pendingWrites = pending;
  if (state == SaveState::Saved) status_.lastSavedAt = now();
  events_.status(status_);
}

void SaveTracker::saving() { set(SaveState::Saving, std::nullopt); }

StoreResult<void> SaveTracker::runInGroup(const Write& write) {
  saving();
  auto done = write();
  if (!done && done.error().kind != StoreError::Kind::Storage && status_.state == SaveState::Saving)
    set(status_.lastSavedAt ? SaveState::Saved : SaveState::NotSaved, std::nullopt);
  return done;
}

void SaveTracker::committed() {
  if (status_.state == SaveState::Saving) set(SaveState::Saved, std::nullopt);
}

void SaveTracker::requeue(Write write, const std::string& error) {
  pending_.push_back(std::move(write));
  set(SaveState::Failed, error);
}

void SaveTracker::loaded(Timestamp lastUpdate) {
  if (status_.state != SaveState::NotSaved || !pending_.empty()) return;
  status_.state = SaveState::Saved;
  status_.lastSavedAt = lastUpdate;
  events_.status(status_);
}

bool SaveTracker::retry() {
  if (pending_.empty()) return true;
  set(SaveState::Saving, std::nullopt);
  while (!pending_.empty()) {
    if (auto done = pending_.front()(); !done) {
      set(SaveState::Failed, done.error().message);
      return false;
    }
    pending_.pop_front();
  }
  set(SaveState::Saved, std::nullopt);
  return true;
}

StoreResult<void> SaveTracker::run(Write write) {
  set(SaveState::Saving, std::nullopt);
  // Older writes go first so the database keeps the order the user saw.
  while (!pending_.empty()) {
    if (auto done = pending_.front()(); !done) break;
    pending_.pop_front();
  }
  if (pending_.empty()) {
    auto done = write();
    if (done) {
      set(SaveState::Saved, std::nullopt);
      return done;
    }
    // A write that can never succeed (bad input) is not worth keeping.
    if (done.error().kind != StoreError::Kind::Storage) {
      set(status_.lastSavedAt ? SaveState::Saved : SaveState::NotSaved, std::nullopt);
      return done;
    }
    pending_.push_back(std::move(write));
    set(SaveState::Failed, done.error().message);
    return done;
  }
  auto error = pending_.front()();
  pending_.push_back(std::move(write));
  std::string message = error ? std::string("an earlier write is still pending") : error.error().message;
  set(SaveState::Failed, message);
  return std::unexpected(StoreError{StoreError::Kind::Storage, message});
}

}  // namespace aieditor::server
