// The sync thread: drains the outbox to the team backend, off the event loop.
//
// It owns a connection of its own to the database (a Store no other thread
// touches) and pushes with blocking HTTP (BackendHttp). The loop only wakes
// it: written() after a write committed (a push follows at once, or for a
// burst of writes a debounce after the last batch was sent, so a burst goes
// up in a few batches;
// the outbox row is already durable, so nothing is dropped or merged
// away), now() for sync/now. Status changes reach the loop through the Scheduler.
//
// A push: an access token from the sign-in token (POST /api/auth/token,
// fetched again once on a 401), then POST /api/batch with the oldest pending
// writes in outbox order, until the outbox is empty. Each batch's writes are
// forgotten only after its 2xx: a per-write 2xx (201, or 200 for a replay)
// acknowledges the write, a per-write 4xx marks it rejected with the
// backend's message (the rest goes on). Network failures, 5xx and 429 are
// retried with exponential backoff and full jitter, capped at 60 s, or after
// Retry-After; while offline a cheap probe ends that wait as soon as the
// backend answers again. A refused sign-in token stops pushing (authRequired)
// until sync/now or new settings (sync/login); nothing is dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aieditor/protocol/Protocol.h"
#include "common/Scheduler.h"
#include "store/Store.h"
#include "sync/SyncSettings.h"

namespace aieditor::server {

struct HttpReply;

class Redactor;
class EventStream;

struct SyncOptions {
  SyncSettings settings;
  std::string databasePath;
  std::chrono::milliseconds busyTimeout{10'000};
  std::chrono::milliseconds debounce{25};  ///< the least time between two pushes' first batches, in a burst
  std::chrono::milliseconds burstGap{2};   ///< writes closer than this are one burst (else one goes up at once)
  std::chrono::milliseconds backoffBase{500};
  std::chrono::milliseconds backoffCap{60'000};
  std::chrono::milliseconds requestTimeout{30'000};
  /// While offline, how often GET /healthz asks whether the backend is back.
  std::chrono::milliseconds probeInterval{1'000};
  /// The push lease (one pushing process per database): how long it lasts
  /// past each renewal (one per batch), and how often a process without it
  /// looks again (a holder that died is taken over at once on this machine,
  /// elsewhere once its lease expired).
  std::chrono::milliseconds lease{10'000};
  std::chrono::milliseconds leaseRetry{1'000};
  std::int64_t batchSize = 250;  ///< writes per POST /api/batch (the backend takes up to 1000)
  std::int64_t pageSize = 500;   ///< changes per GET /api/changes page
};

class SyncThread {
 public:
  using StatusCallback = std::function<void(protocol::SyncStatus)>;
  using PulledCallback = std::function<void(std::vector<SessionChange>)>;
  /// `changed` runs on the loop when the state changes, or pending goes
  /// between 0 and non-zero; `pulled` when pulls altered sessions (this
  /// process's, or another's on the same database, read from its pull log).
  SyncThread(SyncOptions, Scheduler&, StatusCallback changed, PulledCallback pulled = {});
  /// Stops the thread (a transfer in flight is aborted) and joins it.
  ~SyncThread();
  SyncThread(const SyncThread&) = delete;
  SyncThread& operator=(const SyncThread&) = delete;

  /// A write committed: count it, and push (at once, or within a burst a
  /// debounce after the last batch was sent) unless a retry is waiting.
  void written();
  /// Pushes at once; `done` hears the status on the loop once everything
  /// pending at the call is acknowledged, or the attempt failed.
  void now(StatusCallback done);
  /// Pulls soon (a change event): a push of what is pending first, whatever
  /// retry is waiting, since the backend was just heard from.
  void poke();
  /// The latest status (pending as last counted).
  protocol::SyncStatus status() const;
  /// Signs in or out (sync/login, sync/logout; an empty token signs out):
  /// a transfer in flight is aborted, and an attempt with these settings
  /// (without the access token held so far) follows at once. The event
  /// stream starts over with them.
  void useSettings(SyncSettings);

 private:
  using Clock = std::chrono::steady_clock;
  enum class Outcome { Done, Retry, Stop, Restored, Leased };
  void run();
  /// Drains the outbox under the push lease, then frees it; what to do next
  /// (Leased: another process holds the lease and pushes).
  Outcome push();
  Outcome pushUnderLease();
  /// Takes or renews the push lease; false when another process has it.
  bool holdLease();
  /// Whether the backend answers GET /healthz at all (offline: it is back).
  bool reachable();
  /// Pulls the change log from the stored cursor to its end; Restored when
  /// the backend is behind the cursor (everything was queued again).
  Outcome pull();
  /// Tells the loop what pulls applied since it last looked, this process's
  /// or another's on the same database (its editor has the same sessions
  /// open perhaps); the first call only notes where the pull log ends.
  void tellPulled();
  /// Whether the cursor counts in the backend and account signed in to now;
  /// when another (a new URL or user), everything is queued again for it and
  /// the cursor starts over: Restored. Unknown before (a first pull): noted.
  std::optional<Outcome> checkBackend();
  /// A fresh access token; when none could be had, what to do next (the status says why).
  std::optional<Outcome> signIn();
  /// What every request to the backend has in common: no reply at all
  /// (offline) and 401 (one fresh access token, then authRequired). `read`:
  /// the reply is the caller's to read; otherwise the outcome to return, or
  /// none to send the request again with the new token.
  struct Screened {
    bool read = false;
    std::optional<Outcome> outcome;
  };
  Screened screen(const std::expected<HttpReply, std::string>& reply, bool& refreshed);
  /// The sync thread's connection, opened on first use; false (the status says why) when it cannot be.
  bool openStore();
  /// Takes settings given by useSettings (sync thread).
  void adopt(SyncSettings);
  /// GET /api/events with the current settings, when there is a token (loop thread).
  void startEvents(const SyncSettings&);
  void count();
  /// Sets the status and tells the loop when it changed enough.
  void publish(protocol::SyncStatus next);
  void failed(protocol::SyncState, const std::string& why, std::optional<std::chrono::seconds> retryAfter);

  SyncOptions options_;
  Scheduler& scheduler_;
  StatusCallback changed_;
  PulledCallback pulled_;
  std::vector<std::string> secrets_;    ///< every sign-in token given (sync thread only)
  std::unique_ptr<Redactor> redactor_;  ///< of secrets_ (sync thread only)
  std::unique_ptr<Store> store_;  ///< the sync thread's own connection
  std::string accessToken_;       ///< sync thread only
  std::string checkedBackend_;    ///< "URL as user" last found in sync_cursor; sync thread only
  const std::string leaseHolder_;  ///< this process's id in sync_lease
  std::optional<std::int64_t> told_;  ///< the pull log's last row told to the loop (sync thread only)
  int failures_ = 0;              ///< consecutive failed attempts (sync thread only)
  Clock::time_point retryAt_;     ///< sync thread only

  mutable std::mutex mutex_;  ///< guards what follows
  std::condition_variable wake_;
  protocol::SyncStatus status_;
  bool stopping_ = false;
  bool writes_ = false;                  ///< written() since the loop last woke
  bool recount_ = false;                 ///< the outbox is to be counted (pending was 0)
  bool held_ = false;                    ///< a retry is waiting, or a sign-in: writes do not push
  std::optional<Clock::time_point> due_;  ///< a push is due then
  std::optional<Clock::time_point> lastPush_;   ///< when the last batch was sent
  std::optional<Clock::time_point> lastWrite_;  ///< when written() was last called
  /// When a push for a write made now may start (lastPush_ + debounce, or now); under mutex_.
  Clock::time_point nextPushTime() const;
  std::optional<Clock::time_point> probeAt_;  ///< offline: the next GET /healthz
  std::vector<StatusCallback> waiters_;   ///< sync/now calls waiting for a push
  std::optional<SyncSettings> replacement_;  ///< from useSettings, not yet adopted
  std::atomic<bool> stop_{false};  ///< aborts a transfer in flight (at exit, or for new settings); set under mutex_
  std::thread thread_;
  std::mutex eventsMutex_;               ///< guards events_ (replaced on the loop, woken by the sync thread)
  std::unique_ptr<EventStream> events_;  ///< GET /api/events, on a thread of its own
};

}  // namespace aieditor::server
