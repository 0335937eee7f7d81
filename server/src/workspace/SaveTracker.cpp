#include "workspace/SaveTracker.h"

#include <memory>
#include <utility>

#include "common/Ids.h"

namespace aieditor::server {

using protocol::SaveState;

SaveTracker::SaveTracker(std::string sessionId, Events& events, StorageThread& storage,
                         std::function<void()> changed)
    : events_(events), storage_(storage), changed_(std::move(changed)) {
  status_.sessionId = std::move(sessionId);
}

void SaveTracker::set(SaveState state, std::optional<std::string> error, bool committed) {
  const auto kept = static_cast<std::int64_t>(kept_.size());
  // The client hears changes only; each commit is one (a new lastSavedAt).
  if (!committed && status_.state == state && status_.error == error && status_.pendingWrites == kept) return;
  status_.state = state;
  status_.error = std::move(error);
  status_.pendingWrites = kept;
  if (committed) status_.lastSavedAt = now();
  events_.status(status_);
}

void SaveTracker::write(Work work, Done done) {
  std::deque<Write> writes;
  // Kept writes go first, so the database keeps the order the user saw.
  const bool replay = !kept_.empty() && inFlight_ == 0;
  if (replay) writes.swap(kept_);
  writes.push_back({std::move(work), std::move(done)});
  send(std::move(writes), replay);
}

void SaveTracker::retry() {
  if (kept_.empty() || inFlight_ > 0) return;
  std::deque<Write> writes;
  writes.swap(kept_);
  send(std::move(writes), true);
}

void SaveTracker::send(std::deque<Write> writes, bool resume) {
  inFlight_ += writes.size();
  set(SaveState::Saving, std::nullopt);
  std::vector<StorageThread::Job> jobs;
  jobs.reserve(writes.size());
  for (auto& write : writes) {
    // The job owns its write until the outcome hands it back: a failed one
    // is kept whole and replayed, never run a second time to read its error.
    auto owned = std::make_shared<Write>(std::move(write));
    jobs.push_back({status_.sessionId, owned->work,
                    [this, owned](StoreResult<void> result) { finished(std::move(*owned), std::move(result)); },
                    resume && jobs.empty()});
  }
  storage_.submit(std::move(jobs));
}

void SaveTracker::finished(Write write, StoreResult<void> result) {
  --inFlight_;
  const bool storageFailure = !result && result.error().kind == StoreError::Kind::Storage;
  Done done = std::exchange(write.done, nullptr);
  if (storageFailure) {
    kept_.push_back(std::move(write));
    readOnly_ = result.error().readOnly;
  }
  if (!kept_.empty()) set(SaveState::Failed, storageFailure ? result.error().message : status_.error);
  else if (inFlight_ == 0 && result) set(SaveState::Saved, std::nullopt, true);
  else if (inFlight_ == 0) set(status_.lastSavedAt ? SaveState::Saved : SaveState::NotSaved, std::nullopt);
  if (done) done(std::move(result));
  if (changed_) changed_();
}

void SaveTracker::loaded(protocol::Timestamp lastUpdate) {
  if (status_.state != SaveState::NotSaved || busy()) return;
  status_.state = SaveState::Saved;
  status_.lastSavedAt = lastUpdate;
  events_.status(status_);
}

}  // namespace aieditor::server
