// The SQLite storage's sessions, records, components and change log.
#include "SqliteStorageImpl.h"

namespace aieditor::backend {
using namespace sqlite_storage;

StorageResult<SessionPage> SqliteStorage::listSessions(std::int64_t userId, std::int64_t limit,
                                                       const std::optional<std::string>& cursor) {
  std::int64_t afterAt = INT64_MAX;
  std::string afterId;
  if (cursor) {
    auto parsed = stored::parseCursor(*cursor);
    if (!parsed) return std::unexpected(StorageError{Failure::BadInput, "cursor: not a cursor this server gave"});
    std::tie(afterAt, afterId) = *parsed;
  }
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<SessionPage> {
    SessionPage page;
    auto rows = each(
        c,
        "SELECT s.id, s.title, s.created_at, s.updated_at, s.current_component_id, "
        "(SELECT COUNT(*) FROM records r WHERE r.user_id = s.user_id AND r.session_id = s.id AND r.kind = 'message'), "
        "(SELECT COUNT(DISTINCT k.id) FROM components k WHERE k.user_id = s.user_id AND k.session_id = s.id) "
        "FROM sessions s WHERE s.user_id = ? AND (s.updated_at < ? OR (s.updated_at = ? AND s.id > ?)) "
        "ORDER BY s.updated_at DESC, s.id LIMIT ?",
        [&](const sqlite::Statement::Use& u) {
          page.sessions.push_back(SessionInfo{{u.getString(0), u.getString(1), u.getInt(2), u.getInt(3)},
                                              u.getOptionalString(4),
                                              u.getInt(5),
                                              u.getInt(6)});
        },
        userId, afterAt, afterAt, afterId, limit + 1);
    if (!rows) return std::unexpected(rows.error());
    if (static_cast<std::int64_t>(page.sessions.size()) > limit) {
      page.sessions.pop_back();
      const auto& last = page.sessions.back().session;
      page.nextCursor = stored::makeCursor(last);
    }
    return page;
  });
}

StorageResult<Page<Message>> SqliteStorage::listMessages(std::int64_t userId, const std::string& sessionId,
                                                         const std::optional<std::string>& before, std::int64_t limit) {
  return impl_->listRecords<Message>(userId, "message", sessionId, before, limit);
}

StorageResult<Saved<Message>> SqliteStorage::addMessage(std::int64_t userId, const Incoming<Message>& in) {
  const bool titles = in.record.role == protocol::Role::User;
  return impl_->addRecord(userId, "message", in, titles ? stored::titleFrom(in.record.content) : std::string());
}

StorageResult<Page<Interaction>> SqliteStorage::listInteractions(std::int64_t userId, const std::string& sessionId,
                                                                 const std::optional<std::string>& before,
                                                                 std::int64_t limit) {
  return impl_->listRecords<Interaction>(userId, "interaction", sessionId, before, limit);
}

StorageResult<Saved<Interaction>> SqliteStorage::addInteraction(std::int64_t userId, const Incoming<Interaction>& in) {
  return impl_->addRecord(userId, "interaction", in, "");
}

StorageResult<std::vector<Component>> SqliteStorage::listComponents(std::int64_t userId, const std::string& sessionId) {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<std::vector<Component>> {
    auto exists = impl_->sessionExists(c, userId, sessionId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
    return impl_->components(c,
                             "SELECT k.body FROM components k WHERE k.user_id = ? AND k.session_id = ? AND k.version = "
                             "(SELECT MAX(version) FROM components l WHERE l.user_id = k.user_id AND "
                             "l.session_id = k.session_id AND l.id = k.id) ORDER BY k.created_at, k.id",
                             userId, sessionId, std::nullopt);
  });
}

StorageResult<std::vector<Component>> SqliteStorage::componentVersions(std::int64_t userId,
                                                                       const std::string& sessionId,
                                                                       const std::string& componentId) {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<std::vector<Component>> {
    auto versions = impl_->components(
        c, "SELECT body FROM components WHERE user_id = ? AND session_id = ? AND id = ? ORDER BY version", userId,
        sessionId, componentId);
    if (versions && versions->empty())
      return std::unexpected(notFound("component \"" + componentId + "\" not found in session \"" + sessionId + "\""));
    return versions;
  });
}

StorageResult<Saved<Component>> SqliteStorage::saveComponent(std::int64_t userId, const ComponentEdit& edit) {
  const std::string key = stored::requestKey(edit);
  const Component& incoming = edit.component;
  return impl_->write([&](sqlite::Connection& c) -> StorageResult<Saved<Component>> {
    std::optional<std::string> replayed;
    auto found = each(
        c, "SELECT body FROM components WHERE user_id = ? AND session_id = ? AND id = ? AND request_key = ?",
        [&](const sqlite::Statement::Use& u) { replayed = u.getString(0); }, userId, incoming.sessionId, incoming.id,
        key);
    if (!found) return std::unexpected(found.error());
    if (replayed) {
      auto previous = stored::decodeComponent(*replayed);
      if (!previous) return std::unexpected(previous.error());
      return Saved<Component>{std::move(*previous), false};
    }
    std::int64_t latest = 0;
    std::optional<std::int64_t> firstCreated;
    auto current = each(
        c, "SELECT MAX(version), MIN(created_at) FROM components WHERE user_id = ? AND session_id = ? AND id = ?",
        [&](const sqlite::Statement::Use& u) {
          latest = u.getOptionalInt(0).value_or(0);
          firstCreated = u.getOptionalInt(1);
        },
        userId, incoming.sessionId, incoming.id);
    if (!current) return std::unexpected(current.error());

    Component component = incoming;
    component.version = latest + 1;
    component.updatedAt = server::now();
    component.createdAt = firstCreated.value_or(component.updatedAt);
    stored::markFork(component, edit.baseVersion, latest);
    if (auto touched = impl_->touchSession(c, userId, component.sessionId, ""); !touched)
      return std::unexpected(touched.error());
    auto pos = integer(c,
                       "INSERT INTO components(user_id, session_id, id, version, created_at, body, request_key) "
                       "VALUES(?,?,?,?,?,?,?) RETURNING pos",
                       userId, component.sessionId, component.id, component.version, component.createdAt,
                       stored::encode(component), key);
    if (!pos) return std::unexpected(pos.error());
    if (auto seq = impl_->logChange(c, userId, component.sessionId, "component", *pos, std::nullopt); !seq)
      return std::unexpected(seq.error());
    return Saved<Component>{std::move(component), true};
  });
}

StorageResult<void> SqliteStorage::setCurrentComponent(std::int64_t userId, const std::string& sessionId,
                                                       const std::string& componentId) {
  return impl_->write([&](sqlite::Connection& c) -> StorageResult<void> {
    auto exists = impl_->sessionExists(c, userId, sessionId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
    auto known = integer(c, "SELECT 1 FROM components WHERE user_id = ? AND session_id = ? AND id = ? LIMIT 1", userId,
                         sessionId, componentId);
    if (!known) return std::unexpected(known.error());
    if (!*known)
      return std::unexpected(StorageError{
          Failure::BadInput, "component_id: no component \"" + componentId + "\" in session \"" + sessionId + "\""});
    if (auto set = run(c, "UPDATE sessions SET current_component_id = ?, updated_at = ? WHERE user_id = ? AND id = ?",
                       componentId, server::now(), userId, sessionId);
        !set)
      return set;
    auto seq = impl_->logChange(c, userId, sessionId, "current_component", std::nullopt,
                                stored::currentComponentRecord(componentId));
    if (!seq) return std::unexpected(seq.error());
    return {};
  });
}

StorageResult<void> SqliteStorage::deleteSession(std::int64_t userId, const std::string& sessionId) {
  return impl_->write([&](sqlite::Connection& c) -> StorageResult<void> {
    auto exists = impl_->sessionExists(c, userId, sessionId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return std::unexpected(notFound("session \"" + sessionId + "\" not found"));
    // The session's earlier changes go with it: a reader behind them skips to
    // session_deleted, which is all it needs, and no deleted data lingers.
    for (const char* sql : {"DELETE FROM records WHERE user_id = ? AND session_id = ?",
                            "DELETE FROM components WHERE user_id = ? AND session_id = ?",
                            "DELETE FROM changes WHERE user_id = ? AND session_id = ?",
                            "DELETE FROM sessions WHERE user_id = ? AND id = ?"})
      if (auto gone = run(c, sql, userId, sessionId); !gone) return gone;
    auto seq = impl_->logChange(c, userId, sessionId, "session_deleted", std::nullopt, std::nullopt);
    if (!seq) return std::unexpected(seq.error());
    return {};
  });
}

StorageResult<ChangePage> SqliteStorage::changesSince(std::int64_t userId, std::int64_t since, std::int64_t limit) {
  return impl_->read([&](sqlite::Connection& c) -> StorageResult<ChangePage> {
    struct Row {
      std::int64_t seq;
      std::string sessionId, kind;
      std::optional<std::string> body;
    };
    std::vector<Row> rows;
    auto read = each(
        c,
        "SELECT c.seq, c.session_id, c.kind, COALESCE(r.body, k.body, c.record) FROM changes c "
        "LEFT JOIN records r ON c.kind IN ('message', 'interaction') AND r.pos = c.ref_pos "
        "LEFT JOIN components k ON c.kind = 'component' AND k.pos = c.ref_pos "
        "WHERE c.user_id = ? AND c.seq > ? ORDER BY c.seq LIMIT ?",
        [&](const sqlite::Statement::Use& u) {
          rows.push_back(Row{u.getInt(0), u.getString(1), u.getString(2), u.getOptionalString(3)});
        },
        userId, since, limit + 1);
    if (!read) return std::unexpected(read.error());
    auto latest = integer(c, "SELECT last_seq FROM users WHERE id = ?", userId);
    if (!latest) return std::unexpected(latest.error());

    ChangePage page;
    page.latest = latest->value_or(0);
    page.hasMore = static_cast<std::int64_t>(rows.size()) > limit;
    if (page.hasMore) rows.pop_back();
    page.next = rows.empty() ? since : rows.back().seq;
    for (auto& row : rows) {
      auto change = stored::decodeChange(row.seq, std::move(row.sessionId), std::move(row.kind), row.body);
      if (!change) return std::unexpected(change.error());
      page.changes.push_back(std::move(*change));
    }
    return page;
  });
}

}  // namespace aieditor::backend
