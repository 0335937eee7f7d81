// The sync thread's pull side: the backend's change log read page by page
// from the stored cursor and applied with it in one transaction (no outbox
// rows), a backend behind the cursor or another backend or account than
// the cursor's given everything again, and the loop told what pulls applied
// (this process's or another window's on the same database, from the pull log).
#include "common/Log.h"
#include "providers/Redaction.h"
#include "store/Store.h"
#include "sync/BackendHttp.h"
#include "sync/ChangesPage.h"
#include "sync/SyncThread.h"

namespace aieditor::server {

using protocol::SyncState;

SyncThread::Outcome SyncThread::pull() {
  auto cursor = store_->syncCursor();
  if (!cursor) {
    failed(SyncState::Error, "cannot read the sync cursor: " + cursor.error().message, std::nullopt);
    return Outcome::Retry;
  }
  std::int64_t since = *cursor;
  bool refreshed = false;
  for (;;) {
    if (stop_) return Outcome::Stop;
    const std::string url = options_.settings.url + "/api/changes?since=" + std::to_string(since) +
                            "&limit=" + std::to_string(options_.pageSize);
    auto reply = getJson(url, accessToken_, options_.requestTimeout, stop_);
    if (const Screened screened = screen(reply, refreshed); !screened.read) {
      if (screened.outcome) return *screened.outcome;
      continue;  // again, with a fresh access token
    }
    if (reply->status != 200) {
      failed(SyncState::Error,
             "GET /api/changes answered " + std::to_string(reply->status) + ": " + backendMessage(*reply),
             retryable(reply->status) ? reply->retryAfter : std::nullopt);
      return Outcome::Retry;
    }
    auto page = readChangesPage(reply->body);
    if (!page) {
      failed(SyncState::Error, "GET /api/changes: " + redactor_->redact(page.error()), std::nullopt);
      return Outcome::Retry;
    }
    if (auto moved = checkBackend()) return *moved;
    if (page->latest < since) {
      // Restored from an older backup: it lost what it had acknowledged.
      log::warn("sync: the backend's latest change " + std::to_string(page->latest) + " is behind this device's " +
                std::to_string(since) + " (restored from a backup?): uploading everything again");
      if (auto queued = store_->requeueAll(page->latest); !queued) {
        failed(SyncState::Error, "cannot queue the records again: " + queued.error().message, std::nullopt);
        return Outcome::Retry;
      }
      count();
      return Outcome::Restored;
    }
    if (page->changes.empty() && page->next <= since && !page->hasMore) {
      tellPulled();  // what another window's pull applied
      return Outcome::Done;
    }
    if (auto applied = store_->applyPulled(page->changes, std::max(since, page->next)); !applied) {
      failed(SyncState::Error, "cannot apply pulled changes: " + applied.error().message, std::nullopt);
      return Outcome::Retry;
    }
    tellPulled();
    since = std::max(since, page->next);
    if (!page->hasMore) return Outcome::Done;
  }
}

void SyncThread::tellPulled() {
  if (!told_) {
    auto end = store_->pullLogEnd();
    if (!end) return log::warn("sync: cannot read the pull log: " + end.error().message);
    told_ = *end;
    return;
  }
  auto since = store_->pulledSince(*told_);
  if (!since) return log::warn("sync: cannot read the pull log: " + since.error().message);  // read on the next pull
  if (since->missed)
    log::warn(
        "sync: other windows on this database pulled over 10,000 changes since this one last looked: the "
        "editor hears of the newest only");
  told_ = since->last;
  if (!since->changes.empty() && pulled_)
    scheduler_.post([pulled = pulled_, changes = std::move(since->changes)]() mutable { pulled(std::move(changes)); });
}

std::optional<SyncThread::Outcome> SyncThread::checkBackend() {
  const std::optional<std::string> user = status().user;
  if (!user) return std::nullopt;  // signed in with a token the backend names no user for: nothing to compare
  const std::string backend = options_.settings.url + " as " + *user;
  if (backend == checkedBackend_) return std::nullopt;
  auto stored = store_->syncBackend();
  if (!stored) {
    failed(SyncState::Error, "cannot read the sync cursor: " + stored.error().message, std::nullopt);
    return Outcome::Retry;
  }
  const bool moved = stored->has_value() && **stored != backend;
  if (moved)
    log::info("sync: now syncing with " + backend + " (was " + **stored +
              "): uploading everything to it and pulling its changes from the start");
  if (!stored->has_value() || moved)
    if (auto set = store_->setSyncBackend(backend, moved); !set) {
      failed(SyncState::Error, "cannot note the sync backend: " + set.error().message, std::nullopt);
      return Outcome::Retry;
    }
  checkedBackend_ = backend;
  if (!moved) return std::nullopt;
  count();
  return Outcome::Restored;
}

}  // namespace aieditor::server
