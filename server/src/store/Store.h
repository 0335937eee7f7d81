// The SQLite store: one database file holds every session.
//
// A Store belongs to one thread. It owns one connection, its prepared
// statements and its group state, and takes no lock: calls from two threads
// at once are a data race. Open one Store per thread instead (the server's
// storage thread writes through its own, the event loop reads through
// another); they share the file like separate processes do.
//
// Every write runs in its own IMMEDIATE transaction and returns only after
// COMMIT (or, in a group, joins one transaction committed at endGroup()),
// with WAL and synchronous=FULL, so a write the caller acknowledges
// survives a kill -9. Several processes may share the file: SQLITE_BUSY is
// waited out and retried in one place (a busy timeout plus a bounded retry
// loop); it reaches the caller only when a lock outlasts the busy timeout.
// Failures are values carrying SQLite's own message.
// <sqlite3.h> stays inside the shared SQLite layer (sqlite/src/).
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aieditor/protocol/Protocol.h"
#include "aieditor/protocol/Search.h"

namespace aieditor::server {

using protocol::Component;
using protocol::Interaction;
using protocol::Message;
using protocol::Session;
using protocol::SessionDocument;
using protocol::SessionSummary;
using protocol::Timestamp;

struct StoreError {
  enum class Kind { Storage, NotFound, Conflict, Invalid };
  Kind kind = Kind::Storage;
  std::string message;  ///< for Storage: SQLite's message
  /// SQLite refused to write a file it opened read-only: the connection must
  /// be opened again once the file is writable.
  bool readOnly = false;
};
template <class T>
using StoreResult = std::expected<T, StoreError>;

template <class T>
struct Page {
  std::vector<T> items;
  bool hasMore = false;
};

struct SessionList {
  std::vector<SessionSummary> sessions;
  std::optional<std::string> nextCursor;
};

/// What a finished chat reply stores, in one transaction.
struct ReplyRecords {
  Message assistantMessage;
  Interaction interaction;
  std::optional<Component> component;  ///< stored version, now current
};

/// A write the sync backend has not acknowledged (an outbox row), with its
/// record as stored now. A record gone since leaves all three empty.
struct OutboxWrite {
  std::int64_t seq = 0;  ///< write order
  std::string kind;      ///< message, interaction, component, current_component, session_deleted
  std::string sessionId;
  std::optional<std::string> recordId;  ///< the component picked, for current_component
  std::optional<std::int64_t> version;  ///< a component's version
  std::optional<Message> message;
  std::optional<Interaction> interaction;
  std::optional<Component> component;  ///< the version written
};

/// One change pulled from the backend's change log (GET /api/changes).
struct PulledChange {
  std::int64_t seq = 0;  ///< the backend's order
  std::string kind;      ///< as in OutboxWrite
  std::string sessionId;
  std::optional<std::string> componentId;  ///< for current_component and component_deleted
  std::optional<Message> message;
  std::optional<Interaction> interaction;
  std::optional<Component> component;
};

/// What applying pulled changes did to one session (for session/changed).
struct SessionChange {
  std::string sessionId;
  bool messages = false;       ///< messages or interactions were added or reordered
  std::vector<Message> added;  ///< the messages added, in the session's order
  bool components = false;     ///< versions were added or a component deleted
  bool current = false;        ///< the current component changed
  bool deleted = false;        ///< the session is gone
};

/// What pulls applied after a pull_log row (pulledSince): this process's
/// pulls and other processes' on the same database.
struct PulledSince {
  std::vector<SessionChange> changes;  ///< by session, in the order first changed
  std::int64_t last = 0;               ///< the last row read: the next call's `after`
  bool missed = false;                 ///< rows after `after` were dropped already (over 10,000 behind)
};

/// The push lease as its row holds it: who holds it, and until when.
struct PushLease {
  std::string holder;        ///< the holding process's id (random per process)
  std::int64_t pid = 0;      ///< 0 when unknown (a lease taken before schema version 8)
  std::int64_t started = 0;  ///< the process's start time, in clock ticks after boot (pids are reused)
  std::string machine;       ///< where `pid` names that process (boot id and pid namespace); "" when unknown
  Timestamp expiresAt = 0;
};

/// What to search (search/query's params, checked).
struct SearchRequest {
  std::string query;  ///< as typed: words, "exact phrases", prefix*
  std::optional<std::string> sessionId;
  std::vector<protocol::SearchKind> kinds;  ///< empty: every kind
  std::int64_t limit = 20;
  std::optional<std::string> cursor;
};

struct SearchPage {
  std::vector<protocol::SearchHit> hits;
  std::optional<std::string> nextCursor;
};

struct OutboxCounts {
  std::int64_t pending = 0;   ///< waiting to be sent
  std::int64_t rejected = 0;  ///< refused by the backend, kept
};

class Store {
 public:
  /// How long a call waits for another process's lock before it fails.
  static constexpr std::chrono::milliseconds kBusyTimeout{10'000};
  /// Opens (creating directories and the file when needed) and migrates.
  /// `path` may be a `file:` URI (e.g. `file:/x.db?mode=ro`).
  static StoreResult<std::unique_ptr<Store>> open(const std::string& path,
                                                  std::chrono::milliseconds busyTimeout = kBusyTimeout);
  ~Store();
  /// For a connection whose every write can be redone from the backend or
  /// the outbox (the sync thread's: acknowledged writes, pulled pages, the
  /// lease): its commits no longer wait for the disk (synchronous=NORMAL in
  /// WAL mode). A power cut may undo its last ones, never another
  /// connection's: their commit syncs the log up to and past them.
  StoreResult<void> commitWithoutWaitingForDisk();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static constexpr int kSchemaVersion = 8;

  // Sessions
  /// Returns the session, creating it (title empty) when missing.
  StoreResult<Session> ensureSession(const std::string& id, Timestamp now);
  StoreResult<std::optional<Session>> findSession(const std::string& id);
  /// Most recently updated first; the cursor is opaque.
  StoreResult<SessionList> listSessions(std::int64_t limit, const std::optional<std::string>& cursor);
  /// NotFound when there is no such session.
  StoreResult<void> deleteSession(const std::string& id);
  StoreResult<std::optional<std::string>> currentComponentId(const std::string& sessionId);
  /// NotFound when the component is not in the session.
  StoreResult<void> setCurrentComponent(const std::string& sessionId, const std::string& componentId);
  StoreResult<std::int64_t> messageCount(const std::string& sessionId);
  /// Sets the title the user chose (kept from then on: a pull no longer
  /// titles the session from its first prompt). Local to this machine: titles
  /// are not synced records. NotFound when there is no such session.
  StoreResult<Session> renameSession(const std::string& id, const std::string& title);

  /// Full-text search over messages, component versions and session titles
  /// (StoreSearch.cpp): best bm25 first, then the newest; the cursor is
  /// opaque. Text FTS5 would refuse is searched as plain words: only a bad
  /// cursor is Invalid.
  StoreResult<SearchPage> search(const SearchRequest&);

  // Messages: ordered by insertion. Adding an id the session already has
  // stores nothing and returns the stored record (idempotent retries). An
  // image protocol::fromJSON would refuse is Invalid (so is one in an import).
  StoreResult<Message> addMessage(const Message&);
  /// The `limit` messages just older than `before` (or the newest), oldest
  /// first. NotFound when `before` is not a message of the session.
  StoreResult<Page<Message>> listMessages(const std::string& sessionId,
                                          const std::optional<std::string>& before, std::int64_t limit);

  // Interactions: same rules as messages.
  StoreResult<Interaction> addInteraction(const Interaction&);
  StoreResult<Page<Interaction>> listInteractions(const std::string& sessionId,
                                                  const std::optional<std::string>& before,
                                                  std::int64_t limit);

  // Components. `saveComponent` stores a new version: version 1 of a new id,
  // or latest+1 of an existing one (the given version and createdAt are
  // ignored). Saving content equal to the latest version (name, jsx, css)
  // stores nothing and returns the latest. The saved component becomes the
  // session's current one.
  /// `origin` is kept with a new version (what components/history shows).
  StoreResult<Component> saveComponent(const Component&,
                                       const protocol::VersionOrigin& origin = {protocol::OriginKind::Manual, {}, {}});
  /// Latest version of each component, oldest component first.
  StoreResult<std::vector<Component>> listComponents(const std::string& sessionId);
  /// The latest version when `version` is empty; nullopt when missing.
  StoreResult<std::optional<Component>> getComponent(const std::string& sessionId, const std::string& componentId,
                                                     std::optional<std::int64_t> version);
  /// Every version with its origin, oldest first, the latest marked current;
  /// NotFound when there is no such component.
  StoreResult<std::vector<protocol::ComponentVersion>> componentHistory(const std::string& sessionId,
                                                                        const std::string& componentId);
  /// Records that the editor wrote `version` to `files` (local to this
  /// machine: not queued for sync). A path moves to this component from any
  /// other of the session. Every file of the component, by path; NotFound
  /// when the version does not exist.
  StoreResult<std::vector<protocol::AppliedFile>> recordApplied(const std::string& sessionId,
                                                                const std::string& componentId, std::int64_t version,
                                                                const std::vector<protocol::AppliedFile>& files,
                                                                Timestamp appliedAt);
  /// The files recorded for a component, by path; NotFound when there is no such component.
  StoreResult<std::vector<protocol::AppliedFile>> appliedFiles(const std::string& sessionId,
                                                               const std::string& componentId);
  /// Deletes the component and its versions; clears it as current.
  StoreResult<void> deleteComponent(const std::string& sessionId, const std::string& componentId);

  /// Stores a finished reply atomically (all or nothing); idempotent by ids.
  StoreResult<ReplyRecords> saveReply(const ReplyRecords&);

  // Export / import
  StoreResult<SessionDocument> exportSession(const std::string& sessionId);
  /// Conflict when document.session.id already exists; never overwrites.
  StoreResult<void> importSession(const SessionDocument&);

  // The sync outbox: every write above also queues its row in the outbox,
  // in the same transaction (StoreSchema.cpp describes the table).
  /// The oldest `limit` writes not yet acknowledged nor rejected, in write order.
  StoreResult<std::vector<OutboxWrite>> pendingWrites(std::int64_t limit);
  StoreResult<OutboxCounts> outboxCounts();
  /// In one transaction: forgets the acknowledged writes and marks the
  /// rejected ones with the backend's message.
  StoreResult<void> settleWrites(const std::vector<std::int64_t>& acknowledged,
                                 const std::vector<std::pair<std::int64_t, std::string>>& rejected);
  /// The writes the backend refused (of one session, or all), oldest first.
  StoreResult<std::vector<protocol::RejectedWrite>> rejectedWrites(const std::optional<std::string>& sessionId);
  /// Puts the refused writes (of one session, or all) back in the queue, at
  /// their place in write order; how many.
  StoreResult<std::int64_t> requeueRejected(const std::optional<std::string>& sessionId);

  /// The push lease (one pushing process per database): taken, or renewed,
  /// as `mine` (until mine.expiresAt) when it is free, expired at `now`,
  /// already mine.holder's, or held by `ended` (a holder whose process is gone).
  StoreResult<bool> takePushLease(const PushLease& mine, Timestamp now,
                                  const std::optional<std::string>& ended = std::nullopt);
  /// The lease as stored; nullopt when nobody holds it.
  StoreResult<std::optional<PushLease>> pushLease();
  /// Frees the lease if `holder` has it.
  StoreResult<void> releasePushLease(const std::string& holder);

  // Pull: the backend's changes written like local ones but not queued.
  /// How far the change log was applied (0 before any pull).
  StoreResult<std::int64_t> syncCursor();
  /// In one transaction: applies `changes` (each at most once: a replay
  /// changes nothing), notes what changed in the pull log and moves the
  /// cursor to `cursor`.
  StoreResult<void> applyPulled(const std::vector<PulledChange>& changes, std::int64_t cursor);
  /// The pull log's last row (0 before any pull).
  StoreResult<std::int64_t> pullLogEnd();
  /// What pulls applied after the pull log's row `after`, whichever process pulled.
  StoreResult<PulledSince> pulledSince(std::int64_t after);
  /// The backend lost what it had acknowledged (restored from a backup): in
  /// one transaction queues every record again (the backend knows them by
  /// id) and sets the cursor to `cursor`.
  StoreResult<void> requeueAll(std::int64_t cursor);
  /// The backend and account the cursor counts in ("URL as user"); nullopt
  /// before the first pull (or a database from before version 5).
  StoreResult<std::optional<std::string>> syncBackend();
  /// Sets it: `requeue` (a different one than before) also queues every
  /// record again and sets the cursor to 0, in the same transaction.
  StoreResult<void> setSyncBackend(const std::string& backend, bool requeue);

  /// Group commit. Between beginGroup() and endGroup() every write is a
  /// savepoint of one shared transaction (a failed write undoes only itself)
  /// and nothing is durable until endGroup() commits them all with one sync.
  /// Callers must hold their acknowledgements until then. On a failed commit
  /// the whole group is rolled back.
  StoreResult<void> beginGroup();
  StoreResult<void> endGroup();

  /// `PRAGMA integrity_check` result ("ok" when healthy).
  StoreResult<std::string> integrityCheck();
  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aieditor::server
