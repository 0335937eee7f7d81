// Thin RAII wrappers over the SQLite C API, in the shape of Nix's sqlite.hh:
// one type owns a connection, one a prepared statement (prepared once, cached
// by the connection and reused), one a transaction (rolled back unless it is
// committed). Failures are values carrying SQLite's result code and message.
// Retrying on SQLITE_BUSY lives in one place: `retryWhileBusy` below.
//
// These types are not thread-safe: a connection and its statements are used by
// one thread at a time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace aieditor::server::sqlite {

/// A failed SQLite call.
struct Error {
  int code = 1;         ///< SQLite's extended result code (SQLITE_ERROR unless known)
  std::string message;  ///< SQLite's own message (sqlite3_errmsg) or ours when not from SQLite
};
template <class T>
using Result = std::expected<T, Error>;

/// True for SQLITE_BUSY and SQLITE_LOCKED (any extended code): another
/// connection holds a lock, and running the whole transaction again may work.
bool isBusy(int code);
/// True for SQLITE_CONSTRAINT (any extended code).
bool isConstraint(int code);
/// True for SQLITE_READONLY (any extended code).
bool isReadOnly(int code);

/// Runs `attempt` (a whole transaction) again while it fails with a busy
/// error, a bounded number of times and only within `patience` (the busy
/// timeout). The connection's busy handler already waits for locks; this
/// covers the cases SQLite reports without waiting (WAL recovery, a snapshot
/// gone stale, a lock race in COMMIT). A lock still held after a whole busy
/// timeout is not waited for again. `attempt` returns an expected value whose
/// error has `bool busy() const`.
template <class F>
auto retryWhileBusy(std::chrono::milliseconds patience, F&& attempt) -> decltype(attempt()) {
  constexpr int kAttempts = 25;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    auto result = attempt();
    if (result || !result.error().busy() || i == kAttempts) return result;
    if (std::chrono::steady_clock::now() - start >= patience) return result;
    // A short, growing pause lets the other connection finish; SQLite's busy
    // handler has already waited for locks it could see.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(i, 20)));
  }
}

class Statement;

/// Whether `statistics` is what bm25_corpus makes for a query of `phrases`
/// phrases (so bm25_frozen takes it): for statistics read back from a client.
bool fitsFrozenBm25(std::string_view statistics, int phrases);

/// An open database connection.
class Connection {
 public:
  /// Opens `path` (a file name, or a `file:` URI) with SQLITE_OPEN_URI,
  /// creating the file when it is missing and the URI does not say otherwise.
  /// Sets extended result codes and a busy handler that waits for another
  /// connection's lock for up to `busyTimeout`, in short growing sleeps.
  static Result<Connection> open(const std::string& path, std::chrono::milliseconds busyTimeout);
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  /// Runs SQL without values or wanted rows (PRAGMA settings, DDL, BEGIN).
  Result<void> exec(const char* sql);
  /// Runs one statement without values, prepared once and reused: for the
  /// BEGIN/SAVEPOINT/RELEASE/COMMIT of every write, where compiling the SQL
  /// each time would cost more than the statement itself.
  Result<void> run(std::string_view sql);
  /// The statement for `sql`, prepared on first use and kept for reuse.
  Result<Statement*> prepared(std::string_view sql);
  /// Adds FTS5 ranking with frozen corpus statistics to this connection:
  /// bm25_corpus(table) and bm25_frozen(table, statistics) (FrozenBm25.cpp).
  /// An error when this SQLite has no FTS5.
  Result<void> addFrozenBm25();
  /// Copies the whole main database to a new file at `destination`
  /// (the online backup API: a consistent snapshot while others write).
  Result<void> backupTo(const std::string& destination);

  /// The failure SQLite reports for the last call on this connection.
  Error lastError(int code) const;
  /// The absolute file name of the main database ("" for in-memory ones).
  std::string filename() const;
  /// Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const;
  bool inTransaction() const;
  /// Whether the main database file is no longer at the name it was opened
  /// by (renamed or deleted while open; SQLITE_FCNTL_HAS_MOVED).
  bool movedAway() const;
  sqlite3* handle() const { return db_.get(); }
  /// How long one statement waits for another connection's lock.
  std::chrono::milliseconds busyTimeout() const;

 private:
  struct Close {
    void operator()(sqlite3*) const;
  };
  struct Waiting;
  explicit Connection(sqlite3*);
  static int waitForLock(void* waiting, int attempts);
  // Declared before db_, so it outlives the connection whose busy handler it is.
  std::unique_ptr<Waiting> waiting_;
  std::unique_ptr<sqlite3, Close> db_;
  // Declared after db_ so the statements are finalised before the close.
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
};

/// A prepared statement. Use it through `use()`, which binds and steps and
/// resets the statement when done, so it is ready for the next use.
class Statement {
 public:
  static Result<Statement> prepare(const Connection&, std::string_view sql);
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  ~Statement() = default;

  class Use;
  /// Starts one execution. Only one Use of a statement may be alive at once.
  Use use();

 private:
  struct Finalize {
    void operator()(sqlite3_stmt*) const;
  };
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

/// One execution of a statement: bind parameters in order with operator(),
/// then step with next() or exec(). Resets and clears bindings when it ends.
class Statement::Use {
 public:
  explicit Use(Statement& statement) : statement_(statement) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use();

  Use& operator()(std::int64_t value);
  Use& operator()(double value);
  Use& operator()(std::string_view value);
  Use& operator()(const std::string& value) { return (*this)(std::string_view(value)); }
  Use& operator()(const char* value) { return (*this)(std::string_view(value)); }
  Use& operator()(std::nullopt_t);
  Use& operator()(const std::optional<std::string>& value);
  Use& operator()(const std::optional<std::int64_t>& value);
  Use& operator()(const std::optional<double>& value) { return value ? (*this)(*value) : (*this)(std::nullopt); }

  /// Steps once: true when a row is ready to read, false when done.
  Result<bool> next();
  /// Steps to the end, ignoring rows.
  Result<void> exec();

  std::int64_t getInt(int column) const;
  double getDouble(int column) const;
  std::string getString(int column) const;  ///< "" for NULL
  bool isNull(int column) const;
  std::optional<std::string> getOptionalString(int column) const;
  std::optional<std::int64_t> getOptionalInt(int column) const;

 private:
  Use& checkBind(int rc);
  Statement& statement_;
  int index_ = 0;
  std::optional<Error> bindError_;
};

/// A transaction that rolls back unless commit() succeeds.
class Transaction {
 public:
  enum class Mode {
    Deferred,  ///< readers: a consistent snapshot, no write lock
    Immediate  ///< writers: takes the write lock at once (waits per busy timeout)
  };
  static Result<Transaction> begin(Connection&, Mode);
  /// A nested transaction inside an open one: released on commit, rolled
  /// back to on failure, leaving the outer transaction's other work intact.
  static Result<Transaction> savepoint(Connection&);
  Transaction(Transaction&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)), savepoint_(other.savepoint_) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Result<void> commit();

 private:
  Transaction(Connection& connection, bool savepoint) : connection_(&connection), savepoint_(savepoint) {}
  Connection* connection_;  ///< null once committed or rolled back
  bool savepoint_ = false;
};

}  // namespace aieditor::server::sqlite
