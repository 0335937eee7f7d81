// Store internals: the pull side of sync. Changes pulled from the backend's
// change log are written to the same tables as local writes, but queue no
// outbox row (they came from the backend), and each is applied at most once:
// records are sets keyed by id, so a replayed page or this device's own
// write coming back changes nothing.
//
// Component versions keep the backend's numbers. A pulled version whose
// number a different local version holds (both devices made "version 3"
// offline) moves the local one to the end of the history (its outbox row
// with it, so an unsent one is still pushed): the backend numbers it there
// too once it arrives, and both devices end with the same history.
//
// Once a page is applied, each session in it takes its times from its
// records, its title from its first prompt in the backend's order, and its
// components the backend's order (created_at, id): the same on every device
// once all have pulled the same records.
//
// What each applied page changed goes in the pull log (pull_log), in the
// same transaction: every process on the database reads it after its own
// pulls, so each editor window hears of changes whichever window applied them.
//
// A pulled delete does not remove what still waits in the outbox: a session
// or component deleted elsewhere while this device wrote to it offline is
// kept here, and the unsent writes bring it back on the backend.
#include <algorithm>
#include <map>

#include "store/StoreImpl.h"
#include "store/StoreStatements.h"

namespace aieditor::server {

using namespace store_detail;

StoreResult<std::int64_t> Store::syncCursor() {
  return impl_->read([&]() -> Res<std::int64_t> {
    auto since = selectOne(impl_->db, kSyncCursor, readInt);
    if (!since) return std::unexpected(since.error());
    return since->value_or(0);
  });
}

StoreResult<void> Store::applyPulled(const std::vector<PulledChange>& changes, std::int64_t cursor) {
  return impl_->write([&]() -> Res<void> {
    std::map<std::string, SessionChange> bySession;
    for (const PulledChange& change : changes) {
      if (auto valid = requireId(change.sessionId, "changes[].session_id"); !valid)
        return std::unexpected(valid.error());
      SessionChange& touched = bySession[change.sessionId];
      touched.sessionId = change.sessionId;
      if (auto applied = impl_->applyPulled(change, touched); !applied) return std::unexpected(applied.error());
    }
    for (auto& [id, change] : bySession) {
      if (change.messages && !change.deleted)
        if (auto renumbered = impl_->renumber(id); !renumbered) return std::unexpected(renumbered.error());
      // Every session in the page, even one whose records came back unchanged:
      // an echo's times (a component's created_at) may still reorder it.
      if (!change.deleted)
        if (auto settled = impl_->settleSession(id); !settled) return std::unexpected(settled.error());
      if (auto logged = impl_->logPulled(change); !logged) return logged;
    }
    if (auto trimmed = execute(impl_->db, kTrimPullLog); !trimmed) return trimmed;
    return execute(impl_->db, kSetSyncCursor, cursor);
  });
}

Res<void> Store::Impl::logPulled(const SessionChange& change) {
  const auto log = [&](std::string_view what, const std::optional<std::string>& messageId = std::nullopt) {
    return execute(db, kLogPulled, change.sessionId, what, messageId);
  };
  for (const Message& added : change.added)
    if (auto logged = log("message", added.id); !logged) return logged;
  const std::pair<bool, std::string_view> kinds[] = {{change.messages && change.added.empty(), "messages"},
                                                     {change.components, "components"},
                                                     {change.current, "current"},
                                                     {change.deleted, "deleted"}};
  for (const auto& [changed, what] : kinds)
    if (changed)
      if (auto logged = log(what); !logged) return logged;
  return {};
}

StoreResult<std::int64_t> Store::pullLogEnd() {
  return impl_->read([&]() -> Res<std::int64_t> {
    auto end = selectOne(impl_->db, kPullLogEnd, readInt);
    if (!end) return std::unexpected(end.error());
    return end->value_or(0);
  });
}

namespace {

struct PullLogRow {
  std::int64_t id = 0;
  std::string sessionId;
  std::string change;
  std::optional<std::string> messageId;
};

Res<PullLogRow> readPullLogRow(const Row& row) {
  return PullLogRow{row.getInt(0), row.getString(1), row.getString(2), row.getOptionalString(3)};
}

}  // namespace

StoreResult<PulledSince> Store::pulledSince(std::int64_t after) {
  return impl_->read([&]() -> Res<PulledSince> {
    auto start = selectOne(impl_->db, kPullLogStart, readInt);
    if (!start) return std::unexpected(start.error());
    auto rows = select(impl_->db, kPulledSince, readPullLogRow, after);
    if (!rows) return std::unexpected(rows.error());
    PulledSince since;
    since.last = after;
    since.missed = start->value_or(0) > after + 1;
    std::map<std::string, std::size_t> places;  // session -> its index in since.changes
    for (const PullLogRow& row : *rows) {
      since.last = row.id;
      auto [place, added] = places.try_emplace(row.sessionId, since.changes.size());
      if (added) {
        since.changes.emplace_back();
        since.changes.back().sessionId = row.sessionId;
      }
      SessionChange& change = since.changes[place->second];
      if (row.change == "message" && row.messageId) {
        change.messages = true;
        // Gone since (its session deleted here): nothing to show.
        auto message = selectOne(impl_->db, kFindMessage, readMessage, row.sessionId, *row.messageId);
        if (!message) return std::unexpected(message.error());
        if (*message) change.added.push_back(std::move(**message));
      }
      change.messages = change.messages || row.change == "messages";
      change.components = change.components || row.change == "components";
      change.current = change.current || row.change == "current";
      change.deleted = change.deleted || row.change == "deleted";
    }
    return since;
  });
}

StoreResult<void> Store::requeueAll(std::int64_t cursor) {
  return impl_->write([&]() -> Res<void> {
    // A record queued already goes twice: a replay, answered 200.
    if (auto queued = execute(impl_->db, kEnqueueRecords, std::nullopt); !queued) return queued;
    return execute(impl_->db, kSetSyncCursor, cursor);
  });
}

StoreResult<std::optional<std::string>> Store::syncBackend() {
  return impl_->read([&]() -> Res<std::optional<std::string>> {
    auto backend = selectOne(impl_->db, kSyncBackend, readOptionalString);
    if (!backend) return std::unexpected(backend.error());
    return backend->value_or(std::nullopt);
  });
}

StoreResult<void> Store::setSyncBackend(const std::string& backend, bool requeue) {
  return impl_->write([&]() -> Res<void> {
    if (requeue) {
      if (auto queued = execute(impl_->db, kEnqueueRecords, std::nullopt); !queued) return queued;
      if (auto reset = execute(impl_->db, kSetSyncCursor, std::int64_t{0}); !reset) return reset;
    }
    return execute(impl_->db, kSetSyncBackend, backend);
  });
}

Res<bool> Store::Impl::queued(const std::string& sessionId, std::string_view kind,
                              const std::optional<std::string>& recordId) {
  auto count = selectOne(db, kQueued, readInt, sessionId, kind, recordId);
  if (!count) return std::unexpected(count.error());
  return count->value_or(0) > 0;
}

Res<void> Store::Impl::applyPulled(const PulledChange& change, SessionChange& touched) {
  if (change.kind == "message" && change.message) return applyPulledMessage(change, touched);
  if (change.kind == "interaction" && change.interaction) return applyPulledInteraction(change, touched);
  if (change.kind == "component" && change.component) return applyPulledVersion(change, touched);
  if (change.kind == "current_component" && change.componentId) {
    // A pick still to be sent becomes the backend's last write once it is.
    auto waiting = queued(change.sessionId, "current_component", std::nullopt);
    if (!waiting) return std::unexpected(waiting.error());
    auto exists = selectOne(db, kComponentExists, readInt, change.sessionId, *change.componentId);
    if (!exists) return std::unexpected(exists.error());
    if (*waiting || !*exists) return {};
    if (auto set = execute(db, kSetCurrentIfOther, change.sessionId, *change.componentId); !set) return set;
    touched.current = touched.current || db.changes() > 0;
    return {};
  }
  if (change.kind == "component_deleted" || change.kind == "session_deleted") return applyPulledDelete(change, touched);
  return fail(Kind::Invalid,
              "changes[seq " + std::to_string(change.seq) + "]: kind '" + change.kind + "' without its record");
}

Res<void> Store::Impl::applyPulledMessage(const PulledChange& change, SessionChange& touched) {
  Message m = *change.message;
  m.sessionId = change.sessionId;
  if (auto valid = requireId(m.id, "message.id"); !valid) return valid;
  m.createdAt = orNow(m.createdAt);
  if (auto session = ensureSession(m.sessionId, m.createdAt); !session) return std::unexpected(session.error());
  const auto images = imagesToText(m.images);
  if (!images) return std::unexpected(images.error());
  if (auto inserted = execute(db, kInsertMessageIfNew, m.sessionId, m.id, roleName(m.role), m.content, *images,
                              m.createdAt, statusName(m.status), m.interactionId, m.componentId);
      !inserted)
    return inserted;
  if (db.changes() > 0) touched.added.push_back(m);
  if (auto marked = execute(db, kMarkMessageSynced, m.sessionId, m.id, change.seq); !marked) return marked;
  touched.messages = touched.messages || db.changes() > 0;
  return {};
}

Res<void> Store::Impl::applyPulledInteraction(const PulledChange& change, SessionChange& touched) {
  Interaction i = *change.interaction;
  i.sessionId = change.sessionId;
  if (auto valid = requireId(i.id, "interaction.id"); !valid) return valid;
  i.createdAt = orNow(i.createdAt);
  auto found = selectOne(db, kFindInteraction, readInteraction, i.sessionId, i.id);
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    if (auto session = ensureSession(i.sessionId, i.createdAt); !session) return std::unexpected(session.error());
    if (auto inserted = insertInteraction(i); !inserted) return inserted;
  }
  if (auto marked = execute(db, kMarkInteractionSynced, i.sessionId, i.id, change.seq); !marked) return marked;
  touched.messages = touched.messages || db.changes() > 0;
  return {};
}

Res<void> Store::Impl::moveVersionToEnd(const std::string& sessionId, const std::string& componentId,
                                        std::int64_t version) {
  auto last = selectOne(db, kMaxVersion, readInt, sessionId, componentId);
  if (!last) return std::unexpected(last.error());
  const std::int64_t moved = last->value_or(version) + 1;
  if (auto done = execute(db, kMoveVersion, sessionId, componentId, version, moved); !done) return done;
  return execute(db, kMoveQueuedVersion, sessionId, componentId, version, moved);
}

Res<void> Store::Impl::applyPulledVersion(const PulledChange& change, SessionChange& touched) {
  Component c = *change.component;
  c.sessionId = change.sessionId;
  if (auto valid = requireId(c.id, "component.id"); !valid) return valid;
  if (c.version < 1) return fail(Kind::Invalid, "component.version: must be at least 1");
  c.updatedAt = orNow(c.updatedAt);
  c.createdAt = c.createdAt != 0 ? c.createdAt : c.updatedAt;
  if (auto session = ensureSession(c.sessionId, c.createdAt); !session) return std::unexpected(session.error());
  if (auto component = execute(db, kUpsertPulledComponent, c.sessionId, c.id, c.createdAt); !component)
    return component;
  auto local = selectOne(db, kVersion, readComponent, c.sessionId, c.id, c.version);
  if (!local) return std::unexpected(local.error());
  if (*local && (*local)->name == c.name && (*local)->jsx == c.jsx && (*local)->css == c.css) {
    // The same edit (this device's own, come back): the backend's time and metadata win.
    if (auto synced = execute(db, kSyncVersion, c.sessionId, c.id, c.version, c.updatedAt, c.metadata); !synced)
      return synced;
    touched.components = touched.components || db.changes() > 0;
    return {};
  }
  // Another edit holds this number here: it moves past the last version
  // (its own number comes from the backend when it comes back).
  if (*local) {
    if (auto moved = moveVersionToEnd(c.sessionId, c.id, c.version); !moved) return moved;
  }
  // This device's own edit, numbered later by the backend (another
  // device's came first), is already here under a higher number: it takes
  // the backend's number rather than being added twice.
  auto mine = selectOne(db, kSameEditAbove, readInt, c.sessionId, c.id, c.version, c.name, c.jsx, c.css);
  if (!mine) return std::unexpected(mine.error());
  if (const std::optional<std::int64_t> above = *mine) {
    if (auto done = execute(db, kMoveVersion, c.sessionId, c.id, *above, c.version); !done) return done;
    if (auto done = execute(db, kMoveQueuedVersion, c.sessionId, c.id, *above, c.version); !done) return done;
    if (auto synced = execute(db, kSyncVersion, c.sessionId, c.id, c.version, c.updatedAt, c.metadata); !synced)
      return synced;
    touched.components = true;
    return {};
  }
  if (auto inserted = insertVersion(c, {protocol::OriginKind::Synced, {}, {}}); !inserted) return inserted;
  touched.components = true;
  return {};
}

Res<void> Store::Impl::applyPulledDelete(const PulledChange& change, SessionChange& touched) {
  if (change.kind == "session_deleted") {
    auto waiting = selectOne(db, kQueuedInSession, readInt, change.sessionId);
    if (!waiting) return std::unexpected(waiting.error());
    if (waiting->value_or(0) > 0) return {};  // offline writes: kept, and they bring the session back
    if (auto deleted = execute(db, kDeleteSession, change.sessionId); !deleted) return deleted;
    touched.deleted = touched.deleted || db.changes() > 0;
    return {};
  }
  if (!change.componentId) return fail(Kind::Invalid, "component_deleted: record.component_id is missing");
  auto waiting = queued(change.sessionId, "component", change.componentId);
  if (!waiting) return std::unexpected(waiting.error());
  if (*waiting) return {};  // unsent versions: kept, and they bring it back
  if (auto deleted = execute(db, kDeleteComponent, change.sessionId, *change.componentId); !deleted) return deleted;
  if (db.changes() == 0) return {};
  touched.components = true;
  if (auto dropped = execute(db, kDropComponentOutbox, change.sessionId, *change.componentId); !dropped) return dropped;
  if (auto cleared = execute(db, kClearCurrent, change.sessionId, *change.componentId); !cleared) return cleared;
  touched.current = touched.current || db.changes() > 0;
  return {};
}

Res<void> Store::Impl::renumber(const std::string& sessionId) {
  for (const char* sql : {kRenumberMessages, kFlipMessageSeq, kRenumberInteractions, kFlipInteractionSeq})
    if (auto done = execute(db, sql, sessionId); !done) return done;
  return {};
}

Res<void> Store::Impl::settleSession(const std::string& id) {
  // Another session's row may now sort above the first one's, which may lag.
  if (auto settled = settleFirstSession(id); !settled) return settled;
  for (const char* sql : {kSessionTimesFromRecords, kRenumberComponents, kFlipComponentSeq})
    if (auto done = execute(db, sql, id); !done) return done;
  auto prompt = selectOne(db, kFirstPrompt, readString, id);
  if (!prompt) return std::unexpected(prompt.error());
  if (!*prompt) return {};
  return execute(db, kSetTitle, id, titleFrom(**prompt));
}

}  // namespace aieditor::server
