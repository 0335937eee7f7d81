// Internal to the SQLite storage: its schema, the query helpers and Impl
// (the two connections, the write and read transactions, the change log).
#pragma once

#include <semaphore.h>
#include <algorithm>

#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <vector>

#include "SqliteStorage.h"
#include "StoredRecords.h"

#include "aieditor/sqlite/Sqlite.h"
#include "common/Ids.h"

namespace aieditor::backend::sqlite_storage {

namespace sqlite = server::sqlite;

// Records are kept as their backend (snake_case) JSON: the same text the API
// sends, validated by protocol/ on the way in and read back by it.
inline constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0);  -- the user's change counter, bumped inside each write
CREATE TABLE IF NOT EXISTS sign_in_tokens(
  hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), created_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS access_tokens(
  hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions(
  user_id INTEGER NOT NULL REFERENCES users(id), id TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, current_component_id TEXT,
  PRIMARY KEY(user_id, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_update ON sessions(user_id, updated_at DESC, id);
CREATE TABLE IF NOT EXISTS records(  -- messages and interactions; pos is the order they arrived in
  pos INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, session_id TEXT NOT NULL,
  kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, UNIQUE(user_id, session_id, kind, id));
CREATE TABLE IF NOT EXISTS components(  -- every version; request_key finds a replayed edit
  pos INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, session_id TEXT NOT NULL, id TEXT NOT NULL,
  version INTEGER NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL, request_key TEXT NOT NULL,
  UNIQUE(user_id, session_id, id, version));
CREATE INDEX IF NOT EXISTS components_by_request ON components(user_id, session_id, id, request_key);
CREATE TABLE IF NOT EXISTS changes(  -- the change log: ref_pos points into records/components, record holds the rest
  user_id INTEGER NOT NULL, seq INTEGER NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL,
  ref_pos INTEGER, record TEXT, PRIMARY KEY(user_id, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS changes_by_session ON changes(user_id, session_id);
)sql";

/// A one-shot wake-up telling a waiting writer why it was woken. A POSIX
/// semaphore sleeps in the kernel at once (libstdc++'s semaphore spins with
/// sched_yield first, which with dozens of writers waiting on two cores
/// costs more than it saves), and it may be destroyed as soon as wait()
/// returns, so the waker needs no lock around it.
class Wakeup {
 public:
  enum class Reason { Done, Lead };
  Wakeup() { sem_init(&semaphore_, 0, 0); }
  ~Wakeup() { sem_destroy(&semaphore_); }
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  void raise(Reason reason) {
    reason_ = reason;  // published by sem_post, seen after sem_wait
    sem_post(&semaphore_);
  }
  Reason wait() {
    while (sem_wait(&semaphore_) != 0) {
    }  // EINTR
    return reason_;
  }

 private:
  sem_t semaphore_;
  Reason reason_ = Reason::Done;
};

inline StorageError unavailable(const sqlite::Error& e) { return {Failure::Unavailable, "storage: " + e.message}; }
inline StorageError notFound(std::string what) { return {Failure::NotFound, std::move(what)}; }

/// Runs `sql` with `args` bound in order and calls `row` for each result row.
template <class Row, class... Args>
StorageResult<void> each(sqlite::Connection& c, std::string_view sql, Row&& row, const Args&... args) {
  auto statement = c.prepared(sql);
  if (!statement) return std::unexpected(unavailable(statement.error()));
  auto use = (*statement)->use();
  (use(args), ...);
  for (;;) {
    auto more = use.next();
    if (!more) return std::unexpected(unavailable(more.error()));
    if (!*more) return {};
    row(use);
  }
}
template <class... Args>
StorageResult<void> run(sqlite::Connection& c, std::string_view sql, const Args&... args) {
  return each(
      c, sql, [](const sqlite::Statement::Use&) {}, args...);
}
/// The first column of the first row, when there is one.
template <class... Args>
StorageResult<std::optional<std::int64_t>> integer(sqlite::Connection& c, std::string_view sql, const Args&... args) {
  std::optional<std::int64_t> value;
  auto done = each(
      c, sql, [&](const sqlite::Statement::Use& u) { value = u.getOptionalInt(0); }, args...);
  if (!done) return std::unexpected(done.error());
  return value;
}

inline User readUser(const sqlite::Statement::Use& u) {
  return User{u.getInt(0), u.getString(1), u.getInt(2), u.getInt(3)};
}
inline constexpr const char* kUserColumns =
    "u.id, u.name, u.created_at, (SELECT COUNT(*) FROM sign_in_tokens t WHERE t.user_id = u.id)";

}  // namespace aieditor::backend::sqlite_storage

namespace aieditor::backend {
using namespace sqlite_storage;

struct SqliteStorage::Impl {
  std::mutex writeMutex, readMutex;
  sqlite::Connection writer, reader;

  /// One write waiting for its commit: `run` does its work inside a batch's
  /// transaction (in a savepoint of its own) and keeps its result;
  /// `commitFailed` turns a success into the batch's failure.
  struct PendingWrite {
    std::function<bool(sqlite::Connection&)> run;  ///< false when its savepoint rolled back
    std::function<void(const StorageError&)> commitFailed;
    /// Released once: when its batch is done, or when this write's thread is
    /// to lead the next batch.
    Wakeup woken{};
  };
  std::mutex queueMutex;
  std::vector<PendingWrite*> queue;

  ChangeListener listener;                ///< set before serving
  std::vector<ChangeNotice> uncommitted;  ///< the running write's changes (under writeMutex)

  bool committing = false;  ///< a thread leads a batch (under queueMutex)

  /// Runs `body` as one write and returns its result only after the commit.
  /// Writes that arrive together share one commit (group commit, as the editor
  /// server's storage thread does): when no batch is running, the next writer
  /// takes every write queued by then, runs each in its own savepoint, and
  /// commits them with one sync. A failed write rolls back its savepoint only.
  template <class F>
  auto write(F&& body) -> decltype(body(writer)) {
    using Result = decltype(body(writer));
    if (tInsideWrite) return nestedWrite(body);
    std::optional<Result> result;
    PendingWrite pending{[&](sqlite::Connection& c) {
                           auto savepoint = sqlite::Transaction::savepoint(c);
                           if (!savepoint) return (result = std::unexpected(unavailable(savepoint.error()))), false;
                           result = body(c);
                           if (*result)
                             if (auto released = savepoint->commit(); !released)
                               result = std::unexpected(unavailable(released.error()));
                           return result->has_value();
                         },
                         [&](const StorageError& error) {
                           if (!result || *result) result = std::unexpected(error);
                         }};
    commitQueued(pending);
    return std::move(*result);
  }

  /// True on the thread running a batch's writes (under writeMutex): a write
  /// called from inside another (applyWrites) joins its transaction.
  static inline thread_local bool tInsideWrite = false;

  /// A write inside the running one: a savepoint of its own, so refusing it
  /// rolls back only it, its change notices included.
  template <class F>
  auto nestedWrite(F& body) -> decltype(body(writer)) {
    auto savepoint = sqlite::Transaction::savepoint(writer);
    if (!savepoint) return std::unexpected(unavailable(savepoint.error()));
    const auto noticesBefore = uncommitted.size();
    auto result = body(writer);
    if (result)
      if (auto released = savepoint->commit(); !released) result = std::unexpected(unavailable(released.error()));
    if (!result) uncommitted.resize(noticesBefore);
    return result;
  }

  /// Returns once `mine` is committed (or failed). While no batch runs, this
  /// thread leads the next one: every write queued by then. Otherwise it
  /// sleeps until woken once: its batch is done, or it is handed the lead of
  /// the next batch (the oldest queued write's thread is). No thread wakes
  /// only to sleep again, and none waits for the connection to learn that its
  /// write was done (a convoy of wake-ups that slowed many clients).
  void commitQueued(PendingWrite& mine) {
    std::unique_lock lock(queueMutex);
    queue.push_back(&mine);
    if (committing) {
      lock.unlock();
      if (mine.woken.wait() == Wakeup::Reason::Done) return;
      lock.lock();
    }
    committing = true;
    std::vector<PendingWrite*> batch;
    batch.swap(queue);
    lock.unlock();
    // Whatever happens in the batch, its writes are done and the lead passes
    // on. The wake-ups go out after the queue's lock is released, so no woken
    // writer waits for it.
    struct Finish {
      Impl& impl;
      std::vector<PendingWrite*>& batch;
      PendingWrite& leader;
      ~Finish() {
        PendingWrite* next = nullptr;
        {
          std::lock_guard lock(impl.queueMutex);
          if (impl.queue.empty())
            impl.committing = false;
          else
            next = impl.queue.front();
        }
        for (auto* write : batch)
          if (write != &leader) write->woken.raise(Wakeup::Reason::Done);
        if (next) next->woken.raise(Wakeup::Reason::Lead);
      }
    } finish{*this, batch, mine};
    std::lock_guard connection(writeMutex);
    commitBatch(batch);
  }

  /// Runs `batch` in one transaction and commits it (under writeMutex).
  void commitBatch(const std::vector<PendingWrite*>& batch) {
    auto transaction = sqlite::Transaction::begin(writer, sqlite::Transaction::Mode::Immediate);
    if (!transaction) {
      for (auto* write : batch) write->commitFailed(unavailable(transaction.error()));
      return;
    }
    std::vector<ChangeNotice> notices;  // of the writes whose savepoints were kept
    tInsideWrite = true;
    for (auto* write : batch) {
      uncommitted.clear();
      if (write->run(writer)) std::move(uncommitted.begin(), uncommitted.end(), std::back_inserter(notices));
    }
    tInsideWrite = false;
    if (auto committed = transaction->commit(); !committed) {
      for (auto* write : batch) write->commitFailed(unavailable(committed.error()));
    } else if (listener) {
      for (const auto& notice : notices) listener(notice);
    }
  }

  /// Runs `body` on one consistent snapshot of the read connection.
  template <class F>
  auto read(F&& body) -> decltype(body(reader)) {
    std::lock_guard lock(readMutex);
    auto transaction = sqlite::Transaction::begin(reader, sqlite::Transaction::Mode::Deferred);
    if (!transaction) return std::unexpected(unavailable(transaction.error()));
    auto result = body(reader);
    if (result) (void)transaction->commit();
    return result;
  }

  /// The user's next seq, taken inside the caller's write transaction, with
  /// the change it numbers: commit order and seq order are the same.
  StorageResult<std::int64_t> logChange(sqlite::Connection& c, std::int64_t userId, const std::string& sessionId,
                                        std::string_view kind, std::optional<std::int64_t> refPos,
                                        const std::optional<std::string>& record) {
    auto seq = integer(c, "UPDATE users SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq", userId);
    if (!seq) return std::unexpected(seq.error());
    if (!*seq) return std::unexpected(notFound("user " + std::to_string(userId) + " not found"));
    auto added = run(c, "INSERT INTO changes(user_id, seq, session_id, kind, ref_pos, record) VALUES(?,?,?,?,?,?)",
                     userId, **seq, sessionId, kind, refPos, record);
    if (!added) return std::unexpected(added.error());
    uncommitted.push_back(ChangeNotice{userId, **seq, sessionId, std::string(kind)});
    return **seq;
  }

  /// Creates the session on its first write and marks it updated.
  StorageResult<void> touchSession(sqlite::Connection& c, std::int64_t userId, const std::string& sessionId,
                                   const std::string& title) {
    const auto at = server::now();
    return run(c,
               "INSERT INTO sessions(user_id, id, title, created_at, updated_at) VALUES(?,?,?,?,?) "
               "ON CONFLICT(user_id, id) DO UPDATE SET updated_at = excluded.updated_at, "
               "title = CASE WHEN sessions.title = '' THEN excluded.title ELSE sessions.title END",
               userId, sessionId, title, at, at);
  }

  StorageResult<bool> sessionExists(sqlite::Connection& c, std::int64_t userId, const std::string& sessionId) {
    auto found = integer(c, "SELECT 1 FROM sessions WHERE user_id = ? AND id = ?", userId, sessionId);
    if (!found) return std::unexpected(found.error());
    return found->has_value();
  }

  template <class T>
  StorageResult<Saved<T>> addRecord(std::int64_t userId, std::string_view kind, const Incoming<T>& in,
                                    const std::string& title) {
    const T& record = in.record;
    return write([&](sqlite::Connection& c) -> StorageResult<Saved<T>> {
      std::optional<std::string> existing;
      auto found = each(
          c, "SELECT body FROM records WHERE user_id = ? AND session_id = ? AND kind = ? AND id = ?",
          [&](const sqlite::Statement::Use& u) { existing = u.getString(0); }, userId, record.sessionId, kind,
          record.id);
      if (!found) return std::unexpected(found.error());
      if (existing) {
        auto previous = stored::decode<T>(*existing);
        if (!previous) return std::unexpected(previous.error());
        T candidate = record;
        if (!in.createdAtGiven) candidate.createdAt = previous->createdAt;
        if (candidate == *previous) return Saved<T>{std::move(*previous), false};
        return std::unexpected(stored::differentContent(kind, record.id));
      }
      if (auto touched = touchSession(c, userId, record.sessionId, title); !touched)
        return std::unexpected(touched.error());
      auto pos = integer(c, "INSERT INTO records(user_id, session_id, kind, id, body) VALUES(?,?,?,?,?) RETURNING pos",
                         userId, record.sessionId, kind, record.id, stored::encode(record));
      if (!pos) return std::unexpected(pos.error());
      if (auto seq = logChange(c, userId, record.sessionId, kind, *pos, std::nullopt); !seq)
        return std::unexpected(seq.error());
      return Saved<T>{record, true};
    });
  }

  template <class T>
  StorageResult<Page<T>> listRecords(std::int64_t userId, std::string_view kind, const std::string& sessionId,
                                     const std::optional<std::string>& before, std::int64_t limit) {
    return read([&](sqlite::Connection& c) -> StorageResult<Page<T>> {
      auto exists = sessionExists(c, userId, sessionId);
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
      std::int64_t beforePos = INT64_MAX;
      if (before) {
        auto pos = integer(c, "SELECT pos FROM records WHERE user_id = ? AND session_id = ? AND kind = ? AND id = ?",
                           userId, sessionId, kind, *before);
        if (!pos) return std::unexpected(pos.error());
        if (!*pos)
          return std::unexpected(StorageError{
              Failure::BadInput, "before: no " + std::string(kind) + " \"" + *before + "\" in this session"});
        beforePos = **pos;
      }
      std::vector<std::string> bodies;
      auto rows = each(
          c,
          "SELECT body FROM records WHERE user_id = ? AND session_id = ? AND kind = ? AND pos < ? "
          "ORDER BY pos DESC LIMIT ?",
          [&](const sqlite::Statement::Use& u) { bodies.push_back(u.getString(0)); }, userId, sessionId, kind,
          beforePos, limit + 1);
      if (!rows) return std::unexpected(rows.error());
      Page<T> page;
      page.hasMore = static_cast<std::int64_t>(bodies.size()) > limit;
      if (page.hasMore) bodies.pop_back();
      for (auto it = bodies.rbegin(); it != bodies.rend(); ++it) {
        auto record = stored::decode<T>(*it);
        if (!record) return std::unexpected(record.error());
        page.items.push_back(std::move(*record));
      }
      return page;
    });
  }

  StorageResult<std::vector<Component>> components(sqlite::Connection& c, std::string_view sql, std::int64_t userId,
                                                   const std::string& sessionId,
                                                   const std::optional<std::string>& componentId) {
    std::vector<std::string> bodies;
    auto rows = componentId ? each(
                                  c, sql, [&](const sqlite::Statement::Use& u) { bodies.push_back(u.getString(0)); },
                                  userId, sessionId, *componentId)
                            : each(
                                  c, sql, [&](const sqlite::Statement::Use& u) { bodies.push_back(u.getString(0)); },
                                  userId, sessionId);
    if (!rows) return std::unexpected(rows.error());
    std::vector<Component> out;
    for (const auto& body : bodies) {
      auto component = stored::decodeComponent(body);
      if (!component) return std::unexpected(component.error());
      out.push_back(std::move(*component));
    }
    return out;
  }
};

}  // namespace aieditor::backend
