// Thin RAII wrappers over libpq, in the shape of the SQLite layer
// (sqlite/include/aieditor/sqlite/Sqlite.h): one type owns a connection
// (PGconn), one a result (PGresult), one a transaction (rolled back unless it
// is committed). Values always travel as parameters (PQexecParams, text
// format); SQL is never built from them. Failures are values: the SQLSTATE
// mapped to what callers act on (a unique violation, a serialization failure
// worth retrying, a lost connection), with PostgreSQL's own message.
//
// A Connection is used by one thread at a time (libpq connections are not
// thread-safe); a pool hands them out. The connection string may hold a
// password, so it is never kept or shown: errors name the host and database.
#pragma once

#include <cstdint>
#include <expected>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <string_view>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace aieditor::backend::pg {

enum class ErrorKind {
  Other,
  UniqueViolation,       ///< 23505: another transaction stored the same key first
  SerializationFailure,  ///< 40001 or a deadlock (40P01): run the whole transaction again
  ConnectionLost,        ///< the server went away (class 08, 57P01-57P03, or the socket broke)
};
struct Error {
  ErrorKind kind = ErrorKind::Other;
  std::string sqlstate;  ///< five characters, or "" when not from the server
  std::string message;
  bool retryable() const { return kind == ErrorKind::UniqueViolation || kind == ErrorKind::SerializationFailure; }
};
template <class T>
using Result = std::expected<T, Error>;

/// One query parameter, sent as text (NULL when empty).
class Param {
 public:
  Param(std::int64_t value) : text_(std::to_string(value)) {}
  Param(int value) : text_(std::to_string(value)) {}
  Param(std::string_view value) : text_(std::string(value)) {}
  Param(const std::string& value) : text_(value) {}
  Param(const char* value) : text_(std::string(value)) {}
  Param(std::nullopt_t) {}
  Param(const std::optional<std::string>& value) : text_(value) {}
  Param(const std::optional<std::int64_t>& value) {
    if (value) text_ = std::to_string(*value);
  }
  const char* data() const { return text_ ? text_->c_str() : nullptr; }

 private:
  std::optional<std::string> text_;
};

/// The rows of one statement (an owned PGresult).
class Rows {
 public:
  int size() const;
  bool empty() const { return size() == 0; }
  bool isNull(int row, int column) const;
  std::string getString(int row, int column) const;  ///< "" for NULL
  std::int64_t getInt(int row, int column) const;    ///< 0 for NULL
  std::optional<std::string> getOptionalString(int row, int column) const;
  std::optional<std::int64_t> getOptionalInt(int row, int column) const;
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;

 private:
  friend class Connection;
  struct Clear {
    void operator()(pg_result*) const;
  };
  explicit Rows(pg_result* result) : result_(result) {}
  std::unique_ptr<pg_result, Clear> result_;
};

/// A NOTIFY this connection heard.
struct Notification {
  std::string channel;
  std::string payload;
};

/// An open connection to a PostgreSQL server.
class Connection {
 public:
  /// Connects with a libpq connection string (key=value pairs or a
  /// postgresql:// URI), giving up after connect_timeout (10 s unless the
  /// string says). A string libpq cannot parse is refused without echoing
  /// any of it (it may hold a password).
  static Result<Connection> connect(const std::string& conninfo);
  /// "host/dbname" of a connection string, for messages; "" when unparsable.
  static std::string describe(const std::string& conninfo);
  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  ~Connection() = default;

  /// Runs SQL without parameters (DDL, possibly several statements).
  Result<void> exec(const char* sql);
  /// Runs one statement with its parameters and returns its rows. Each
  /// distinct statement is prepared once per connection and then only
  /// executed: the server parses and plans it once, not on every call.
  Result<Rows> query(std::string_view sql, std::initializer_list<Param> params = {});
  /// False once the connection is broken; a pool then drops it.
  bool healthy() const;
  /// "host/dbname", for messages.
  const std::string& name() const { return name_; }

  /// For LISTEN: the socket to poll, then consume input and take what arrived.
  int socket() const;
  Result<void> consumeInput();
  std::vector<Notification> notifications();

 private:
  struct Finish {
    void operator()(pg_conn*) const;
  };
  explicit Connection(pg_conn* conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  Error lastError(pg_result* result) const;
  std::unique_ptr<pg_conn, Finish> conn_;
  std::string name_;
  /// The statements prepared on this connection, by their SQL text. Not
  /// transactional in PostgreSQL: they outlive a rolled-back transaction.
  std::unordered_map<std::string, std::string> prepared_;
};

/// BEGIN ... COMMIT on one connection; rolled back unless commit() succeeds.
class Transaction {
 public:
  enum class Mode {
    ReadWrite,  ///< READ COMMITTED: each statement sees what committed before it
    Snapshot    ///< REPEATABLE READ READ ONLY: one consistent snapshot for a read
  };
  static Result<Transaction> begin(Connection&, Mode = Mode::ReadWrite);
  Transaction(Transaction&& other) noexcept : connection_(std::exchange(other.connection_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> commit();

 private:
  explicit Transaction(Connection& connection) : connection_(&connection) {}
  Connection* connection_;  ///< null once committed or rolled back
};

}  // namespace aieditor::backend::pg
