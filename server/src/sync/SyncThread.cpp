#include "sync/SyncThread.h"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

#include "aieditor/protocol/JsonText.h"
#include "common/Clock.h"
#include "common/Ids.h"
#include "common/Log.h"
#include "providers/Redaction.h"
#include "store/Store.h"
#include "sync/BackendHttp.h"
#include "sync/Backoff.h"
#include "sync/EventStream.h"
#include "sync/LeaseHolder.h"

namespace aieditor::server {

using nlohmann::json;
using protocol::SyncState;
using protocol::SyncStatus;

namespace {

/// One outbox write as a POST /api/batch write; nullopt when its record is
/// no longer stored here.
std::optional<json> batchWrite(const OutboxWrite& write) {
  json item{{"kind", write.kind}, {"session_id", write.sessionId}};
  if (write.kind == "message" && write.message) {
    item["record"] = protocol::toBackendJSON(*write.message);
  } else if (write.kind == "interaction" && write.interaction) {
    item["record"] = protocol::toBackendJSON(*write.interaction);
  } else if (write.kind == "component" && write.component) {
    item["record"] = protocol::toBackendJSON(*write.component);
    // Made from the version before it: a replay is recognised, and an edit
    // of an older version (another device's) is kept as a conflict.
    if (write.component->version > 1) item["record"]["base_version"] = write.component->version - 1;
  } else if ((write.kind == "current_component" || write.kind == "component_deleted") && write.recordId) {
    item["record"] = json{{"component_id", *write.recordId}};
  } else if (write.kind != "session_deleted") {
    return std::nullopt;
  }
  return item;
}

/// Reads POST /api/batch's results into acknowledged and rejected writes;
/// false when the reply is not one result per write, or a write failed
/// otherwise (a 5xx of its own): the writes not settled go again.
bool readResults(const std::string& reply, const std::vector<const OutboxWrite*>& sent,
                 std::vector<std::int64_t>& acknowledged, std::vector<std::pair<std::int64_t, std::string>>& rejected,
                 const Redactor& redactor) {
  json body;
  if (protocol::readJson(reply, body) || !body.is_object() || !body.contains("results") ||
      !body["results"].is_array() || body["results"].size() != sent.size())
    return false;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const json& result = body["results"][i];
    const long status = result.is_object() && result.contains("status") && result["status"].is_number_integer()
                            ? result["status"].get<long>()
                            : 0;
    const OutboxWrite& write = *sent[i];
    // A delete of what the backend never had leaves it as wanted.
    const bool deletes = write.kind == "session_deleted" || write.kind == "component_deleted";
    if ((status >= 200 && status < 300) || (status == 404 && deletes))
      acknowledged.push_back(write.seq);
    else if (status >= 400 && status < 500)
      rejected.emplace_back(write.seq, std::to_string(status) + ": " + redactor.redact(errorMessage(result)));
    else
      return false;
  }
  return true;
}

}  // namespace

SyncThread::SyncThread(SyncOptions options, Scheduler& scheduler, StatusCallback changed, PulledCallback pulled)
    : options_(std::move(options)),
      scheduler_(scheduler),
      changed_(std::move(changed)),
      pulled_(std::move(pulled)),
      secrets_{options_.settings.token},
      redactor_(std::make_unique<Redactor>(secrets_)),
      leaseHolder_(newId()) {
  status_.state = SyncState::Syncing;
  due_ = Clock::now();  // what is pending from before goes at once
  thread_ = std::thread([this] { run(); });
  startEvents(options_.settings);
}

void SyncThread::startEvents(const SyncSettings& settings) {
  std::lock_guard lock(eventsMutex_);  // the sync thread wakes it when the backend is back
  events_.reset();
  if (settings.token.empty()) return;
  events_ = std::make_unique<EventStream>(EventStream::Options{.settings = settings,
                                                               .backoffBase = options_.backoffBase,
                                                               .backoffCap = options_.backoffCap,
                                                               .requestTimeout = options_.requestTimeout},
                                          [this] { poke(); });
}

void SyncThread::useSettings(SyncSettings settings) {
  startEvents(settings);
  {
    std::lock_guard lock(mutex_);
    replacement_ = std::move(settings);
    held_ = false;
    due_ = Clock::now();
    stop_ = true;  // a transfer in flight (with the old settings) ends now, not at its time limit
  }
  wake_.notify_one();
}

void SyncThread::adopt(SyncSettings settings) {
  options_.settings = std::move(settings);
  accessToken_.clear();
  checkedBackend_.clear();
  failures_ = 0;
  if (!options_.settings.token.empty() &&
      std::find(secrets_.begin(), secrets_.end(), options_.settings.token) == secrets_.end()) {
    secrets_.push_back(options_.settings.token);
    redactor_ = std::make_unique<Redactor>(secrets_);
  }
  SyncStatus next = status();
  next.user.reset();  // known again once signed in
  publish(std::move(next));
}

SyncThread::~SyncThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_ = true;
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  events_.reset();  // after the sync thread, which calls it; its own thread only calls poke(), which stays safe
}

void SyncThread::written() {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    writes_ = true;
    // Counted only to announce pending going from 0 to more (sync/status
    // requests count for themselves): a write in a burst costs no wake-up.
    if (status_.pending == 0) recount_ = wake = true;
    // A write on its own goes up at once: another device sees it within a
    // round trip. One of a burst (a chat turn, a script, an import) waits
    // for the next push time, so the burst goes up in a few batches.
    const auto now = Clock::now();
    const bool alone = !lastWrite_ || now - *lastWrite_ >= options_.burstGap;
    lastWrite_ = now;
    const auto pushAt = alone ? now : nextPushTime();
    if (!held_ && (!due_ || pushAt < *due_)) {
      due_ = pushAt;
      wake = true;
    }
  }
  if (wake) wake_.notify_one();
}

SyncThread::Clock::time_point SyncThread::nextPushTime() const {
  // Pushes for a burst start at most once a debounce: a few batches, not a
  // push (and a commit of the outbox) per write.
  const auto now = Clock::now();
  return lastPush_ ? std::max(now, *lastPush_ + options_.debounce) : now;
}

void SyncThread::now(StatusCallback done) {
  {
    std::lock_guard lock(mutex_);
    waiters_.push_back(std::move(done));
  }
  wake_.notify_one();
}

void SyncThread::poke() {
  {
    std::lock_guard lock(mutex_);
    due_ = Clock::now();
  }
  wake_.notify_one();
}

SyncStatus SyncThread::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void SyncThread::run() {
  for (;;) {
    std::vector<StatusCallback> waiting;
    std::optional<SyncSettings> replacement;
    bool counting = false, pushing = false, probing = false;
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (stopping_) return;
        const auto now = Clock::now();
        if (recount_ || !waiters_.empty() || (due_ && now >= *due_) || (probeAt_ && now >= *probeAt_)) break;
        const auto until =
            std::min(due_.value_or(Clock::time_point::max()), probeAt_.value_or(Clock::time_point::max()));
        if (until == Clock::time_point::max())
          wake_.wait(lock);
        else
          wake_.wait_until(lock, until);
      }
      counting = std::exchange(recount_, false);
      writes_ = false;
      waiting.swap(waiters_);
      replacement = std::exchange(replacement_, std::nullopt);
      if (replacement) stop_ = false;  // that abort was for the old settings' attempt
      pushing = !waiting.empty() || (due_ && Clock::now() >= *due_);
      probing = !pushing && probeAt_ && Clock::now() >= *probeAt_;
      if (pushing) due_.reset();
      if (pushing || probing) probeAt_.reset();
    }
    if (replacement) adopt(std::move(*replacement));
    if (counting) count();
    if (probing) {
      // Offline, a retry waiting out its backoff (up to 60 s): a GET
      // /healthz a second (no sign-in, a few hundred bytes) ends the wait as
      // soon as the backend answers. A bare TCP connect would also succeed
      // against a proxy whose backend is down; the event stream's reconnect
      // has a backoff of its own.
      const bool back = reachable();
      {
        std::lock_guard lock(mutex_);
        if (back)
          due_ = Clock::now();
        else if (due_)
          probeAt_ = Clock::now() + options_.probeInterval;
      }
      if (back) {
        std::lock_guard lock(eventsMutex_);
        if (events_) events_->reachable();
      }
      continue;
    }
    if (!pushing) continue;
    // Push, then pull (this device's writes come back with the backend's
    // order). A restored backend gets everything again, then is pulled from.
    // Another window holding the push lease pushes this one's writes too (one
    // outbox); this one still pulls, and looks again soon.
    Outcome outcome = push();
    bool leased = outcome == Outcome::Leased;
    if (leased) outcome = Outcome::Done;
    if (outcome == Outcome::Done && (outcome = pull()) == Outcome::Restored && (outcome = push()) == Outcome::Done)
      outcome = pull();
    if (outcome == Outcome::Leased) leased = true, outcome = Outcome::Done;
    if (outcome == Outcome::Restored) outcome = Outcome::Retry;
    {
      std::lock_guard lock(mutex_);
      held_ = outcome != Outcome::Done;
      if (outcome == Outcome::Retry) due_ = retryAt_;
      if (outcome == Outcome::Stop) due_.reset();  // until sync/now: writes made meanwhile wait
      if (outcome == Outcome::Done && writes_) due_ = nextPushTime();
      if (outcome == Outcome::Done && leased) due_ = Clock::now() + options_.leaseRetry;
      if (outcome == Outcome::Retry && status_.state == SyncState::Offline)
        probeAt_ = Clock::now() + options_.probeInterval;
      if (replacement_) {
        // New settings came during the attempt (and ended its transfer):
        // they are tried at once, and its sync/now calls wait for that try.
        held_ = false;
        due_ = Clock::now();
        waiters_.insert(waiters_.begin(), std::make_move_iterator(waiting.begin()),
                        std::make_move_iterator(waiting.end()));
        waiting.clear();
      }
    }
    const SyncStatus answer = status();
    for (auto& done : waiting) scheduler_.post([done = std::move(done), answer] { done(answer); });
  }
}

bool SyncThread::openStore() {
  if (store_) return true;
  auto opened = Store::open(options_.databasePath, options_.busyTimeout);
  // Everything sync writes is redone after a power cut (pushed again, as a
  // replay, or pulled again): its commits need not wait for the disk, and
  // so hold the write lock the editor's own writes wait on only briefly.
  if (opened)
    if (auto relaxed = (*opened)->commitWithoutWaitingForDisk(); !relaxed) opened = std::unexpected(relaxed.error());
  if (opened) {
    store_ = std::move(*opened);
    tellPulled();  // from here on: what pulls applied before this process began is not news to its editor
    return true;
  }
  failed(SyncState::Error, "cannot open database " + options_.databasePath + ": " + opened.error().message,
         std::nullopt);
  return false;
}

void SyncThread::count() {
  if (!openStore()) return;
  auto counts = store_->outboxCounts();
  if (!counts) return log::warn("sync: cannot count the outbox: " + counts.error().message);
  SyncStatus next = status();
  next.pending = counts->pending;
  next.rejected = counts->rejected;
  publish(std::move(next));
}

SyncThread::Outcome SyncThread::push() {
  if (!openStore()) return Outcome::Retry;
  const Outcome outcome = pushUnderLease();
  if (auto released = store_->releasePushLease(leaseHolder_); !released)
    log::warn("sync: cannot free the push lease: " + released.error().message);  // it expires
  return outcome;
}

bool SyncThread::holdLease() {
  const protocol::Timestamp at = server::now();
  const PushLease mine = leaseOf(leaseHolder_, at + options_.lease.count());
  auto taken = store_->takePushLease(mine, at);
  if (taken && !*taken) {
    // Another's: a holder on this machine that has ended (a window killed,
    // then opened again) is not waited for until its lease expires.
    auto held = store_->pushLease();
    if (held && *held && holderEnded(**held)) {
      log::info("sync: the push lease's holder (pid " + std::to_string((*held)->pid) + ") has ended: taken over");
      taken = store_->takePushLease(mine, at, (*held)->holder);
    } else if (!held) {
      log::warn("sync: cannot read the push lease: " + held.error().message);
    }
  }
  if (!taken) log::warn("sync: cannot take the push lease: " + taken.error().message);
  return taken && *taken;
}

SyncThread::Outcome SyncThread::pushUnderLease() {
  count();
  if (options_.settings.token.empty()) {
    failed(
        SyncState::AuthRequired,
        "no sign-in token: sign in (sync/login, or aieditor sync login URL), or set initializationOptions.sync.token "
        "or AIEDITOR_SYNC_TOKEN",
        std::nullopt);
    return Outcome::Stop;
  }
  // Taken before "syncing" is said, so a window that says it pushes holds it.
  const bool leased = status().pending > 0 && !holdLease();
  SyncStatus syncing = status();
  syncing.state = SyncState::Syncing;  // with the lease elsewhere: another window pushes these writes
  syncing.error.reset();
  syncing.retryAt.reset();
  publish(std::move(syncing));
  if (leased) return Outcome::Leased;
  if (accessToken_.empty())
    if (auto refused = signIn()) return *refused;
  // Another backend or account than the cursor's: everything is queued for
  // it before this push, which then sends it (not a second push after the pull).
  if (auto moved = checkBackend(); moved && *moved != Outcome::Restored) return *moved;
  bool refreshed = false;
  std::int64_t limit = options_.batchSize;
  for (;;) {
    if (stop_) return Outcome::Stop;
    auto writes = store_->pendingWrites(limit);
    if (!writes) {
      failed(SyncState::Error, "cannot read the outbox: " + writes.error().message, std::nullopt);
      return Outcome::Retry;
    }
    if (writes->empty()) {
      failures_ = 0;
      SyncStatus synced = status();
      synced.state = SyncState::Synced;
      synced.lastSyncedAt = server::now();
      synced.error.reset();
      synced.retryAt.reset();
      publish(std::move(synced));
      count();
      return Outcome::Done;
    }
    std::vector<std::int64_t> acknowledged;
    std::vector<std::pair<std::int64_t, std::string>> rejected;
    std::vector<const OutboxWrite*> sent;
    json body{{"writes", json::array()}};
    for (const OutboxWrite& write : *writes) {
      if (auto item = batchWrite(write)) {
        body["writes"].push_back(std::move(*item));
        sent.push_back(&write);
      } else {
        rejected.emplace_back(write.seq, write.kind + " '" + write.recordId.value_or("") +
                                             "' is no longer stored here");
      }
    }
    if (!holdLease()) return Outcome::Leased;  // renewed per batch: held while pushing
    if (!sent.empty()) {
      {
        std::lock_guard lock(mutex_);
        lastPush_ = Clock::now();  // an attempt that only pulls spaces no push
      }
      auto reply = postJson(options_.settings.url + "/api/batch", body.dump(-1, ' ', false, json::error_handler_t::replace),
                            accessToken_, options_.requestTimeout, stop_);
      if (const Screened screened = screen(reply, refreshed); !screened.read) {
        if (screened.outcome) return *screened.outcome;
        continue;  // again, with a fresh access token
      }
      if (reply->status >= 400 && reply->status < 500 && reply->status != 408 && reply->status != 429) {
        // The request as a whole was refused (too large, say): one of its
        // writes is the cause. Halving finds it; alone, it is rejected.
        if (sent.size() > 1) {
          limit = std::max<std::int64_t>(1, static_cast<std::int64_t>(sent.size() / 2));
          continue;
        }
        rejected.emplace_back(sent.front()->seq, std::to_string(reply->status) + ": " +
                                                     redactor_->redact(backendMessage(*reply)));
      } else if (reply->status != 200) {
        failed(SyncState::Error,
               "POST /api/batch answered " + std::to_string(reply->status) + ": " + backendMessage(*reply),
               reply->retryAfter);
        return Outcome::Retry;
      } else if (!readResults(reply->body, sent, acknowledged, rejected, *redactor_)) {
        failed(SyncState::Error, "POST /api/batch: the reply is not one result per write", std::nullopt);
        return Outcome::Retry;
      }
    }
    if (auto settled = store_->settleWrites(acknowledged, rejected); !settled) {
      failed(SyncState::Error, "cannot update the outbox: " + settled.error().message, std::nullopt);
      return Outcome::Retry;
    }
    for (const auto& [seq, why] : rejected) log::warn("sync: write rejected: " + why);
    count();
    limit = options_.batchSize;
  }
}

SyncThread::Screened SyncThread::screen(const std::expected<HttpReply, std::string>& reply, bool& refreshed) {
  if (!reply) {
    if (stop_) return {false, Outcome::Stop};
    failed(SyncState::Offline, "cannot reach " + options_.settings.url + ": " + reply.error(), std::nullopt);
    return {false, Outcome::Retry};
  }
  if (reply->status != 401) return {true, std::nullopt};
  accessToken_.clear();
  if (refreshed) {
    failed(SyncState::AuthRequired, "the backend refused a fresh access token: sign in again", std::nullopt);
    return {false, Outcome::Stop};
  }
  refreshed = true;
  return {false, signIn()};
}

bool SyncThread::reachable() {
  return getJson(options_.settings.url + "/healthz", "", options_.probeInterval * 2, stop_).has_value();
}

std::optional<SyncThread::Outcome> SyncThread::signIn() {
  const json grant{{"grant_type", "refresh_token"}, {"refresh_token", options_.settings.token}};
  auto reply = postJson(options_.settings.url + "/api/auth/token", grant.dump(), "", options_.requestTimeout, stop_);
  if (!reply) {
    if (stop_) return Outcome::Stop;
    failed(SyncState::Offline, "cannot reach " + options_.settings.url + ": " + reply.error(), std::nullopt);
    return Outcome::Retry;
  }
  if (reply->status == 400 || reply->status == 401) {
    failed(SyncState::AuthRequired, "the backend refused the sign-in token (" + backendMessage(*reply) + ")",
           std::nullopt);
    return Outcome::Stop;
  }
  json body;
  if (reply->status != 200 || protocol::readJson(reply->body, body) || !body.is_object() ||
      !body.contains("access_token") || !body["access_token"].is_string()) {
    failed(SyncState::Error,
           "POST /api/auth/token answered " + std::to_string(reply->status) + ": " + backendMessage(*reply),
           retryable(reply->status) ? reply->retryAfter : std::nullopt);
    return Outcome::Retry;
  }
  accessToken_ = body["access_token"].get<std::string>();
  if (body.contains("user") && body["user"].is_string()) {
    SyncStatus next = status();
    next.user = body["user"].get<std::string>();
    publish(std::move(next));
  }
  return std::nullopt;
}

void SyncThread::failed(SyncState state, const std::string& why, std::optional<std::chrono::seconds> retryAfter) {
  SyncStatus next = status();
  next.state = state;
  next.error = redactor_->redact(why);
  next.retryAt.reset();
  if (state != SyncState::AuthRequired) {
    std::chrono::milliseconds delay =
        backoffDelay(++failures_, options_.backoffBase, options_.backoffCap, options_.settings.retryDelay);
    if (retryAfter) delay = std::max<std::chrono::milliseconds>(delay, *retryAfter);
    retryAt_ = Clock::now() + delay;
    next.retryAt = server::now() + delay.count();
  }
  log::info("sync: " + std::string(protocol::toString(state)) + ": " + *next.error);
  publish(std::move(next));
}

void SyncThread::publish(SyncStatus next) {
  bool tell = false;
  {
    std::lock_guard lock(mutex_);
    tell = next.state != status_.state || (next.pending == 0) != (status_.pending == 0);
    status_ = next;
  }
  if (tell && changed_) scheduler_.post([changed = changed_, next = std::move(next)] { changed(next); });
}

}  // namespace aieditor::server
