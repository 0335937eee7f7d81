// The PostgreSQL storage's sessions, records, components and change log.
#include "PostgresImpl.h"

namespace aieditor::backend {

StorageResult<SessionPage> PostgresStorage::listSessions(std::int64_t userId, std::int64_t limit,
                                                         const std::optional<std::string>& cursor) {
  std::int64_t afterAt = INT64_MAX;
  std::string afterId;
  if (cursor) {
    auto parsed = stored::parseCursor(*cursor);
    if (!parsed) return std::unexpected(StorageError{Failure::BadInput, "cursor: not a cursor this server gave"});
    std::tie(afterAt, afterId) = *parsed;
  }
  return impl_->read([&](Db& db) -> StorageResult<SessionPage> {
    auto rows = db.query(
        "SELECT s.id, s.title, s.created_at, s.updated_at, s.current_component_id, "
        "(SELECT COUNT(*) FROM records r WHERE r.user_id = s.user_id AND r.session_id = s.id AND r.kind = 'message'), "
        "(SELECT COUNT(DISTINCT k.id) FROM components k WHERE k.user_id = s.user_id AND k.session_id = s.id) "
        "FROM sessions s WHERE s.user_id = $1 AND (s.updated_at < $2 OR (s.updated_at = $2 AND s.id > $3)) "
        "ORDER BY s.updated_at DESC, s.id LIMIT $4",
        {userId, afterAt, afterId, limit + 1});
    if (!rows) return std::unexpected(rows.error());
    SessionPage page;
    for (int row = 0; row < rows->size(); ++row)
      page.sessions.push_back(
          SessionInfo{{rows->getString(row, 0), rows->getString(row, 1), rows->getInt(row, 2), rows->getInt(row, 3)},
                      rows->getOptionalString(row, 4),
                      rows->getInt(row, 5),
                      rows->getInt(row, 6)});
    if (static_cast<std::int64_t>(page.sessions.size()) > limit) {
      page.sessions.pop_back();
      page.nextCursor = stored::makeCursor(page.sessions.back().session);
    }
    return page;
  });
}

StorageResult<Page<Message>> PostgresStorage::listMessages(std::int64_t userId, const std::string& sessionId,
                                                           const std::optional<std::string>& before,
                                                           std::int64_t limit) {
  return impl_->listRecords<Message>(userId, "message", sessionId, before, limit);
}

StorageResult<Saved<Message>> PostgresStorage::addMessage(std::int64_t userId, const Incoming<Message>& in) {
  const bool titles = in.record.role == protocol::Role::User;
  return impl_->addRecord(userId, "message", in, titles ? stored::titleFrom(in.record.content) : std::string());
}

StorageResult<Page<Interaction>> PostgresStorage::listInteractions(std::int64_t userId, const std::string& sessionId,
                                                                   const std::optional<std::string>& before,
                                                                   std::int64_t limit) {
  return impl_->listRecords<Interaction>(userId, "interaction", sessionId, before, limit);
}

StorageResult<Saved<Interaction>> PostgresStorage::addInteraction(std::int64_t userId,
                                                                  const Incoming<Interaction>& in) {
  return impl_->addRecord(userId, "interaction", in, "");
}

StorageResult<std::vector<Component>> PostgresStorage::listComponents(std::int64_t userId,
                                                                      const std::string& sessionId) {
  return impl_->read([&](Db& db) -> StorageResult<std::vector<Component>> {
    auto exists = impl_->sessionExists(db, userId, sessionId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
    auto rows = db.query(
        "SELECT k.body FROM components k WHERE k.user_id = $1 AND k.session_id = $2 AND k.version = "
        "(SELECT MAX(version) FROM components l WHERE l.user_id = k.user_id AND "
        "l.session_id = k.session_id AND l.id = k.id) ORDER BY k.created_at, k.id",
        {userId, sessionId});
    if (!rows) return std::unexpected(rows.error());
    return Impl::components(*rows);
  });
}

StorageResult<std::vector<Component>> PostgresStorage::componentVersions(std::int64_t userId,
                                                                         const std::string& sessionId,
                                                                         const std::string& componentId) {
  return impl_->read([&](Db& db) -> StorageResult<std::vector<Component>> {
    auto rows =
        db.query("SELECT body FROM components WHERE user_id = $1 AND session_id = $2 AND id = $3 ORDER BY version",
                 {userId, sessionId, componentId});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty())
      return std::unexpected(notFound("component \"" + componentId + "\" not found in session \"" + sessionId + "\""));
    return Impl::components(*rows);
  });
}

StorageResult<Saved<Component>> PostgresStorage::saveComponent(std::int64_t userId, const ComponentEdit& edit) {
  const std::string key = stored::requestKey(edit);
  const Component& incoming = edit.component;
  return impl_->write([&](Db& db) -> StorageResult<Saved<Component>> {
    auto replayed =
        db.query("SELECT body FROM components WHERE user_id = $1 AND session_id = $2 AND id = $3 AND request_key = $4",
                 {userId, incoming.sessionId, incoming.id, key});
    if (!replayed) return std::unexpected(replayed.error());
    if (!replayed->empty()) {
      auto previous = stored::decodeComponent(replayed->getString(0, 0));
      if (!previous) return std::unexpected(previous.error());
      return Saved<Component>{std::move(*previous), false};
    }
    auto current = db.query(
        "SELECT MAX(version), MIN(created_at) FROM components WHERE user_id = $1 AND session_id = $2 AND id = $3",
        {userId, incoming.sessionId, incoming.id});
    if (!current) return std::unexpected(current.error());
    const std::int64_t latest = current->getInt(0, 0);
    const auto firstCreated = current->getOptionalInt(0, 1);

    Component component = incoming;
    component.version = latest + 1;
    component.updatedAt = server::now();
    component.createdAt = firstCreated.value_or(component.updatedAt);
    stored::markFork(component, edit.baseVersion, latest);
    if (auto touched = impl_->touchSession(db, userId, component.sessionId, ""); !touched)
      return std::unexpected(touched.error());
    // Two edits racing for the same version: the loser's unique violation
    // runs it again, where it sees the winner as the latest.
    auto pos = db.integer(
        "INSERT INTO components(user_id, session_id, id, version, created_at, body, request_key) "
        "VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING pos",
        {userId, component.sessionId, component.id, component.version, component.createdAt, stored::encode(component),
         key});
    if (!pos) return std::unexpected(pos.error());
    if (auto seq = impl_->logChange(db, userId, component.sessionId, "component", *pos, std::nullopt); !seq)
      return std::unexpected(seq.error());
    return Saved<Component>{std::move(component), true};
  });
}

StorageResult<void> PostgresStorage::setCurrentComponent(std::int64_t userId, const std::string& sessionId,
                                                         const std::string& componentId) {
  return impl_->write([&](Db& db) -> StorageResult<void> {
    auto exists = impl_->sessionExists(db, userId, sessionId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
    auto known = db.integer("SELECT 1 FROM components WHERE user_id = $1 AND session_id = $2 AND id = $3 LIMIT 1",
                            {userId, sessionId, componentId});
    if (!known) return std::unexpected(known.error());
    if (!*known)
      return std::unexpected(StorageError{
          Failure::BadInput, "component_id: no component \"" + componentId + "\" in session \"" + sessionId + "\""});
    if (auto set =
            db.query("UPDATE sessions SET current_component_id = $1, updated_at = $2 WHERE user_id = $3 AND id = $4",
                     {componentId, server::now(), userId, sessionId});
        !set)
      return std::unexpected(set.error());
    auto seq = impl_->logChange(db, userId, sessionId, "current_component", std::nullopt,
                                stored::currentComponentRecord(componentId));
    if (!seq) return std::unexpected(seq.error());
    return {};
  });
}

StorageResult<void> PostgresStorage::deleteSession(std::int64_t userId, const std::string& sessionId) {
  return impl_->write([&](Db& db) -> StorageResult<void> {
    // The session's row first: a write racing into it waits for this delete.
    auto gone = db.query("DELETE FROM sessions WHERE user_id = $1 AND id = $2", {userId, sessionId});
    if (!gone) return std::unexpected(gone.error());
    if (gone->affected() == 0) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
    // The session's earlier changes go with it: a reader behind them skips to
    // session_deleted, which is all it needs, and no deleted data lingers.
    for (const char* sql : {"DELETE FROM records WHERE user_id = $1 AND session_id = $2",
                            "DELETE FROM components WHERE user_id = $1 AND session_id = $2",
                            "DELETE FROM changes WHERE user_id = $1 AND session_id = $2"})
      if (auto deleted = db.query(sql, {userId, sessionId}); !deleted) return std::unexpected(deleted.error());
    auto seq = impl_->logChange(db, userId, sessionId, "session_deleted", std::nullopt, std::nullopt);
    if (!seq) return std::unexpected(seq.error());
    return {};
  });
}

StorageResult<ChangePage> PostgresStorage::changesSince(std::int64_t userId, std::int64_t since, std::int64_t limit) {
  return impl_->read([&](Db& db) -> StorageResult<ChangePage> {
    auto rows = db.query(
        "SELECT c.seq, c.session_id, c.kind, COALESCE(r.body, k.body, c.record) FROM changes c "
        "LEFT JOIN records r ON c.kind IN ('message', 'interaction') AND r.pos = c.ref_pos "
        "LEFT JOIN components k ON c.kind = 'component' AND k.pos = c.ref_pos "
        "WHERE c.user_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3",
        {userId, since, limit + 1});
    if (!rows) return std::unexpected(rows.error());
    auto latest = db.integer("SELECT last_seq FROM users WHERE id = $1", {userId});
    if (!latest) return std::unexpected(latest.error());

    ChangePage page;
    page.latest = latest->value_or(0);
    int count = rows->size();
    page.hasMore = count > limit;
    if (page.hasMore) --count;
    page.next = count == 0 ? since : rows->getInt(count - 1, 0);
    for (int row = 0; row < count; ++row) {
      auto change = stored::decodeChange(rows->getInt(row, 0), rows->getString(row, 1), rows->getString(row, 2),
                                         rows->getOptionalString(row, 3));
      if (!change) return std::unexpected(change.error());
      page.changes.push_back(std::move(*change));
    }
    return page;
  });
}

StorageResult<std::vector<WriteOutcome>> PostgresStorage::applyWrites(std::int64_t userId,
                                                                      const std::vector<Write>& writes) {
  // The writes in order, as Storage's own loop does, but each call joins this
  // transaction: a storage failure keeps nothing of the batch.
  return impl_->write([&](Db&) { return Storage::applyWrites(userId, writes); });
}

}  // namespace aieditor::backend
