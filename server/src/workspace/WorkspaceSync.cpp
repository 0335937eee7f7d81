// Workspace: sync with the team backend as the editor sees it: the status,
// sync/now, sign-in and sign-out, the writes the backend refused, and
// session/changed for what was pulled. The sync thread does the network.
#include <memory>

#include "common/Log.h"
#include "sync/Credentials.h"
#include "sync/SyncThread.h"
#include "workspace/Workspace.h"
#include "workspace/WorkspaceWrites.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::fail;
namespace p = protocol;

void Workspace::startSync() {
  SyncOptions sync{
      .settings = *options_.sync, .databasePath = options_.databasePath, .busyTimeout = options_.busyTimeout};
  sync_ = std::make_unique<SyncThread>(
      std::move(sync), scheduler_,
      [this, alive = std::weak_ptr<bool>(alive_)](p::SyncStatus status) {
        if (!alive.expired()) events_.syncStatus(status);
      },
      [this, alive = std::weak_ptr<bool>(alive_)](std::vector<SessionChange> changes) {
        if (!alive.expired()) pulled(changes);
      });
  log::info("sync with " + options_.sync->url);
}

Result<p::SyncStatus> Workspace::syncStatus() {
  p::SyncStatus status = sync_ ? sync_->status() : p::SyncStatus{};
  auto store = reader();
  if (!store) return std::unexpected(store.error());
  auto counts = (*store)->outboxCounts();
  if (!counts) return fail(ErrorCode::StorageFailed, "storage failed: " + counts.error().message);
  status.pending = counts->pending;
  status.rejected = counts->rejected;
  return status;
}

void Workspace::pulled(const std::vector<SessionChange>& changes) {
  if (writeObserver_)
    for (const SessionChange& change : changes) writeObserver_(change.sessionId);
  auto db = reader();
  if (!db) return;
  for (const SessionChange& change : changes) {
    if (!viewed_.contains(change.sessionId)) continue;
    p::SessionChanged notice;
    notice.sessionId = change.sessionId;
    notice.deleted = change.deleted;
    if (change.deleted) {
      viewed_.erase(change.sessionId);
      events_.sessionChanged(notice);
      continue;
    }
    if (!change.added.empty()) notice.messages = change.added;
    if (change.components) {
      auto components = (*db)->listComponents(change.sessionId);
      if (!components) {
        log::warn("session/changed: cannot read components: " + components.error().message);
        continue;
      }
      notice.components = std::move(*components);
    }
    if (change.current) {
      auto current = (*db)->currentComponentId(change.sessionId);
      if (!current) {
        log::warn("session/changed: cannot read the current component: " + current.error().message);
        continue;
      }
      notice.currentChanged = true;
      notice.currentComponentId = std::move(*current);
    }
    events_.sessionChanged(notice);
  }
}

void Workspace::syncNow(Callback<p::SyncStatus> done) {
  if (!sync_) return done(syncStatus());
  // The attempt's own outcome: another may have begun since (a live event).
  sync_->now([this, done = std::move(done), alive = std::weak_ptr<bool>(alive_)](p::SyncStatus outcome) {
    if (alive.expired()) return;
    auto counted = syncStatus();
    if (!counted) return done(std::unexpected(counted.error()));
    outcome.pending = counted->pending;
    outcome.rejected = counted->rejected;
    done(std::move(outcome));
  });
}

void Workspace::syncLogin(const p::SyncLoginParams& params, Callback<p::SyncStatus> done) {
  if (!storage_) return done(std::unexpected(reader().error()));
  SyncSettings settings;
  if (params.url)
    settings.url = normalizedUrl(*params.url);
  else if (options_.sync)
    settings.url = options_.sync->url;
  else
    return done(fail(ErrorCode::InvalidParams, "params.url: required: sync has no backend URL configured"));
  settings.token = params.token;
  // Checked first: a token that could not be kept as asked is not used either.
  if (params.remember)
    if (auto writable = credentialsWritable(); !writable)
      return done(fail(ErrorCode::InternalError, "params.remember: " + writable.error()));
  const bool started = sync_ != nullptr;
  options_.sync = settings;
  if (started)
    sync_->useSettings(*options_.sync);
  else
    startSync();
  log::info("sync: signed in to " + options_.sync->url);
  // Answered after an attempt with the token: it was tried against the backend.
  // Remembered only then, unless refused: a mistyped token must not replace
  // a good one kept from before (one that could not be checked, offline, is).
  syncNow([remember = params.remember, settings = std::move(settings), done = std::move(done)](
              Result<p::SyncStatus> outcome) {
    if (outcome && remember && outcome->state != p::SyncState::AuthRequired)
      if (auto written = writeCredentials({settings.url, settings.token}); !written)
        return done(fail(ErrorCode::InternalError, "params.remember: " + written.error()));
    done(std::move(outcome));
  });
}

void Workspace::syncLogout(Callback<p::SyncStatus> done) {
  if (!options_.sync || !sync_) return done(syncStatus());
  if (auto forgot = forgetCredentials(options_.sync->url); !forgot)
    return done(fail(ErrorCode::InternalError, forgot.error()));
  options_.sync->token.clear();
  sync_->useSettings(*options_.sync);
  log::info("sync: signed out of " + options_.sync->url + "; local data and the outbox are kept");
  syncNow(std::move(done));
}

Result<p::SyncRejectedResult> Workspace::syncRejected(const p::SyncRejectedParams& params) {
  auto store = reader();
  if (!store) return std::unexpected(store.error());
  auto writes = (*store)->rejectedWrites(params.sessionId);
  if (!writes) return storeFailure(writes.error(), "sessionId");
  return p::SyncRejectedResult{std::move(*writes)};
}

void Workspace::syncRetryRejected(const p::SyncRejectedParams& params, Callback<p::SyncRetryRejectedResult> done) {
  if (!storage_) return done(std::unexpected(reader().error()));
  auto retried = std::make_shared<std::int64_t>(0);
  StorageThread::Job job;
  // Its own key, resumed every time: a failure here holds up no session's writes.
  job.key = "sync/retryRejected";
  job.resume = true;
  job.work = [retried, sessionId = params.sessionId](Store& store) -> StoreResult<void> {
    auto requeued = store.requeueRejected(sessionId);
    if (!requeued) return std::unexpected(requeued.error());
    *retried = *requeued;
    return {};
  };
  job.done = [this, retried, done = std::move(done), alive = std::weak_ptr<bool>(alive_)](StoreResult<void> result) {
    if (!result) return done(storeFailure(result.error()));
    if (!alive.expired() && sync_ && *retried > 0) sync_->poke();
    done(p::SyncRetryRejectedResult{*retried});
  };
  storage_->submit({std::move(job)});
}

}  // namespace aieditor::server
