// The storage for a team that outgrows one machine: PostgreSQL, shared by any
// number of aieditor-backend nodes. Behaves exactly as SqliteStorage does (the
// same API suite runs on both). Each call borrows a pooled connection for one
// transaction; each change takes the user's next seq under the user's row
// lock inside that transaction (commit order = seq order per user) and
// NOTIFYs it, and a listener thread hears every node's notices for
// setChangeListener. The schema is created and migrated on open.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "Storage.h"

namespace aieditor::backend {

class PostgresStorage final : public Storage {
 public:
  /// Connects with `conninfo` (libpq's key=value or URI form; never shown in
  /// errors, which name the host and database), migrates the schema, and
  /// keeps up to `poolSize` connections for calls running at once.
  static StorageResult<std::unique_ptr<PostgresStorage>> open(const std::string& conninfo, std::size_t poolSize);
  ~PostgresStorage() override;
  std::string_view engine() const override { return "postgres"; }

  StorageResult<User> addUser(const std::string& name) override;
  StorageResult<std::vector<User>> listUsers() override;
  StorageResult<User> findUser(const std::string& name) override;
  StorageResult<void> addSignInToken(std::int64_t userId, const TokenHash&) override;
  StorageResult<void> revokeTokens(std::int64_t userId) override;
  StorageResult<User> userForSignInToken(const TokenHash&) override;
  StorageResult<void> addAccessToken(std::int64_t userId, const TokenHash&, Timestamp expiresAt) override;
  StorageResult<AccessGrant> userForAccessToken(const TokenHash&, Timestamp now) override;

  StorageResult<SessionPage> listSessions(std::int64_t userId, std::int64_t limit,
                                          const std::optional<std::string>& cursor) override;
  StorageResult<Page<Message>> listMessages(std::int64_t userId, const std::string& sessionId,
                                            const std::optional<std::string>& before, std::int64_t limit) override;
  StorageResult<Saved<Message>> addMessage(std::int64_t userId, const Incoming<Message>&) override;
  StorageResult<Page<Interaction>> listInteractions(std::int64_t userId, const std::string& sessionId,
                                                    const std::optional<std::string>& before,
                                                    std::int64_t limit) override;
  StorageResult<Saved<Interaction>> addInteraction(std::int64_t userId, const Incoming<Interaction>&) override;
  StorageResult<std::vector<Component>> listComponents(std::int64_t userId, const std::string& sessionId) override;
  StorageResult<Saved<Component>> saveComponent(std::int64_t userId, const ComponentEdit&) override;
  StorageResult<std::vector<Component>> componentVersions(std::int64_t userId, const std::string& sessionId,
                                                          const std::string& componentId) override;
  StorageResult<void> setCurrentComponent(std::int64_t userId, const std::string& sessionId,
                                          const std::string& componentId) override;
  StorageResult<void> deleteSession(std::int64_t userId, const std::string& sessionId) override;
  StorageResult<void> deleteComponent(std::int64_t userId, const std::string& sessionId,
                                      const std::string& componentId) override;
  StorageResult<ChangePage> changesSince(std::int64_t userId, std::int64_t since, std::int64_t limit) override;
  /// One transaction for the whole batch, each write in a savepoint.
  StorageResult<std::vector<WriteOutcome>> applyWrites(std::int64_t userId, const std::vector<Write>&) override;
  /// Starts the listener thread (LISTEN on its own connection) and returns
  /// once it has listened or failed its first try (it keeps retrying).
  void setChangeListener(ChangeListener) override;

  struct Impl;

 private:
  explicit PostgresStorage(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aieditor::backend
