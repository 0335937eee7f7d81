#include "postgres.h"

#include <libpq-fe.h>

#include <memory>

namespace bench {

namespace {

struct PgDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Connection = std::unique_ptr<PGconn, PgDeleter>;
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

constexpr const char* kFloorTable =
    "CREATE TABLE IF NOT EXISTS bench_floor_records(pos BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, "
    "session_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, "
    "UNIQUE(user_id, session_id, kind, id))";

/// A connection, or "" and what failed (the conninfo is never echoed: it may hold a password).
Connection connect(const std::string& conninfo, std::string& error) {
  Connection c(PQconnectdb(conninfo.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    error = std::string("PostgreSQL floor: cannot connect: ") + (c ? PQerrorMessage(c.get()) : "out of memory");
    return nullptr;
  }
  return c;
}

bool command(PGconn* c, const char* sql, std::string& error) {
  Result r(PQexec(c, sql));
  if (PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK) return true;
  error = std::string("PostgreSQL floor: ") + PQerrorMessage(c);
  return false;
}

class PgInsert final : public Operation {
 public:
  PgInsert(Connection c, int userId, std::string session, std::string body)
      : c_(std::move(c)), userId_(std::to_string(userId)), session_(std::move(session)), body_(std::move(body)) {}
  bool prepare(std::string& error) {
    Result r(PQprepare(c_.get(), "insert",
                       "INSERT INTO bench_floor_records(user_id, session_id, kind, id, body) VALUES($4::bigint, $1, 'message', $2, $3)",
                       4, nullptr));
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) return true;
    error = std::string("PostgreSQL floor: ") + PQerrorMessage(c_.get());
    return false;
  }
  bool once(std::string& error) override {
    const std::string id = session_ + "-" + std::to_string(++sent_);
    const char* values[] = {session_.c_str(), id.c_str(), body_.c_str(), userId_.c_str()};
    Result r(PQexecPrepared(c_.get(), "insert", 4, values, nullptr, nullptr, 0));  // autocommit: its own COMMIT
    if (PQresultStatus(r.get()) == PGRES_COMMAND_OK) return true;
    error = std::string("PostgreSQL floor: ") + PQerrorMessage(c_.get());
    return false;
  }

 private:
  Connection c_;
  std::string userId_, session_, body_;
  long sent_ = 0;
};

}  // namespace

std::string createPostgresFloor(const std::string& conninfo) {
  std::string error;
  auto c = connect(conninfo, error);
  if (!c) return error;
  if (!command(c.get(), kFloorTable, error) || !command(c.get(), "TRUNCATE bench_floor_records", error)) return error;
  return "";
}

OperationFactory postgresInserts(const std::string& conninfo, const std::string& body, const std::string& prefix) {
  return [=](int index, std::string& error) -> std::unique_ptr<Operation> {
    auto c = connect(conninfo, error);
    if (!c) return nullptr;
    auto op = std::make_unique<PgInsert>(std::move(c), index + 1, prefix + "-c" + std::to_string(index), body);
    if (!op->prepare(error)) return nullptr;
    return op;
  };
}

std::string postgresDetail(const std::string& conninfo) {
  std::string error;
  auto c = connect(conninfo, error);
  if (!c) return "unknown (" + error + ")";
  auto setting = [&](const char* sql) {
    Result r(PQexec(c.get(), sql));
    return PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1 ? std::string(PQgetvalue(r.get(), 0, 0))
                                                                                 : std::string("?");
  };
  return "PostgreSQL " + setting("SHOW server_version") + ", fsync=" + setting("SHOW fsync") +
         ", synchronous_commit=" + setting("SHOW synchronous_commit") + ", wal_sync_method=" +
         setting("SHOW wal_sync_method");
}

}  // namespace bench
