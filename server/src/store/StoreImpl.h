// Store internals: Store::Impl, the connection and what runs on it.
//
// Every public call runs one transaction through Impl::transact: BEGIN
// (IMMEDIATE for writes), the body, COMMIT, all retried as a whole by
// sqlite::retryWhileBusy when another connection holds a lock. Bodies only
// read their arguments and the database, so a retry starts clean. Inside a
// group (beginGroup/endGroup) a write is a savepoint of the group's
// transaction instead. The bodies are in StoreImpl.cpp; the facade that
// validates arguments and picks read or write is Store.cpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "aieditor/sqlite/Sqlite.h"
#include "common/Clock.h"
#include "store/Store.h"
#include "store/StoreCodecs.h"
#include "store/StoreFailure.h"
#include "store/StoreQuery.h"

namespace aieditor::server {

namespace store_detail {

/// The largest page a caller may ask for: one more row must still fit.
inline constexpr std::int64_t kMaxLimit = std::numeric_limits<std::int64_t>::max() - 1;

/// `t`, or now when the caller left it 0.
inline Timestamp orNow(Timestamp t) { return t != 0 ? t : now(); }

}  // namespace store_detail

struct Store::Impl {
  template <class T>
  using Res = store_detail::Res<T>;
  using Mode = sqlite::Transaction::Mode;

  // Used by one thread (the Store's owner): nothing here is locked.
  sqlite::Connection db;
  std::string path;
  bool grouped = false;  ///< inside beginGroup()/endGroup(): writes are savepoints
  int groupWrites = 0;   ///< writes in the open group

  Impl(sqlite::Connection connection, std::string path) : db(std::move(connection)), path(std::move(path)) {}

  /// Runs `body` (which returns Res<T>) in one transaction, retried as a
  /// whole while the database is busy; commits before returning.
  template <class F>
  auto transact(Mode mode, F&& body) {
    using R = decltype(body());
    using store_detail::Failure;
    using store_detail::toPublic;
    if (grouped && mode == Mode::Immediate && groupWrites++ == 0) {
      // The group's first write needs no savepoint (which would copy every
      // page it touches into a sub-journal): if it fails, the group holds
      // nothing else, so the whole transaction is rolled back and reopened.
      R result = body();
      if (result) return toPublic(std::move(result));
      (void)db.run("ROLLBACK");
      groupWrites = 0;
      if (!db.run("BEGIN IMMEDIATE")) grouped = false;  // later writes commit on their own
      return toPublic(std::move(result));
    }
    if (grouped) {
      // The group already holds the write lock; only this write's savepoint can fail.
      auto savepoint = sqlite::Transaction::savepoint(db);
      if (!savepoint) return toPublic(R(std::unexpected(Failure(savepoint.error()))));
      R result = body();
      if (!result) return toPublic(std::move(result));
      if (auto released = savepoint->commit(); !released)
        return toPublic(R(std::unexpected(Failure(released.error()))));
      return toPublic(std::move(result));
    }
    if (mode == Mode::Immediate)
      if (auto ready = readyToWrite(); !ready) return toPublic(R(std::unexpected(std::move(ready.error()))));
    return toPublic(sqlite::retryWhileBusy(db.busyTimeout(), [&]() -> R {
      auto transaction = sqlite::Transaction::begin(db, mode);
      if (!transaction) return std::unexpected(transaction.error());
      R result = body();
      if (!result) return result;  // the transaction rolls back
      if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
      return result;
    }));
  }
  template <class F>
  auto read(F&& body) {
    return transact(Mode::Deferred, std::forward<F>(body));
  }
  template <class F>
  auto write(F&& body) {
    return transact(Mode::Immediate, std::forward<F>(body));
  }

  /// Before a write transaction (Store.cpp). A file moved or deleted while
  /// open would take the write into a log that no longer belongs to it, to
  /// be lost: refused, after copying the log into the file wherever it went.
  Res<void> readyToWrite();

  // -- Bodies: each runs inside a transaction.

  Res<Session> ensureSession(const std::string& id, Timestamp now);
  Res<Session> createSession(const std::string& id, Timestamp now);
  /// Lets the first session's row catch up before `movingId`'s row is written.
  Res<void> settleFirstSession(const std::string& movingId);
  /// A record at `at` was written to the session: its times take it in
  /// (its updated_at becomes at least `atLeast` too, unless it is the first).
  Res<void> touchSession(const std::string& id, Timestamp at, Timestamp atLeast = 0);
  Res<Message> addMessage(const Message&);
  Res<void> insertInteraction(const Interaction&);
  Res<Interaction> addInteraction(const Interaction&);
  /// An unknown origin is stored as NULL (derived when read).
  Res<void> insertVersion(const Component&, const protocol::VersionOrigin&);
  Res<Component> saveComponent(const Component&, const protocol::VersionOrigin&);
  Res<void> importSession(const SessionDocument&);
  /// Makes `componentId` the session's current component; a change is a write for the outbox.
  Res<void> pickCurrent(const std::string& sessionId, const std::string& componentId);
  /// The outbox row of a write, in the write's transaction.
  Res<void> enqueue(std::string_view kind, const std::string& sessionId, const std::optional<std::string>& recordId,
                    std::optional<std::int64_t> version = std::nullopt);

  // Pull (StorePull.cpp): no outbox rows, and a replay changes nothing.
  Res<void> applyPulled(const PulledChange&, SessionChange&);
  /// Notes a session's applied change in the pull log.
  Res<void> logPulled(const SessionChange&);
  Res<void> applyPulledMessage(const PulledChange&, SessionChange&);
  Res<void> applyPulledInteraction(const PulledChange&, SessionChange&);
  Res<void> applyPulledVersion(const PulledChange&, SessionChange&);
  /// Moves a version (and its queued write) past the component's last.
  Res<void> moveVersionToEnd(const std::string& sessionId, const std::string& componentId, std::int64_t version);
  Res<void> applyPulledDelete(const PulledChange&, SessionChange&);
  /// Messages and interactions of the session in the backend's order.
  Res<void> renumber(const std::string& sessionId);
  /// After a pull (its records renumbered): the session's times from all
  /// its records, its title from its first prompt and its components in the
  /// backend's order.
  Res<void> settleSession(const std::string& id);
  /// Unsent writes of `kind` in the session (of `recordId` when given).
  Res<bool> queued(const std::string& sessionId, std::string_view kind, const std::optional<std::string>& recordId);

  /// A page of a record table: the `limit` records just older than `before`
  /// (or the newest), oldest first.
  template <class T>
  Res<Page<T>> page(const char* seqSql, const char* pageSql, Res<T> (*reader)(const store_detail::Row&),
                    const std::string& sessionId, const std::optional<std::string>& before, std::int64_t limit) {
    using namespace store_detail;
    std::int64_t bound = std::numeric_limits<std::int64_t>::max();
    if (before) {
      auto seq = selectOne(db, seqSql, readInt, sessionId, *before);
      if (!seq) return std::unexpected(seq.error());
      if (!*seq) return fail(Kind::NotFound, "before: no record '" + *before + "' in session '" + sessionId + "'");
      bound = **seq;
    }
    // One row more than asked tells whether older ones remain.
    auto rows = select(db, pageSql, reader, sessionId, bound, std::min(limit, kMaxLimit) + 1);
    if (!rows) return std::unexpected(rows.error());
    Page<T> result;
    result.hasMore = static_cast<std::int64_t>(rows->size()) > limit;
    if (result.hasMore) rows->pop_back();
    result.items.assign(std::make_move_iterator(rows->rbegin()), std::make_move_iterator(rows->rend()));
    return result;
  }
};

}  // namespace aieditor::server
