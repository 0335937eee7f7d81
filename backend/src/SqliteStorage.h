// The embedded storage: one SQLite file in WAL mode with synchronous=FULL,
// so a call returns only after its commit is on disk. Writes share one
// connection (SQLite has one writer at a time anyway); reads use another,
// which in WAL mode never waits for the writer.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "Storage.h"

namespace aieditor::backend {

class SqliteStorage final : public Storage {
 public:
  /// Opens (creating when missing) the database at `path` and its schema.
  static StorageResult<std::unique_ptr<SqliteStorage>> open(const std::string& path,
                                                            std::chrono::milliseconds busyTimeout);
  ~SqliteStorage() override;
  std::string_view engine() const override { return "sqlite"; }

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
  void setChangeListener(ChangeListener) override;
  /// One transaction for the whole batch (a savepoint per write), one commit.
  StorageResult<std::vector<WriteOutcome>> applyWrites(std::int64_t userId, const std::vector<Write>&) override;

  struct Impl;

 private:
  explicit SqliteStorage(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aieditor::backend
