// Storage: what the team backend keeps, as typed calls, whatever the engine.
// SqliteStorage and PostgresStorage implement it alike, so the HTTP layer and
// the API tests (run on both) do not change with the engine.
//
// Every call is scoped by the user it acts for: another user's session is
// NotFound, never visible. Every write commits before it returns, and each
// change it makes gets the user's next `seq` inside the same transaction, so
// the change log (`changes`) is in commit order per user: a reader that has
// seen seq N never later finds a change with a smaller seq.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "aieditor/protocol/Protocol.h"

namespace aieditor::backend {

using protocol::Component;
using protocol::Interaction;
using protocol::Message;
using protocol::Timestamp;

/// Why a storage call failed; the HTTP layer maps each to one status.
enum class Failure {
  BadInput,     ///< 400: an argument is wrong (the message names it)
  NotFound,     ///< 404: no such user, session or record (for this user)
  Conflict,     ///< 409: the same id with different content
  Unavailable,  ///< 503: the storage itself failed (disk, lock)
};
struct StorageError {
  Failure failure = Failure::Unavailable;
  std::string message;
};
template <class T>
using StorageResult = std::expected<T, StorageError>;

struct User {
  std::int64_t id = 0;
  std::string name;
  Timestamp createdAt = 0;
  std::int64_t signInTokens = 0;  ///< live sign-in (refresh) tokens
};

/// A SHA-256 digest of a token, in hex: all that is ever stored of a token.
using TokenHash = std::string;

/// What a live access token grants: its user, until it expires.
struct AccessGrant {
  User user;
  Timestamp expiresAt = 0;
};

struct SessionInfo {
  protocol::Session session;
  std::optional<std::string> currentComponentId;
  std::int64_t messageCount = 0;
  std::int64_t componentCount = 0;
};
struct SessionPage {
  std::vector<SessionInfo> sessions;
  std::optional<std::string> nextCursor;
};

template <class T>
struct Page {
  std::vector<T> items;  ///< oldest first
  bool hasMore = false;  ///< older ones exist before items.front()
};

/// A record as stored; `created` is false when an identical earlier write
/// was found (an idempotent retry) and nothing new was stored.
template <class T>
struct Saved {
  T record;
  bool created = true;
};

/// A new message or interaction. When the client left `created_at` out, a
/// retry is compared with the stored record's own time instead of the new one.
template <class T>
struct Incoming {
  T record;
  bool createdAtGiven = true;
};

/// A component edit: the server assigns `version`; `baseVersion` is the
/// version the edit was made from, when the client says.
struct ComponentEdit {
  Component component;
  std::optional<std::int64_t> baseVersion;
};

struct CurrentComponent {
  std::string componentId;
};

/// The writes a batch (POST /api/batch) may hold, each as its own route takes it.
struct SetCurrentComponent {
  std::string sessionId;
  std::string componentId;
};
struct DeleteSession {
  std::string sessionId;
};
struct DeleteComponent {
  std::string sessionId;
  std::string componentId;
};
using Write = std::variant<Incoming<Message>, Incoming<Interaction>, ComponentEdit, SetCurrentComponent, DeleteSession,
                           DeleteComponent>;
/// What one write of a batch did: the record as stored (nothing for the
/// current pick and deletes), or why that write alone was refused.
using WriteOutcome = StorageResult<std::variant<std::monostate, Saved<Message>, Saved<Interaction>, Saved<Component>>>;

/// One entry of the change log.
struct Change {
  std::int64_t seq = 0;
  std::string sessionId;
  std::string kind;  ///< message, interaction, component, current_component, component_deleted, session_deleted
  std::variant<std::monostate, Message, Interaction, Component, CurrentComponent> record;
};
/// What /api/events says of one committed change: enough for a client to
/// know it should pull, with `seq` for Last-Event-ID.
struct ChangeNotice {
  std::int64_t userId = 0;
  std::int64_t seq = 0;
  std::string sessionId;
  std::string kind;
};
/// Called once per committed change, after its commit, in seq order for each
/// user, from a thread of the storage's choosing; it must not block.
using ChangeListener = std::function<void(const ChangeNotice&)>;

struct ChangePage {
  std::vector<Change> changes;
  std::int64_t next = 0;  ///< the `since` for the next page
  bool hasMore = false;
  std::int64_t latest = 0;  ///< the user's latest seq
};

class Storage {
 public:
  virtual ~Storage() = default;
  /// "sqlite" or "postgres", for /healthz.
  virtual std::string_view engine() const = 0;

  // ---- Users and tokens (the CLI and sign-in) ----
  virtual StorageResult<User> addUser(const std::string& name) = 0;
  virtual StorageResult<std::vector<User>> listUsers() = 0;
  virtual StorageResult<User> findUser(const std::string& name) = 0;
  virtual StorageResult<void> addSignInToken(std::int64_t userId, const TokenHash&) = 0;
  /// Removes every sign-in and access token of the user.
  virtual StorageResult<void> revokeTokens(std::int64_t userId) = 0;
  /// The user a live sign-in token belongs to (NotFound otherwise).
  virtual StorageResult<User> userForSignInToken(const TokenHash&) = 0;
  virtual StorageResult<void> addAccessToken(std::int64_t userId, const TokenHash&, Timestamp expiresAt) = 0;
  /// The user of an access token that has not expired at `now`, and when it expires.
  virtual StorageResult<AccessGrant> userForAccessToken(const TokenHash&, Timestamp now) = 0;

  // ---- The user's data ----
  virtual StorageResult<SessionPage> listSessions(std::int64_t userId, std::int64_t limit,
                                                  const std::optional<std::string>& cursor) = 0;
  virtual StorageResult<Page<Message>> listMessages(std::int64_t userId, const std::string& sessionId,
                                                    const std::optional<std::string>& before, std::int64_t limit) = 0;
  virtual StorageResult<Saved<Message>> addMessage(std::int64_t userId, const Incoming<Message>&) = 0;
  virtual StorageResult<Page<Interaction>> listInteractions(std::int64_t userId, const std::string& sessionId,
                                                            const std::optional<std::string>& before,
                                                            std::int64_t limit) = 0;
  virtual StorageResult<Saved<Interaction>> addInteraction(std::int64_t userId, const Incoming<Interaction>&) = 0;
  /// The latest version of each component, oldest component first.
  virtual StorageResult<std::vector<Component>> listComponents(std::int64_t userId, const std::string& sessionId) = 0;
  virtual StorageResult<Saved<Component>> saveComponent(std::int64_t userId, const ComponentEdit&) = 0;
  virtual StorageResult<std::vector<Component>> componentVersions(std::int64_t userId, const std::string& sessionId,
                                                                  const std::string& componentId) = 0;
  virtual StorageResult<void> setCurrentComponent(std::int64_t userId, const std::string& sessionId,
                                                  const std::string& componentId) = 0;
  virtual StorageResult<void> deleteSession(std::int64_t userId, const std::string& sessionId) = 0;
  /// Deletes a component with all its versions (NotFound when there is no
  /// such component); the session's current pick is cleared when it was this.
  virtual StorageResult<void> deleteComponent(std::int64_t userId, const std::string& sessionId,
                                              const std::string& componentId) = 0;
  virtual StorageResult<ChangePage> changesSince(std::int64_t userId, std::int64_t since, std::int64_t limit) = 0;

  /// Applies `writes` in order, as a device made them. A refused write
  /// (BadInput, NotFound, Conflict) does not stop the others; when the storage
  /// itself fails, the batch fails. This default commits each write alone, so
  /// the writes before a failure stay (a retry replays them harmlessly: every
  /// write is idempotent by id); an engine overrides it to commit the batch
  /// as one transaction.
  virtual StorageResult<std::vector<WriteOutcome>> applyWrites(std::int64_t userId, const std::vector<Write>&);

  /// Hears every change committed to this storage by any writer: this
  /// process, and for PostgreSQL every other node on the same database. Set
  /// once before serving. A notice may be lost (a dropped connection), so a
  /// listener resyncs from changesSince; it never arrives before its commit.
  virtual void setChangeListener(ChangeListener) = 0;
};

/// One write of a batch through the storage's own calls (applyWrites' step).
WriteOutcome applyWrite(Storage&, std::int64_t userId, const Write&);

}  // namespace aieditor::backend
