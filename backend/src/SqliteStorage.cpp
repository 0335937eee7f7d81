// Opening the SQLite storage, and its users and tokens.
#include "SqliteStorageImpl.h"

namespace aieditor::backend {
using namespace sqlite_storage;

StorageResult<std::unique_ptr<SqliteStorage>> SqliteStorage::open(const std::string& path,
                                                                  std::chrono::milliseconds busyTimeout) {
  auto writer = sqlite::Connection::open(path, busyTimeout);
  if (!writer) return std::unexpected(unavailable(writer.error()));
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"})
    if (auto set = writer->exec(pragma); !set) return std::unexpected(unavailable(set.error()));
  if (auto schema = writer->exec(kSchema); !schema) return std::unexpected(unavailable(schema.error()));
  auto reader = sqlite::Connection::open(path, busyTimeout);
  if (!reader) return std::unexpected(unavailable(reader.error()));
  return std::unique_ptr<SqliteStorage>(
      new SqliteStorage(std::unique_ptr<Impl>(new Impl{{}, {}, std::move(*writer), std::move(*reader), {}, {}, {}, {}, false})));
}

SqliteStorage::SqliteStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStorage::~SqliteStorage() = default;

void SqliteStorage::setChangeListener(ChangeListener listener) {
  std::lock_guard lock(impl_->writeMutex);
  impl_->listener = std::move(listener);
}

StorageResult<std::vector<WriteOutcome>> SqliteStorage::applyWrites(std::int64_t userId,
                                                                    const std::vector<Write>& writes) {
  return impl_->write([&](sqlite::Connection&) -> StorageResult<std::vector<WriteOutcome>> {
    std::vector<WriteOutcome> outcomes;
    for (const auto& write : writes) {
      outcomes.push_back(applyWrite(*this, userId, write));  // each joins this transaction
      if (!outcomes.back() && outcomes.back().error().failure == Failure::Unavailable)
        return std::unexpected(outcomes.back().error());  // nothing of the batch is kept
    }
    return outcomes;
  });
}

// ---- Users and tokens ----------------------------------------------------------------

StorageResult<User> SqliteStorage::addUser(const std::string& name) {
  return impl_->write([&](sqlite::Connection& c) -> StorageResult<User> {
    auto exists = integer(c, "SELECT 1 FROM users WHERE name = ?", name);
    if (!exists) return std::unexpected(exists.error());
    if (*exists) return std::unexpected(StorageError{Failure::Conflict, "user \"" + name + "\" already exists"});
    const auto at = server::now();
    auto id = integer(c, "INSERT INTO users(name, created_at) VALUES(?, ?) RETURNING id", name, at);
    if (!id) return std::unexpected(id.error());
    return User{**id, name, at, 0};
  });
}

StorageResult<std::vector<User>> SqliteStorage::listUsers() {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<std::vector<User>> {
    std::vector<User> users;
    auto rows = each(c, std::string("SELECT ") + kUserColumns + " FROM users u ORDER BY u.name",
                     [&](const sqlite::Statement::Use& u) { users.push_back(readUser(u)); });
    if (!rows) return std::unexpected(rows.error());
    return users;
  });
}

StorageResult<User> SqliteStorage::findUser(const std::string& name) {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<User> {
    std::optional<User> user;
    auto rows = each(
        c, std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.name = ?",
        [&](const sqlite::Statement::Use& u) { user = readUser(u); }, name);
    if (!rows) return std::unexpected(rows.error());
    if (!user) return std::unexpected(notFound("no user \"" + name + "\""));
    return *user;
  });
}

StorageResult<void> SqliteStorage::addSignInToken(std::int64_t userId, const TokenHash& hash) {
  return impl_->write([&](sqlite::Connection& c) {
    return run(c, "INSERT INTO sign_in_tokens(hash, user_id, created_at) VALUES(?,?,?)", hash, userId, server::now());
  });
}

StorageResult<void> SqliteStorage::revokeTokens(std::int64_t userId) {
  return impl_->write([&](sqlite::Connection& c) -> StorageResult<void> {
    if (auto gone = run(c, "DELETE FROM sign_in_tokens WHERE user_id = ?", userId); !gone) return gone;
    return run(c, "DELETE FROM access_tokens WHERE user_id = ?", userId);
  });
}

StorageResult<User> SqliteStorage::userForSignInToken(const TokenHash& hash) {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<User> {
    std::optional<User> user;
    auto rows = each(
        c,
        std::string("SELECT ") + kUserColumns +
            " FROM sign_in_tokens s JOIN users u ON u.id = s.user_id WHERE s.hash = ?",
        [&](const sqlite::Statement::Use& u) { user = readUser(u); }, hash);
    if (!rows) return std::unexpected(rows.error());
    if (!user) return std::unexpected(notFound("unknown or revoked sign-in token"));
    return *user;
  });
}

StorageResult<void> SqliteStorage::addAccessToken(std::int64_t userId, const TokenHash& hash, Timestamp expiresAt) {
  return impl_->write([&](sqlite::Connection& c) -> StorageResult<void> {
    // Expired tokens of this user go at its next sign-in, so the table stays small.
    if (auto swept = run(c, "DELETE FROM access_tokens WHERE user_id = ? AND expires_at <= ?", userId, server::now());
        !swept)
      return swept;
    return run(c, "INSERT INTO access_tokens(hash, user_id, expires_at) VALUES(?,?,?)", hash, userId, expiresAt);
  });
}

StorageResult<AccessGrant> SqliteStorage::userForAccessToken(const TokenHash& hash, Timestamp now) {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<AccessGrant> {
    std::optional<AccessGrant> grant;
    auto rows = each(
        c,
        std::string("SELECT ") + kUserColumns +
            ", a.expires_at FROM access_tokens a JOIN users u ON u.id = a.user_id "
            "WHERE a.hash = ? AND a.expires_at > ?",
        [&](const sqlite::Statement::Use& u) {
          grant = AccessGrant{readUser(u), u.getInt(4)};
        },
        hash, now);
    if (!rows) return std::unexpected(rows.error());
    if (!grant) return std::unexpected(notFound("unknown, expired or revoked access token"));
    return *grant;
  });
}

}  // namespace aieditor::backend
