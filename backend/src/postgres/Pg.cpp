// The libpq wrappers: connecting, running parameterised statements, SQLSTATE
// to ErrorKind, LISTEN's input, and transactions.
#include "Pg.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <string>

namespace aieditor::backend::pg {
namespace {

ErrorKind kindOf(std::string_view sqlstate) {
  if (sqlstate == "23505") return ErrorKind::UniqueViolation;
  if (sqlstate == "40001" || sqlstate == "40P01") return ErrorKind::SerializationFailure;
  // Class 08 is connection exceptions; 57P01-57P03 the server shutting down or starting.
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03")
    return ErrorKind::ConnectionLost;
  return ErrorKind::Other;
}

std::string trimmed(const char* text) {
  std::string message = text ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

// ---- Rows ----------------------------------------------------------------------------

void Rows::Clear::operator()(pg_result* result) const { PQclear(result); }
int Rows::size() const { return PQntuples(result_.get()); }
bool Rows::isNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
std::string Rows::getString(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}
std::int64_t Rows::getInt(int row, int column) const {
  return isNull(row, column) ? 0 : std::strtoll(PQgetvalue(result_.get(), row, column), nullptr, 10);
}
std::optional<std::string> Rows::getOptionalString(int row, int column) const {
  if (isNull(row, column)) return std::nullopt;
  return getString(row, column);
}
std::optional<std::int64_t> Rows::getOptionalInt(int row, int column) const {
  if (isNull(row, column)) return std::nullopt;
  return getInt(row, column);
}
std::int64_t Rows::affected() const {
  const char* count = PQcmdTuples(result_.get());
  return count && *count ? std::strtoll(count, nullptr, 10) : 0;
}

// ---- Connection ----------------------------------------------------------------------

void Connection::Finish::operator()(pg_conn* conn) const { PQfinish(conn); }

std::string Connection::describe(const std::string& conninfo) {
  char* parseError = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parseError);
  PQfreemem(parseError);  // it may quote the string: never shown
  if (!options) return "";
  std::string host, dbname;
  for (auto* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string_view(o->keyword) == "host" || (host.empty() && std::string_view(o->keyword) == "hostaddr"))
      host = o->val;
    if (std::string_view(o->keyword) == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  return (host.empty() ? "localhost" : host) + "/" + (dbname.empty() ? "(default database)" : dbname);
}

Result<Connection> Connection::connect(const std::string& conninfo) {
  std::string name = describe(conninfo);
  if (name.empty())
    return std::unexpected(
        Error{ErrorKind::Other, "", "not a valid connection string (key=value pairs or a postgresql:// URI)"});
  // Defaults the string may override (its keys come later in libpq's order
  // and win): a connect_timeout, so a host that drops packets fails a call in
  // seconds instead of TCP's minutes, and TCP keepalives that notice a
  // silently dead connection (the LISTEN one waits on it) within a minute.
  const char* keywords[] = {"connect_timeout",     "keepalives_idle", "keepalives_interval",
                            "keepalives_count",    "dbname",          nullptr};
  const char* values[] = {"10", "30", "10", "3", conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn) return std::unexpected(Error{ErrorKind::ConnectionLost, "", name + ": out of memory"});
  Connection connection(conn, std::move(name));
  if (PQstatus(conn) != CONNECTION_OK)
    return std::unexpected(
        Error{ErrorKind::ConnectionLost, "", connection.name_ + ": " + trimmed(PQerrorMessage(conn))});
  // Only errors reach stderr from the server; notices (e.g. "already exists") are dropped.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return connection;
}

Error Connection::lastError(pg_result* result) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  Error error{ErrorKind::Other, state ? state : "", ""};
  error.kind = kindOf(error.sqlstate);
  if (!healthy()) error.kind = ErrorKind::ConnectionLost;
  const char* text = result ? PQresultErrorMessage(result) : nullptr;
  error.message = name_ + ": " + trimmed(text && *text ? text : PQerrorMessage(conn_.get()));
  return error;
}

Result<void> Connection::exec(const char* sql) {
  Rows rows(PQexec(conn_.get(), sql));
  const auto status = PQresultStatus(rows.result_.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(lastError(rows.result_.get()));
  return {};
}

namespace {
/// A bound on prepared statements per connection; the SQL is all constant
/// text, so this is never reached unless a caller builds SQL from data.
constexpr std::size_t kMaxPrepared = 256;
}  // namespace

Result<Rows> Connection::query(std::string_view sql, std::initializer_list<Param> params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param.data());
  const int count = static_cast<int>(values.size());
  std::string text(sql);
  auto found = prepared_.find(text);
  if (found == prepared_.end() && prepared_.size() < kMaxPrepared) {
    std::string statement = "s" + std::to_string(prepared_.size() + 1);
    Rows prepared(PQprepare(conn_.get(), statement.c_str(), text.c_str(), count, nullptr));
    if (PQresultStatus(prepared.result_.get()) != PGRES_COMMAND_OK)
      return std::unexpected(lastError(prepared.result_.get()));
    found = prepared_.emplace(std::move(text), std::move(statement)).first;
  }
  Rows rows(found != prepared_.end()
                ? PQexecPrepared(conn_.get(), found->second.c_str(), count, values.data(), nullptr, nullptr, 0)
                : PQexecParams(conn_.get(), text.c_str(), count, nullptr, values.data(), nullptr, nullptr, 0));
  const auto status = PQresultStatus(rows.result_.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return std::unexpected(lastError(rows.result_.get()));
  return rows;
}

bool Connection::healthy() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

int Connection::socket() const { return PQsocket(conn_.get()); }

Result<void> Connection::consumeInput() {
  if (PQconsumeInput(conn_.get()) == 0 || !healthy()) {
    Error error{ErrorKind::ConnectionLost, "", name_ + ": " + trimmed(PQerrorMessage(conn_.get()))};
    return std::unexpected(error);
  }
  return {};
}

std::vector<Notification> Connection::notifications() {
  std::vector<Notification> heard;
  while (PGnotify* notify = PQnotifies(conn_.get())) {
    heard.push_back({notify->relname, notify->extra ? notify->extra : ""});
    PQfreemem(notify);
  }
  return heard;
}

// ---- Transaction ---------------------------------------------------------------------

Result<Transaction> Transaction::begin(Connection& connection, Mode mode) {
  if (auto begun =
          connection.exec(mode == Mode::Snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
      !begun)
    return std::unexpected(begun.error());
  return Transaction(connection);
}

Transaction::~Transaction() {
  if (connection_ && connection_->healthy()) (void)connection_->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
  auto* connection = std::exchange(connection_, nullptr);
  return connection->exec("COMMIT");
}

}  // namespace aieditor::backend::pg
