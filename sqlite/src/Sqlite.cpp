#include "aieditor/sqlite/Sqlite.h"

#include <sqlite3.h>

#include "GrowingWalVfs.h"

namespace aieditor::server::sqlite {

namespace {

Error errorOf(sqlite3* db, int code) {
  // sqlite3_errmsg describes the most recent failure on the connection; when
  // there is no connection (allocation failure) fall back to the code's text.
  return Error{code, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code)};
}

/// Process-wide settings, made once before SQLite initialises itself.
void configureOnce() {
  static const bool done = [] {
    // Memory statistics put a global mutex around every allocation SQLite
    // makes, and nothing here reads them. Too late once SQLite is running
    // (another user in the process started it first): then it stays on.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

bool isBusy(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool isConstraint(int code) { return (code & 0xff) == SQLITE_CONSTRAINT; }

bool isReadOnly(int code) { return (code & 0xff) == SQLITE_READONLY; }

// ---- Connection --------------------------------------------------------------

void Connection::Close::operator()(sqlite3* db) const {
  // close_v2 defers the close if a statement were still alive, rather than
  // failing; statements_ is destroyed first, so this closes at once.
  sqlite3_close_v2(db);
}

/// The busy handler's state: how long to wait, and since when this wait began.
struct Connection::Waiting {
  std::chrono::milliseconds timeout;
  std::chrono::steady_clock::time_point since;
};

Connection::Connection(sqlite3* db) : db_(db) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::open(const std::string& path, std::chrono::milliseconds busyTimeout) {
  sqlite3* raw = nullptr;
  // NOMUTEX: one thread at a time uses a connection, so SQLite's own mutexes would only
  // cost time. A `mode=ro` or `mode=rw` in a URI narrows these flags.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  configureOnce();
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, growingWalVfs());
  // Even a failed open usually allocates a handle, which must be closed.
  Connection connection(raw);
  if (rc != SQLITE_OK) {
    Error error = errorOf(raw, rc);
    error.message += " (" + path + ")";
    return std::unexpected(std::move(error));
  }
  sqlite3_extended_result_codes(raw, 1);
  // Like sqlite3_busy_timeout's handler, but timed by the clock (see waitForLock).
  connection.waiting_ = std::make_unique<Waiting>(Waiting{busyTimeout, {}});
  sqlite3_busy_handler(raw, &Connection::waitForLock, connection.waiting_.get());
  return connection;
}

int Connection::waitForLock(void* state, int attempts) {
  auto& waiting = *static_cast<Waiting*>(state);
  const auto now = std::chrono::steady_clock::now();
  if (attempts == 0) waiting.since = now;
  if (now - waiting.since >= waiting.timeout) return 0;  // give up: SQLITE_BUSY
  // Short sleeps first, as SQLite's own handler does: most locks are brief.
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempts + 1, 20)));
  return 1;
}

std::chrono::milliseconds Connection::busyTimeout() const {
  return waiting_ ? waiting_->timeout : std::chrono::milliseconds(0);
}

Result<void> Connection::exec(const char* sql) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(lastError(rc));
  return {};
}

Result<void> Connection::run(std::string_view sql) {
  auto statement = prepared(sql);
  if (!statement) return std::unexpected(statement.error());
  return (*statement)->use().exec();
}

Result<Statement*> Connection::prepared(std::string_view sql) {
  const std::string key(sql);
  if (auto found = statements_.find(key); found != statements_.end()) return found->second.get();
  auto statement = Statement::prepare(*this, sql);
  if (!statement) return std::unexpected(statement.error());
  auto stored = std::make_unique<Statement>(std::move(*statement));
  Statement* pointer = stored.get();
  statements_.emplace(key, std::move(stored));
  return pointer;
}

Result<void> Connection::backupTo(const std::string& destination) {
  sqlite3* raw = nullptr;
  const int openRc = sqlite3_open_v2(destination.c_str(), &raw,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Connection target(raw);
  if (openRc != SQLITE_OK) return std::unexpected(errorOf(raw, openRc));
  sqlite3_backup* backup = sqlite3_backup_init(raw, "main", db_.get(), "main");
  if (backup == nullptr) return std::unexpected(target.lastError(sqlite3_errcode(raw)));
  // One step of -1 copies every page under a single read lock, so the copy is
  // a consistent snapshot even while other connections write.
  const int stepRc = sqlite3_backup_step(backup, -1);
  const int finishRc = sqlite3_backup_finish(backup);
  // finish reports a failed step again and leaves its message on the target.
  if (stepRc != SQLITE_DONE) return std::unexpected(target.lastError(stepRc));
  if (finishRc != SQLITE_OK) return std::unexpected(target.lastError(finishRc));
  return {};
}

Error Connection::lastError(int code) const { return errorOf(db_.get(), code); }

std::string Connection::filename() const {
  const char* name = sqlite3_db_filename(db_.get(), "main");
  return name != nullptr ? name : "";
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_.get()); }

bool Connection::inTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

bool Connection::movedAway() const {
  int moved = 0;
  return sqlite3_file_control(db_.get(), "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved != 0;
}

// ---- Statement ---------------------------------------------------------------

void Statement::Finalize::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

Result<Statement> Statement::prepare(const Connection& connection, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  // PERSISTENT: the statement is cached for the life of the connection.
  const int rc = sqlite3_prepare_v3(connection.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return std::unexpected(connection.lastError(rc));
  }
  return Statement(stmt);
}

Statement::Use Statement::use() { return Use(*this); }

Statement::Use::~Use() {
  sqlite3_reset(statement_.stmt_.get());
  sqlite3_clear_bindings(statement_.stmt_.get());
}

Statement::Use& Statement::Use::checkBind(int rc) {
  if (rc != SQLITE_OK && !bindError_) bindError_ = errorOf(sqlite3_db_handle(statement_.stmt_.get()), rc);
  return *this;
}

Statement::Use& Statement::Use::operator()(std::int64_t value) {
  return checkBind(sqlite3_bind_int64(statement_.stmt_.get(), ++index_, value));
}

Statement::Use& Statement::Use::operator()(double value) {
  return checkBind(sqlite3_bind_double(statement_.stmt_.get(), ++index_, value));
}

Statement::Use& Statement::Use::operator()(std::string_view value) {
  // TRANSIENT: SQLite copies the text, so temporaries may die before step.
  return checkBind(sqlite3_bind_text64(statement_.stmt_.get(), ++index_, value.data(), value.size(),
                                       SQLITE_TRANSIENT, SQLITE_UTF8));
}

Statement::Use& Statement::Use::operator()(std::nullopt_t) {
  return checkBind(sqlite3_bind_null(statement_.stmt_.get(), ++index_));
}

Statement::Use& Statement::Use::operator()(const std::optional<std::string>& value) {
  return value ? (*this)(std::string_view(*value)) : (*this)(std::nullopt);
}

Statement::Use& Statement::Use::operator()(const std::optional<std::int64_t>& value) {
  return value ? (*this)(*value) : (*this)(std::nullopt);
}

Result<bool> Statement::Use::next() {
  if (bindError_) return std::unexpected(*bindError_);
  sqlite3_stmt* stmt = statement_.stmt_.get();
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(errorOf(sqlite3_db_handle(stmt), rc));
}

Result<void> Statement::Use::exec() {
  for (;;) {
    auto row = next();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

std::int64_t Statement::Use::getInt(int column) const {
  return sqlite3_column_int64(statement_.stmt_.get(), column);
}

double Statement::Use::getDouble(int column) const { return sqlite3_column_double(statement_.stmt_.get(), column); }

std::string Statement::Use::getString(int column) const {
  sqlite3_stmt* stmt = statement_.stmt_.get();
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  // column_bytes after column_text gives the length of that text, so strings
  // holding NUL bytes survive intact.
  return text != nullptr ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)))
                         : std::string();
}

bool Statement::Use::isNull(int column) const {
  return sqlite3_column_type(statement_.stmt_.get(), column) == SQLITE_NULL;
}

std::optional<std::string> Statement::Use::getOptionalString(int column) const {
  if (isNull(column)) return std::nullopt;
  return getString(column);
}

std::optional<std::int64_t> Statement::Use::getOptionalInt(int column) const {
  if (isNull(column)) return std::nullopt;
  return getInt(column);
}

// ---- Transaction -------------------------------------------------------------

Result<Transaction> Transaction::begin(Connection& connection, Mode mode) {
  auto begun = connection.run(mode == Mode::Immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!begun) return std::unexpected(begun.error());
  return Transaction(connection, false);
}

Result<Transaction> Transaction::savepoint(Connection& connection) {
  auto begun = connection.run("SAVEPOINT write");
  if (!begun) return std::unexpected(begun.error());
  return Transaction(connection, true);
}

Result<void> Transaction::commit() {
  auto committed = connection_->run(savepoint_ ? "RELEASE write" : "COMMIT");
  // A failed COMMIT (e.g. busy) leaves the transaction open: the destructor
  // rolls it back.
  if (!committed) return committed;
  connection_ = nullptr;
  return {};
}

Transaction::~Transaction() {
  // Some errors (disk full, I/O) roll back by themselves; ROLLBACK would then
  // fail with "no transaction is active", so only roll back an open one.
  if (connection_ == nullptr || !connection_->inTransaction()) return;
  if (savepoint_) (void)connection_->exec("ROLLBACK TO write; RELEASE write");
  else (void)connection_->exec("ROLLBACK");
}

}  // namespace aieditor::server::sqlite
