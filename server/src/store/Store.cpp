// The SQLite store's facade: Store's public calls. Each checks its
// arguments and runs its body as one read or write transaction through
// Store::Impl (StoreImpl.h); the contract is in Store.h. The rest of the store
// sits beside this file: the schema and migrations (StoreSchema), the codecs
// between values and columns (StoreCodecs), the SQL (StoreStatements.h), the
// statement helpers (StoreQuery.h) and the transaction bodies (StoreImpl).
#include "store/Store.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "store/StoreCodecs.h"
#include "store/StoreFailure.h"
#include "store/StoreImpl.h"
#include "store/StoreQuery.h"
#include "store/StoreSchema.h"
#include "store/StoreStatements.h"
#include "aieditor/sqlite/Sqlite.h"

namespace aieditor::server {

using namespace store_detail;

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

StoreResult<void> Store::beginGroup() {
  if (impl_->grouped) return {};
  if (auto ready = impl_->readyToWrite(); !ready) return std::unexpected(ready.error().error);
  auto begun = sqlite::retryWhileBusy(impl_->db.busyTimeout(), [&]() -> Res<void> {
    auto done = impl_->db.run("BEGIN IMMEDIATE");
    if (!done) return std::unexpected(Failure(done.error()));
    return {};
  });
  if (!begun) return std::unexpected(begun.error().error);
  impl_->grouped = true;
  impl_->groupWrites = 0;
  return {};
}

StoreResult<void> Store::endGroup() {
  if (!impl_->grouped) return {};
  impl_->grouped = false;
  auto committed = impl_->db.run("COMMIT");
  if (committed) return {};
  // Nothing of the group is kept: roll back whatever SQLite left open.
  if (impl_->db.inTransaction()) (void)impl_->db.exec("ROLLBACK");
  return std::unexpected(Failure(committed.error()).error);
}

Res<void> Store::Impl::readyToWrite() {
  if (!db.movedAway()) return {};
  // What was acknowledged goes with the file: its log is copied into it.
  (void)db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return fail(Kind::Storage, "the database file " + db.filename() + " was moved or deleted while open");
}

StoreResult<std::unique_ptr<Store>> Store::open(const std::string& path, std::chrono::milliseconds busyTimeout) {
  if (const auto file = databaseFile(path); file && file->has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file->parent_path(), ec);
    if (ec)
      return std::unexpected(
          StoreError{Kind::Storage, "cannot create directory " + file->parent_path().string() + ": " + ec.message()});
  }
  auto connection = sqlite::Connection::open(path, busyTimeout);
  if (!connection) return std::unexpected(StoreError{Kind::Storage, connection.error().message});
  auto impl = std::make_unique<Impl>(std::move(*connection), path);
  // Search needs FTS5 (the index, and its ranking added here): a SQLite
  // built without it could not even write a message.
  if (auto ranking = impl->db.addFrozenBm25(); !ranking)
    return std::unexpected(StoreError{Kind::Storage, ranking.error().message +
                                                         ", which aieditor's search needs; install one with FTS5 "
                                                         "(Debian's libsqlite3-0 has it)"});
  auto configured = sqlite::retryWhileBusy(busyTimeout, [&]() -> Res<void> {
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL"})
      if (auto set = impl->db.exec(pragma); !set) return std::unexpected(set.error());
    // A read-only database keeps the journal mode it has.
    if (auto wal = impl->db.exec("PRAGMA journal_mode = WAL"); !wal && !sqlite::isReadOnly(wal.error().code))
      return std::unexpected(wal.error());
    return migrate(impl->db, path);
  });
  if (!configured) return std::unexpected(std::move(configured.error().error));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

StoreResult<void> Store::commitWithoutWaitingForDisk() {
  if (auto set = impl_->db.exec("PRAGMA synchronous = NORMAL"); !set)
    return std::unexpected(StoreError{Kind::Storage, set.error().message});
  return {};
}

StoreResult<Session> Store::ensureSession(const std::string& id, Timestamp now) {
  if (id.empty()) return std::unexpected(StoreError{Kind::Invalid, "session id is empty"});
  // Read first: opening an existing session must work on a read-only database.
  auto found = findSession(id);
  if (!found) return std::unexpected(found.error());
  if (*found) return std::move(**found);
  return impl_->write([&] { return impl_->ensureSession(id, orNow(now)); });
}

StoreResult<std::optional<Session>> Store::findSession(const std::string& id) {
  return impl_->read([&] { return selectOne(impl_->db, kFindSession, readSession, id); });
}

StoreResult<SessionList> Store::listSessions(std::int64_t limit, const std::optional<std::string>& cursor) {
  return impl_->read([&]() -> Res<SessionList> {
    if (limit < 1) return fail(Kind::Invalid, "limit: must be at least 1");
    auto after = decodeCursor(cursor);
    if (!after) return std::unexpected(after.error());
    auto rows =
        select(impl_->db, kListSessions, readListed, after->updatedAt, after->id, std::min(limit, kMaxLimit) + 1);
    if (!rows) return std::unexpected(rows.error());
    SessionList list;
    if (static_cast<std::int64_t>(rows->size()) > limit) {
      rows->pop_back();
      list.nextCursor = encodeCursor(rows->back());
    }
    for (auto& row : *rows) list.sessions.push_back(std::move(row.summary));
    return list;
  });
}

StoreResult<void> Store::deleteSession(const std::string& id) {
  return impl_->write([&]() -> Res<void> {
    if (auto deleted = execute(impl_->db, kDeleteSession, id); !deleted) return deleted;
    if (impl_->db.changes() == 0) return fail(Kind::NotFound, "no session '" + id + "'");
    if (auto dropped = execute(impl_->db, kDropSessionOutbox, id); !dropped) return dropped;
    return impl_->enqueue("session_deleted", id, std::nullopt);
  });
}

StoreResult<std::optional<std::string>> Store::currentComponentId(const std::string& sessionId) {
  return impl_->read([&]() -> Res<std::optional<std::string>> {
    auto row = selectOne(impl_->db, kCurrentComponent, readOptionalString, sessionId);
    if (!row) return std::unexpected(row.error());
    return row->value_or(std::nullopt);
  });
}

StoreResult<void> Store::setCurrentComponent(const std::string& sessionId, const std::string& componentId) {
  return impl_->write([&]() -> Res<void> {
    auto exists = selectOne(impl_->db, kComponentExists, readInt, sessionId, componentId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    return impl_->pickCurrent(sessionId, componentId);
  });
}

StoreResult<std::int64_t> Store::messageCount(const std::string& sessionId) {
  return impl_->read([&]() -> Res<std::int64_t> {
    auto count = selectOne(impl_->db, kCountMessages, readInt, sessionId);
    if (!count) return std::unexpected(count.error());
    return count->value_or(0);
  });
}

StoreResult<Message> Store::addMessage(const Message& message) {
  return impl_->write([&]() -> Res<Message> {
    if (auto valid = requireId(message.sessionId, "sessionId"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(message.id, "message id"); !valid) return std::unexpected(valid.error());
    return impl_->addMessage(message);
  });
}

StoreResult<Page<Message>> Store::listMessages(const std::string& sessionId, const std::optional<std::string>& before,
                                               std::int64_t limit) {
  return impl_->read([&]() -> Res<Page<Message>> {
    if (limit < 0) return fail(Kind::Invalid, "limit: must not be negative");
    return impl_->page(kMessageSeq, kMessagePage, readMessage, sessionId, before, limit);
  });
}

StoreResult<Interaction> Store::addInteraction(const Interaction& interaction) {
  return impl_->write([&]() -> Res<Interaction> {
    if (auto valid = requireId(interaction.sessionId, "sessionId"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(interaction.id, "interaction id"); !valid) return std::unexpected(valid.error());
    return impl_->addInteraction(interaction);
  });
}

StoreResult<Page<Interaction>> Store::listInteractions(const std::string& sessionId,
                                                       const std::optional<std::string>& before, std::int64_t limit) {
  return impl_->read([&]() -> Res<Page<Interaction>> {
    if (limit < 0) return fail(Kind::Invalid, "limit: must not be negative");
    return impl_->page(kInteractionSeq, kInteractionPage, readInteraction, sessionId, before, limit);
  });
}

StoreResult<Component> Store::saveComponent(const Component& component, const protocol::VersionOrigin& origin) {
  return impl_->write([&]() -> Res<Component> {
    if (auto valid = requireId(component.sessionId, "sessionId"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(component.id, "component id"); !valid) return std::unexpected(valid.error());
    return impl_->saveComponent(component, origin);
  });
}

StoreResult<std::vector<Component>> Store::listComponents(const std::string& sessionId) {
  return impl_->read([&] { return select(impl_->db, kLatestVersions, readComponent, sessionId); });
}

StoreResult<std::optional<Component>> Store::getComponent(const std::string& sessionId, const std::string& componentId,
                                                          std::optional<std::int64_t> version) {
  return impl_->read([&] {
    return version ? selectOne(impl_->db, kVersion, readComponent, sessionId, componentId, *version)
                   : selectOne(impl_->db, kLatestVersion, readComponent, sessionId, componentId);
  });
}

StoreResult<std::vector<protocol::ComponentVersion>> Store::componentHistory(const std::string& sessionId,
                                                                             const std::string& componentId) {
  return impl_->read([&]() -> Res<std::vector<protocol::ComponentVersion>> {
    auto versions = select(impl_->db, kHistoryWithOrigins, readComponentVersion, sessionId, componentId);
    if (!versions) return versions;
    if (versions->empty())
      return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    versions->back().current = true;
    return versions;
  });
}

StoreResult<std::vector<protocol::AppliedFile>> Store::recordApplied(const std::string& sessionId,
                                                                     const std::string& componentId,
                                                                     std::int64_t version,
                                                                     const std::vector<protocol::AppliedFile>& files,
                                                                     Timestamp appliedAt) {
  return impl_->write([&]() -> Res<std::vector<protocol::AppliedFile>> {
    auto exists = selectOne(impl_->db, kVersion, readComponent, sessionId, componentId, version);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists)
      return fail(Kind::NotFound, "no version " + std::to_string(version) + " of component '" + componentId +
                                      "' in session '" + sessionId + "'");
    for (const protocol::AppliedFile& file : files) {
      if (auto released = execute(impl_->db, kReleaseFile, sessionId, file.path, componentId); !released)
        return std::unexpected(released.error());
      if (auto recorded =
              execute(impl_->db, kRecordFile, sessionId, componentId, file.path, file.kind, version, appliedAt);
          !recorded)
        return std::unexpected(recorded.error());
    }
    return select(impl_->db, kComponentFiles, readAppliedFile, sessionId, componentId);
  });
}

StoreResult<std::vector<protocol::AppliedFile>> Store::appliedFiles(const std::string& sessionId,
                                                                    const std::string& componentId) {
  return impl_->read([&]() -> Res<std::vector<protocol::AppliedFile>> {
    auto exists = selectOne(impl_->db, kComponentExists, readInt, sessionId, componentId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    return select(impl_->db, kComponentFiles, readAppliedFile, sessionId, componentId);
  });
}

StoreResult<void> Store::deleteComponent(const std::string& sessionId, const std::string& componentId) {
  return impl_->write([&]() -> Res<void> {
    if (auto deleted = execute(impl_->db, kDeleteComponent, sessionId, componentId); !deleted) return deleted;
    if (impl_->db.changes() == 0)
      return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    // Its unsent versions and picks need not travel; the delete does, so the
    // backend (and every other device) drops what it already has.
    if (auto dropped = execute(impl_->db, kDropComponentOutbox, sessionId, componentId); !dropped) return dropped;
    if (auto cleared = execute(impl_->db, kClearCurrent, sessionId, componentId); !cleared) return cleared;
    return impl_->enqueue("component_deleted", sessionId, componentId);
  });
}

StoreResult<ReplyRecords> Store::saveReply(const ReplyRecords& reply) {
  return impl_->write([&]() -> Res<ReplyRecords> {
    const std::string& sessionId = reply.assistantMessage.sessionId;
    if (auto valid = requireId(sessionId, "sessionId"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(reply.assistantMessage.id, "message id"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(reply.interaction.id, "interaction id"); !valid) return std::unexpected(valid.error());
    if (reply.component) {
      if (auto valid = requireId(reply.component->id, "component id"); !valid) return std::unexpected(valid.error());
    }
    if (reply.interaction.sessionId != sessionId || (reply.component && reply.component->sessionId != sessionId))
      return fail(Kind::Invalid, "reply records belong to different sessions");
    ReplyRecords stored;
    auto interaction = impl_->addInteraction(reply.interaction);
    if (!interaction) return std::unexpected(interaction.error());
    stored.interaction = std::move(*interaction);
    if (reply.component) {
      auto component = impl_->saveComponent(*reply.component, {protocol::OriginKind::Prompt, {}, {}});
      if (!component) return std::unexpected(component.error());
      stored.component = std::move(*component);
    }
    auto message = impl_->addMessage(reply.assistantMessage);
    if (!message) return std::unexpected(message.error());
    stored.assistantMessage = std::move(*message);
    return stored;
  });
}

StoreResult<SessionDocument> Store::exportSession(const std::string& sessionId) {
  return impl_->read([&]() -> Res<SessionDocument> {
    SessionDocument document;
    auto session = selectOne(impl_->db, kFindSession, readSession, sessionId);
    if (!session) return std::unexpected(session.error());
    if (!*session) return fail(Kind::NotFound, "no session '" + sessionId + "'");
    document.session = std::move(**session);
    auto current = selectOne(impl_->db, kCurrentComponent, readOptionalString, sessionId);
    if (!current) return std::unexpected(current.error());
    document.currentComponentId = current->value_or(std::nullopt);
    auto messages = select(impl_->db, kAllMessages, readMessage, sessionId);
    if (!messages) return std::unexpected(messages.error());
    document.messages = std::move(*messages);
    auto interactions = select(impl_->db, kAllInteractions, readInteraction, sessionId);
    if (!interactions) return std::unexpected(interactions.error());
    document.interactions = std::move(*interactions);
    auto versions = select(impl_->db, kAllVersions, readComponent, sessionId);
    if (!versions) return std::unexpected(versions.error());
    document.componentVersions = std::move(*versions);
    return document;
  });
}

StoreResult<void> Store::importSession(const SessionDocument& document) {
  return impl_->write([&]() -> Res<void> {
    if (auto valid = requireId(document.session.id, "session id"); !valid) return valid;
    return impl_->importSession(document);
  });
}

namespace {

Res<OutboxWrite> readOutboxRow(const Row& row) {
  OutboxWrite write;
  write.seq = row.getInt(0);
  write.kind = row.getString(1);
  write.sessionId = row.getString(2);
  write.recordId = row.getOptionalString(3);
  write.version = row.getOptionalInt(4);
  return write;
}

}  // namespace

StoreResult<std::vector<OutboxWrite>> Store::pendingWrites(std::int64_t limit) {
  return impl_->read([&]() -> Res<std::vector<OutboxWrite>> {
    auto rows = select(impl_->db, kPendingOutbox, readOutboxRow, limit);
    if (!rows) return rows;
    for (OutboxWrite& write : *rows) {
      if (!write.recordId || write.kind == "current_component" || write.kind == "component_deleted") continue;
      const std::string& id = *write.recordId;
      if (write.kind == "message") {
        auto found = selectOne(impl_->db, kFindMessage, readMessage, write.sessionId, id);
        if (!found) return std::unexpected(found.error());
        write.message = std::move(*found);
      } else if (write.kind == "interaction") {
        auto found = selectOne(impl_->db, kFindInteraction, readInteraction, write.sessionId, id);
        if (!found) return std::unexpected(found.error());
        write.interaction = std::move(*found);
      } else if (write.kind == "component" && write.version) {
        auto found = selectOne(impl_->db, kVersion, readComponent, write.sessionId, id, *write.version);
        if (!found) return std::unexpected(found.error());
        write.component = std::move(*found);
      }
    }
    return rows;
  });
}

StoreResult<OutboxCounts> Store::outboxCounts() {
  return impl_->read([&]() -> Res<OutboxCounts> {
    auto pending = selectOne(impl_->db, kOutboxPending, readInt);
    if (!pending) return std::unexpected(pending.error());
    auto rejected = selectOne(impl_->db, kOutboxRejected, readInt);
    if (!rejected) return std::unexpected(rejected.error());
    return OutboxCounts{pending->value_or(0), rejected->value_or(0)};
  });
}

StoreResult<void> Store::settleWrites(const std::vector<std::int64_t>& acknowledged,
                                      const std::vector<std::pair<std::int64_t, std::string>>& rejected) {
  return impl_->write([&]() -> Res<void> {
    for (const std::int64_t seq : acknowledged)
      if (auto done = execute(impl_->db, kAcknowledge, seq); !done) return done;
    for (const auto& [seq, why] : rejected)
      if (auto done = execute(impl_->db, kReject, seq, why); !done) return done;
    return {};
  });
}

StoreResult<bool> Store::takePushLease(const PushLease& mine, Timestamp now, const std::optional<std::string>& ended) {
  return impl_->write([&]() -> Res<bool> {
    if (auto taken = execute(impl_->db, kTakeLease, mine.holder, now, mine.expiresAt, mine.pid, mine.started,
                             mine.machine, ended);
        !taken)
      return std::unexpected(taken.error());
    return impl_->db.changes() > 0;
  });
}

namespace {

Res<PushLease> readLease(const Row& row) {
  return PushLease{row.getString(0), row.getInt(1), row.getInt(2), row.getString(3), row.getInt(4)};
}

}  // namespace

StoreResult<std::optional<PushLease>> Store::pushLease() {
  return impl_->read([&]() { return selectOne(impl_->db, kPushLease, readLease); });
}

StoreResult<void> Store::releasePushLease(const std::string& holder) {
  return impl_->write([&]() -> Res<void> { return execute(impl_->db, kReleaseLease, holder); });
}

namespace {

/// An outbox row (readOutboxRow's columns) and, sixth, the backend's reason.
Res<protocol::RejectedWrite> readRejectedRow(const Row& row) {
  auto write = readOutboxRow(row);
  if (!write) return std::unexpected(write.error());
  return protocol::RejectedWrite{
      write->seq,      std::move(write->sessionId), std::move(write->kind), write->recordId, write->version,
      row.getString(5)};
}

}  // namespace

StoreResult<std::vector<protocol::RejectedWrite>> Store::rejectedWrites(const std::optional<std::string>& sessionId) {
  return impl_->read([&] { return select(impl_->db, kRejectedOutbox, readRejectedRow, sessionId); });
}

StoreResult<std::int64_t> Store::requeueRejected(const std::optional<std::string>& sessionId) {
  return impl_->write([&]() -> Res<std::int64_t> {
    if (auto done = execute(impl_->db, kRequeueRejected, sessionId); !done) return std::unexpected(done.error());
    return static_cast<std::int64_t>(impl_->db.changes());
  });
}

StoreResult<std::string> Store::integrityCheck() {
  return impl_->read([&]() -> Res<std::string> {
    auto lines = select(impl_->db, kIntegrityCheck, readString);
    if (!lines) return std::unexpected(lines.error());
    std::string report;
    for (const auto& line : *lines) report += (report.empty() ? "" : "\n") + line;
    return report;
  });
}

}  // namespace aieditor::server
