// Internal to the PostgreSQL storage: the schema's migrations, Impl (the
// pool, transactions retried on serialization failures and unique
// violations, the change log with its NOTIFY) and the shared record writes.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ChangeFeed.h"
#include "Notifier.h"
#include "Pg.h"
#include "Pool.h"
#include "PostgresStorage.h"
#include "StoredRecords.h"
#include "common/Ids.h"

namespace aieditor::backend::postgres {

inline StorageError unavailable(const pg::Error& e) { return {Failure::Unavailable, "storage: " + e.message}; }
inline StorageError notFound(std::string what) { return {Failure::NotFound, std::move(what)}; }

/// One connection inside one transaction: queries that remember how the last
/// one failed, so the transaction's runner knows whether to run it again.
struct Db {
  pg::Connection& connection;
  std::optional<pg::ErrorKind> failedWith;
  std::vector<ChangeNotice> notices;  ///< the transaction's changes, announced after its commit

  StorageResult<pg::Rows> query(std::string_view sql, std::initializer_list<pg::Param> params = {}) {
    auto rows = connection.query(sql, params);
    if (!rows) {
      failedWith = rows.error().kind;
      return std::unexpected(unavailable(rows.error()));
    }
    return std::move(*rows);
  }
  /// The first column of the first row, when there is one.
  StorageResult<std::optional<std::int64_t>> integer(std::string_view sql, std::initializer_list<pg::Param> params) {
    auto rows = query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<std::int64_t>();
    return rows->getOptionalInt(0, 0);
  }
};

inline constexpr const char* kUserColumns =
    "u.id, u.name, u.created_at, (SELECT COUNT(*) FROM sign_in_tokens t WHERE t.user_id = u.id)";
inline User readUser(const pg::Rows& rows, int row) {
  return User{rows.getInt(row, 0), rows.getString(row, 1), rows.getInt(row, 2), rows.getInt(row, 3)};
}

/// Creates or migrates the schema, under an advisory lock so that nodes
/// starting together take turns.
StorageResult<void> migrate(pg::Connection&);

}  // namespace aieditor::backend::postgres

namespace aieditor::backend {
using namespace postgres;

struct PostgresStorage::Impl {
  pg::Pool pool;
  std::mutex feedMutex;
  std::unique_ptr<pg::ChangeFeed> feed;
  pg::Notifier notifier{pool};  ///< NOTIFYs every node (this one too) of committed changes

  /// Runs `body` in one transaction on a pooled connection and commits it
  /// (in `mode`; without a mode, `body` makes one statement, autocommitted:
  /// atomic by itself, and one round trip). A serialization failure, a
  /// deadlock or a unique violation (another transaction stored the same key
  /// first) runs it again from the start, where it sees what the other one
  /// committed. A lost connection answers Unavailable; the pool replaces the
  /// connection. The changes it logged are announced after the commit.
  template <class F>
  auto transact(std::optional<pg::Transaction::Mode> mode, F&& body) -> decltype(body(std::declval<Db&>())) {
    if (tCurrent) return nested(*tCurrent, body);
    for (int attempt = 1;; ++attempt) {
      auto lease = pool.acquire();
      if (!lease) return std::unexpected(unavailable(lease.error()));
      std::optional<pg::Transaction> transaction;
      if (mode) {
        auto begun = pg::Transaction::begin(**lease, *mode);
        if (!begun) return std::unexpected(unavailable(begun.error()));
        transaction.emplace(std::move(*begun));
      }
      Db db{**lease, std::nullopt, {}};
      tCurrent = &db;
      auto result = body(db);
      tCurrent = nullptr;
      if (result) {
        auto committed = transaction ? transaction->commit() : pg::Result<void>();
        if (committed) {
          notifier.announce(std::move(db.notices));
          return result;
        }
        if (!committed.error().retryable() || attempt == kAttempts)
          return std::unexpected(unavailable(committed.error()));
        continue;
      }
      const bool again = db.failedWith && (*db.failedWith == pg::ErrorKind::UniqueViolation ||
                                           *db.failedWith == pg::ErrorKind::SerializationFailure);
      if (!again || attempt == kAttempts) return result;
    }
  }
  static constexpr int kAttempts = 20;
  /// The transaction this thread runs a call in: a call made from inside
  /// another (applyWrites) joins it instead of taking a second connection.
  static inline thread_local Db* tCurrent = nullptr;

  /// A call inside the running transaction, in a savepoint of its own: a
  /// refused write rolls back only itself (its NOTIFY too), and a unique
  /// violation runs it again from the savepoint.
  template <class F>
  auto nested(Db& db, F& body) -> decltype(body(db)) {
    for (int attempt = 1;; ++attempt) {
      if (auto savepoint = db.query("SAVEPOINT nested_call"); !savepoint) return std::unexpected(savepoint.error());
      db.failedWith.reset();
      const auto noticesBefore = db.notices.size();
      auto result = body(db);
      if (result) {
        if (auto released = db.query("RELEASE SAVEPOINT nested_call"); !released)
          return std::unexpected(released.error());
        return result;
      }
      const auto failedWith = db.failedWith;
      db.notices.resize(noticesBefore);
      if (auto undone = db.query("ROLLBACK TO SAVEPOINT nested_call"); !undone) return std::unexpected(undone.error());
      if (auto released = db.query("RELEASE SAVEPOINT nested_call"); !released)
        return std::unexpected(released.error());
      const bool again = failedWith && (*failedWith == pg::ErrorKind::UniqueViolation ||
                                        *failedWith == pg::ErrorKind::SerializationFailure);
      if (!again || attempt == kAttempts) return result;
    }
  }

  template <class F>
  auto write(F&& body) {
    return transact(pg::Transaction::Mode::ReadWrite, std::forward<F>(body));
  }
  /// A call that is one statement: autocommitted (one round trip, and a
  /// statement sees one snapshot), or inside the running transaction when
  /// called from one (applyWrites).
  template <class F>
  auto oneStatement(F&& body) {
    return transact(std::nullopt, std::forward<F>(body));
  }
  template <class F>
  auto read(F&& body) {
    return transact(pg::Transaction::Mode::Snapshot, std::forward<F>(body));
  }

  /// The user's next seq, under the user's row lock inside the caller's
  /// transaction (so commit order = seq order for each user, and a `since`
  /// poller never skips a row), with its change row; its notice is
  /// announced once the transaction has committed.
  StorageResult<std::int64_t> logChange(Db& db, std::int64_t userId, const std::string& sessionId,
                                        std::string_view kind, std::optional<std::int64_t> refPos,
                                        const std::optional<std::string>& record) {
    auto seq = db.integer(
        "WITH bumped AS (UPDATE users SET last_seq = last_seq + 1 WHERE id = $1::bigint RETURNING last_seq) "
        "INSERT INTO changes(user_id, seq, session_id, kind, ref_pos, record) "
        "SELECT $1::bigint, last_seq, $2::text, $3::text, $4::bigint, $5::text FROM bumped RETURNING seq",
        {userId, sessionId, kind, refPos, record});
    if (!seq) return std::unexpected(seq.error());
    if (!*seq) return std::unexpected(notFound("user " + std::to_string(userId) + " not found"));
    db.notices.push_back(ChangeNotice{userId, **seq, sessionId, std::string(kind)});
    return **seq;
  }

  /// Creates the session on its first write and marks it updated.
  StorageResult<void> touchSession(Db& db, std::int64_t userId, const std::string& sessionId,
                                   const std::string& title) {
    const auto at = server::now();
    auto done = db.query(
        "INSERT INTO sessions(user_id, id, title, created_at, updated_at) VALUES($1, $2, $3, $4, $4) "
        "ON CONFLICT(user_id, id) DO UPDATE SET updated_at = excluded.updated_at, "
        "title = CASE WHEN sessions.title = '' THEN excluded.title ELSE sessions.title END",
        {userId, sessionId, title, at});
    if (!done) return std::unexpected(done.error());
    return {};
  }

  StorageResult<bool> sessionExists(Db& db, std::int64_t userId, const std::string& sessionId) {
    auto found = db.integer("SELECT 1 FROM sessions WHERE user_id = $1 AND id = $2", {userId, sessionId});
    if (!found) return std::unexpected(found.error());
    return found->has_value();
  }

  /// Stores a message or interaction as one statement (one round trip, and
  /// autocommitted outside a batch): unless a record with its id exists, the
  /// session is created or touched, the record inserted, the user's seq
  /// bumped under its row lock and the change logged, in that order, as
  /// separate statements did before. The existing record's body comes back
  /// for the idempotency check; a missing user fails the whole statement
  /// (seq is NOT NULL), so nothing is kept without its change.
  template <class T>
  StorageResult<Saved<T>> addRecord(std::int64_t userId, std::string_view kind, const Incoming<T>& in,
                                    const std::string& title) {
    const T& record = in.record;
    const std::string body = stored::encode(record);
    return oneStatement([&](Db& db) -> StorageResult<Saved<T>> {
      auto rows = db.query(
          "WITH existing AS ("
          "  SELECT body FROM records WHERE user_id = $1 AND session_id = $2 AND kind = $3 AND id = $4), "
          "touched AS ("
          "  INSERT INTO sessions(user_id, id, title, created_at, updated_at) "
          "  SELECT $1, $2, $6, $7, $7 WHERE NOT EXISTS (SELECT 1 FROM existing) "
          "  ON CONFLICT(user_id, id) DO UPDATE SET updated_at = excluded.updated_at, "
          "  title = CASE WHEN sessions.title = '' THEN excluded.title ELSE sessions.title END RETURNING 1), "
          "added AS ("
          "  INSERT INTO records(user_id, session_id, kind, id, body) "
          "  SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM touched) RETURNING pos), "
          "bumped AS ("
          "  UPDATE users SET last_seq = last_seq + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM added) "
          "  RETURNING last_seq), "
          "logged AS ("
          "  INSERT INTO changes(user_id, seq, session_id, kind, ref_pos, record) "
          "  SELECT $1, (SELECT last_seq FROM bumped), $2, $3, pos, NULL FROM added RETURNING seq) "
          "SELECT (SELECT body FROM existing), (SELECT seq FROM logged)",
          {userId, record.sessionId, kind, record.id, body, title, server::now()});
      if (!rows) return std::unexpected(rows.error());
      if (auto existing = rows->getOptionalString(0, 0)) {
        auto previous = stored::decode<T>(*existing);
        if (!previous) return std::unexpected(previous.error());
        T candidate = record;
        if (!in.createdAtGiven) candidate.createdAt = previous->createdAt;
        if (candidate == *previous) return Saved<T>{std::move(*previous), false};
        return std::unexpected(stored::differentContent(kind, record.id));
      }
      const auto seq = rows->getOptionalInt(0, 1);
      if (!seq) return std::unexpected(StorageError{Failure::Unavailable, "storage: the change was not logged"});
      db.notices.push_back(ChangeNotice{userId, *seq, record.sessionId, std::string(kind)});
      return Saved<T>{record, true};
    });
  }

  template <class T>
  StorageResult<Page<T>> listRecords(std::int64_t userId, std::string_view kind, const std::string& sessionId,
                                     const std::optional<std::string>& before, std::int64_t limit) {
    return read([&](Db& db) -> StorageResult<Page<T>> {
      auto exists = sessionExists(db, userId, sessionId);
      if (!exists) return std::unexpected(exists.error());
      if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
      std::int64_t beforePos = INT64_MAX;
      if (before) {
        auto pos =
            db.integer("SELECT pos FROM records WHERE user_id = $1 AND session_id = $2 AND kind = $3 AND id = $4",
                       {userId, sessionId, kind, *before});
        if (!pos) return std::unexpected(pos.error());
        if (!*pos)
          return std::unexpected(StorageError{
              Failure::BadInput, "before: no " + std::string(kind) + " \"" + *before + "\" in this session"});
        beforePos = **pos;
      }
      auto rows = db.query(
          "SELECT body FROM records WHERE user_id = $1 AND session_id = $2 AND kind = $3 AND pos < $4 "
          "ORDER BY pos DESC LIMIT $5",
          {userId, sessionId, kind, beforePos, limit + 1});
      if (!rows) return std::unexpected(rows.error());
      Page<T> page;
      int count = rows->size();
      page.hasMore = count > limit;
      if (page.hasMore) --count;
      for (int row = count - 1; row >= 0; --row) {
        auto record = stored::decode<T>(rows->getString(row, 0));
        if (!record) return std::unexpected(record.error());
        page.items.push_back(std::move(*record));
      }
      return page;
    });
  }

  /// Component bodies of `rows`' first column, decoded.
  static StorageResult<std::vector<Component>> components(const pg::Rows& rows) {
    std::vector<Component> out;
    for (int row = 0; row < rows.size(); ++row) {
      auto component = stored::decodeComponent(rows.getString(row, 0));
      if (!component) return std::unexpected(component.error());
      out.push_back(std::move(*component));
    }
    return out;
  }
};

}  // namespace aieditor::backend
