// Opening the PostgreSQL storage: the schema's migrations, the change feed,
// and users and tokens.
#include <array>

#include "PostgresImpl.h"
#include "common/Log.h"

namespace aieditor::backend::postgres {
namespace {

// Records are kept as their backend (snake_case) JSON text, as on SQLite.
// Each migration runs once, in order, in its own transaction with the
// version it brings; a new one is appended, never edited.
constexpr std::array<const char*, 1> kMigrations = {
    R"sql(
CREATE TABLE users(
  id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
  last_seq BIGINT NOT NULL DEFAULT 0);  -- the user's change counter, bumped under its row lock in each write
CREATE TABLE sign_in_tokens(
  hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), created_at BIGINT NOT NULL);
CREATE INDEX sign_in_tokens_by_user ON sign_in_tokens(user_id);
CREATE TABLE access_tokens(
  hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), expires_at BIGINT NOT NULL);
CREATE INDEX access_tokens_by_user ON access_tokens(user_id, expires_at);
CREATE TABLE sessions(
  user_id BIGINT NOT NULL REFERENCES users(id), id TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, current_component_id TEXT,
  PRIMARY KEY(user_id, id));
CREATE INDEX sessions_by_update ON sessions(user_id, updated_at DESC, id);
CREATE TABLE records(  -- messages and interactions; pos is the order they were stored in
  pos BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, session_id TEXT NOT NULL,
  kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, UNIQUE(user_id, session_id, kind, id));
CREATE INDEX records_by_session ON records(user_id, session_id, kind, pos);
CREATE TABLE components(  -- every version; request_key finds a replayed edit
  pos BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, session_id TEXT NOT NULL, id TEXT NOT NULL,
  version BIGINT NOT NULL, created_at BIGINT NOT NULL, body TEXT NOT NULL, request_key TEXT NOT NULL,
  UNIQUE(user_id, session_id, id, version));
CREATE INDEX components_by_request ON components(user_id, session_id, id, request_key);
CREATE TABLE changes(  -- the change log: ref_pos points into records/components, record holds the rest
  user_id BIGINT NOT NULL, seq BIGINT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL,
  ref_pos BIGINT, record TEXT, PRIMARY KEY(user_id, seq));
CREATE INDEX changes_by_session ON changes(user_id, session_id);
)sql",
};

/// The advisory lock's key: any constant the application owns ("aiedit" in ASCII).
constexpr std::int64_t kMigrationLock = 0x616965646974;

}  // namespace

StorageResult<void> migrate(pg::Connection& connection) {
  if (auto locked = connection.query("SELECT pg_advisory_lock($1)", {kMigrationLock}); !locked)
    return std::unexpected(unavailable(locked.error()));
  auto migrated = [&]() -> StorageResult<void> {
    if (auto made = connection.exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)"); !made)
      return std::unexpected(unavailable(made.error()));
    auto current = connection.query("SELECT MAX(version) FROM schema_version");
    if (!current) return std::unexpected(unavailable(current.error()));
    const auto version = current->getInt(0, 0);
    if (version > static_cast<std::int64_t>(kMigrations.size()))
      return std::unexpected(StorageError{
          Failure::Unavailable, "storage: " + connection.name() + " has schema version " + std::to_string(version) +
                                    ", newer than this aieditor-backend knows (" + std::to_string(kMigrations.size()) +
                                    "); upgrade it"});
    for (auto next = version + 1; next <= static_cast<std::int64_t>(kMigrations.size()); ++next) {
      auto transaction = pg::Transaction::begin(connection);
      if (!transaction) return std::unexpected(unavailable(transaction.error()));
      if (auto applied = connection.exec(kMigrations[static_cast<std::size_t>(next - 1)]); !applied)
        return std::unexpected(unavailable(applied.error()));
      if (auto noted = connection.query("INSERT INTO schema_version(version) VALUES($1)", {next}); !noted)
        return std::unexpected(unavailable(noted.error()));
      if (auto committed = transaction->commit(); !committed) return std::unexpected(unavailable(committed.error()));
    }
    return {};
  }();
  // Session-level: released here, or by the server when the connection ends.
  (void)connection.query("SELECT pg_advisory_unlock($1)", {kMigrationLock});
  return migrated;
}

}  // namespace aieditor::backend::postgres

namespace aieditor::backend {

StorageResult<std::unique_ptr<PostgresStorage>> PostgresStorage::open(const std::string& conninfo,
                                                                      std::size_t poolSize) {
  auto impl = std::unique_ptr<Impl>(new Impl{pg::Pool(conninfo, poolSize), {}, {}});
  auto connection = impl->pool.connectAlone();
  if (!connection) return std::unexpected(unavailable(connection.error()));
  if (auto migrated = migrate(*connection); !migrated) return std::unexpected(migrated.error());
  return std::unique_ptr<PostgresStorage>(new PostgresStorage(std::move(impl)));
}

PostgresStorage::PostgresStorage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
// The feed's thread stops (within its poll timeout) before the pool goes.
PostgresStorage::~PostgresStorage() { impl_->feed.reset(); }

void PostgresStorage::setChangeListener(ChangeListener listener) {
  std::lock_guard lock(impl_->feedMutex);
  impl_->feed.reset();
  if (listener) impl_->feed = std::make_unique<pg::ChangeFeed>(impl_->pool, std::move(listener));
}

// ---- Users and tokens ----------------------------------------------------------------

StorageResult<User> PostgresStorage::addUser(const std::string& name) {
  return impl_->write([&](Db& db) -> StorageResult<User> {
    auto exists = db.integer("SELECT 1 FROM users WHERE name = $1", {name});
    if (!exists) return std::unexpected(exists.error());
    if (*exists) return std::unexpected(StorageError{Failure::Conflict, "user \"" + name + "\" already exists"});
    const auto at = server::now();
    auto id = db.integer("INSERT INTO users(name, created_at) VALUES($1, $2) RETURNING id", {name, at});
    if (!id) return std::unexpected(id.error());
    return User{**id, name, at, 0};
  });
}

namespace {
/// The one user `sql` selects (kUserColumns), or NotFound with `missing`.
StorageResult<User> oneUser(Db& db, const std::string& sql, std::initializer_list<pg::Param> params,
                            const std::string& missing) {
  auto rows = db.query(sql, params);
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::unexpected(notFound(missing));
  return readUser(*rows, 0);
}
}  // namespace

StorageResult<std::vector<User>> PostgresStorage::listUsers() {
  return impl_->read([&](Db& db) -> StorageResult<std::vector<User>> {
    auto rows = db.query(std::string("SELECT ") + kUserColumns + " FROM users u ORDER BY u.name");
    if (!rows) return std::unexpected(rows.error());
    std::vector<User> users;
    for (int row = 0; row < rows->size(); ++row) users.push_back(readUser(*rows, row));
    return users;
  });
}

StorageResult<User> PostgresStorage::findUser(const std::string& name) {
  return impl_->read([&](Db& db) {
    return oneUser(db, std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.name = $1", {name},
                   "no user \"" + name + "\"");
  });
}

StorageResult<void> PostgresStorage::addSignInToken(std::int64_t userId, const TokenHash& hash) {
  return impl_->write([&](Db& db) -> StorageResult<void> {
    auto added = db.query("INSERT INTO sign_in_tokens(hash, user_id, created_at) VALUES($1, $2, $3)",
                          {hash, userId, server::now()});
    if (!added) return std::unexpected(added.error());
    return {};
  });
}

StorageResult<void> PostgresStorage::revokeTokens(std::int64_t userId) {
  return impl_->write([&](Db& db) -> StorageResult<void> {
    for (const char* sql :
         {"DELETE FROM sign_in_tokens WHERE user_id = $1", "DELETE FROM access_tokens WHERE user_id = $1"})
      if (auto gone = db.query(sql, {userId}); !gone) return std::unexpected(gone.error());
    return {};
  });
}

StorageResult<User> PostgresStorage::userForSignInToken(const TokenHash& hash) {
  return impl_->read([&](Db& db) {
    return oneUser(db,
                   std::string("SELECT ") + kUserColumns +
                       " FROM sign_in_tokens s JOIN users u ON u.id = s.user_id WHERE s.hash = $1",
                   {hash}, "unknown or revoked sign-in token");
  });
}

StorageResult<void> PostgresStorage::addAccessToken(std::int64_t userId, const TokenHash& hash, Timestamp expiresAt) {
  return impl_->write([&](Db& db) -> StorageResult<void> {
    // Expired tokens of this user go at its next sign-in, so the table stays small.
    if (auto swept =
            db.query("DELETE FROM access_tokens WHERE user_id = $1 AND expires_at <= $2", {userId, server::now()});
        !swept)
      return std::unexpected(swept.error());
    auto added =
        db.query("INSERT INTO access_tokens(hash, user_id, expires_at) VALUES($1, $2, $3)", {hash, userId, expiresAt});
    if (!added) return std::unexpected(added.error());
    return {};
  });
}

StorageResult<AccessGrant> PostgresStorage::userForAccessToken(const TokenHash& hash, Timestamp now) {
  return impl_->oneStatement([&](Db& db) -> StorageResult<AccessGrant> {
    auto rows = db.query(std::string("SELECT ") + kUserColumns +
                             ", a.expires_at FROM access_tokens a JOIN users u ON u.id = a.user_id "
                             "WHERE a.hash = $1 AND a.expires_at > $2",
                         {hash, now});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::unexpected(notFound("unknown, expired or revoked access token"));
    return AccessGrant{readUser(*rows, 0), rows->getInt(0, 4)};
  });
}

}  // namespace aieditor::backend
