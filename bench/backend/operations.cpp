#include "operations.h"

#include <sqlite3.h>

#include "client.h"
#include "text.h"

namespace bench {

const std::string& messageContent() {
  static const std::string content =
      "Make the pricing card's call to action stand out: a filled button in the accent colour, the price above it "
      "in a larger weight, and the three features as a short list with check marks.";
  return content;
}

std::string messageBody(const std::string& id) {
  return json{{"id", id}, {"role", "user"}, {"content", messageContent()}}.dump();
}

namespace {

class PostMessage final : public Operation {
 public:
  PostMessage(const std::string& url, const std::string& token, std::string session)
      : client_(url, token), path_("/api/sessions/" + session + "/messages"), session_(std::move(session)) {}
  bool once(std::string& error) override {
    HttpReply reply = client_.post(path_, messageBody(session_ + "-" + std::to_string(++sent_)));
    if (reply.status == 201) return true;
    error = format("POST {}: status {} {} {}", path_, reply.status, reply.error, reply.body.substr(0, 200));
    return false;
  }

 private:
  HttpClient client_;
  std::string path_, session_;
  long sent_ = 0;
};

class GetHealth final : public Operation {
 public:
  explicit GetHealth(const std::string& url) : client_(url) {}
  bool once(std::string& error) override {
    HttpReply reply = client_.get("/healthz");
    if (reply.status == 200) return true;
    error = format("GET /healthz: status {} {}", reply.status, reply.error);
    return false;
  }

 private:
  HttpClient client_;
};

class SqliteInsert final : public Operation {
 public:
  ~SqliteInsert() override {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }
  bool open(const std::string& path, std::string& error) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return fail(error);
    sqlite3_busy_timeout(db_, 30000);
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", kFloorTable})
      if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return fail(error);
    if (sqlite3_prepare_v2(db_, "INSERT INTO records(user_id, session_id, kind, id, body) VALUES(?, ?, 'message', ?, ?)",
                           -1, &insert_, nullptr) != SQLITE_OK)
      return fail(error);
    return true;
  }
  void row(int userId, std::string session, std::string body) {
    userId_ = userId;
    session_ = std::move(session);
    body_ = std::move(body);
  }
  bool once(std::string& error) override {
    const std::string id = session_ + "-" + std::to_string(++sent_);
    sqlite3_bind_int(insert_, 1, userId_);
    sqlite3_bind_text(insert_, 2, session_.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(insert_, 3, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert_, 4, body_.c_str(), static_cast<int>(body_.size()), SQLITE_STATIC);
    // BEGIN IMMEDIATE takes the write lock first, through the busy timeout: a
    // bare INSERT would start as a reader and could fail its upgrade at once.
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return fail(error);
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) {
      fail(error);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return false;
    }
    return sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK || fail(error);
  }

 private:
  bool fail(std::string& error) {
    error = std::string("SQLite floor: ") + (db_ ? sqlite3_errmsg(db_) : "cannot open");
    return false;
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  int userId_ = 0;
  std::string session_, body_;
  long sent_ = 0;
};

}  // namespace

OperationFactory postMessages(const std::string& url, const std::vector<std::string>& accessTokens,
                              const std::string& prefix) {
  return [=](int index, std::string& error) -> std::unique_ptr<Operation> {
    if (static_cast<std::size_t>(index) >= accessTokens.size()) return error = "no user for this client", nullptr;
    return std::make_unique<PostMessage>(url, accessTokens[static_cast<std::size_t>(index)],
                                         prefix + "-c" + std::to_string(index));
  };
}

OperationFactory getHealth(const std::string& url) {
  return [=](int, std::string&) -> std::unique_ptr<Operation> { return std::make_unique<GetHealth>(url); };
}

std::string createSqliteFloor(const std::string& dbPath) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(dbPath.c_str(), &db) == SQLITE_OK)
    for (const char* sql : {"PRAGMA journal_mode=WAL", kFloorTable})
      if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK && error.empty())
        error = std::string("SQLite floor: ") + sqlite3_errmsg(db);
  if (!db) error = "SQLite floor: cannot open " + dbPath;
  sqlite3_close(db);
  return error;
}

OperationFactory sqliteInserts(const std::string& dbPath, const std::string& body, const std::string& prefix) {
  return [=](int index, std::string& error) -> std::unique_ptr<Operation> {
    auto op = std::make_unique<SqliteInsert>();
    if (!op->open(dbPath, error)) return nullptr;
    op->row(index + 1, prefix + "-c" + std::to_string(index), body);
    return op;
  };
}

}  // namespace bench
