// Store internals: the bodies of Store's calls, each run inside the
// transaction Impl::transact opened (see StoreImpl.h). They read their
// arguments and the database only, so a retried transaction starts clean.
#include "store/StoreImpl.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>

#include "store/StoreStatements.h"

namespace aieditor::server {

using namespace store_detail;
using protocol::Role;

Res<Session> Store::Impl::ensureSession(const std::string& id, Timestamp now) {
  auto found = selectOne(db, kFindSession, readSession, id);
  if (!found) return std::unexpected(found.error());
  if (*found) return std::move(**found);
  return createSession(id, now);
}

Res<Session> Store::Impl::createSession(const std::string& id, Timestamp now) {
  Session session{id, "", now, now};
  if (auto settled = settleFirstSession(id); !settled) return std::unexpected(settled.error());
  if (auto inserted = execute(db, kInsertSession, id, session.title, now, now); !inserted)
    return std::unexpected(inserted.error());
  return session;
}

Res<void> Store::Impl::settleFirstSession(const std::string& movingId) {
  return execute(db, kSettleFirstSession, movingId);
}

Res<void> Store::Impl::touchSession(const std::string& id, Timestamp at, Timestamp atLeast) {
  if (auto settled = settleFirstSession(id); !settled) return settled;
  return execute(db, kTouchSession, id, at, std::max(at, atLeast));
}

Res<Message> Store::Impl::addMessage(const Message& message) {
  Message stored = message;
  stored.createdAt = orNow(message.createdAt);
  auto found = selectOne(db, kFindSessionPlace, readSessionPlace, stored.sessionId);
  if (!found) return std::unexpected(found.error());
  SessionPlace place;
  if (*found) {
    place = std::move(**found);
  } else {
    auto created = createSession(stored.sessionId, stored.createdAt);
    if (!created) return std::unexpected(created.error());
    place.session = std::move(*created);
  }
  const auto images = imagesToText(stored.images);
  if (!images) return std::unexpected(images.error());
  auto inserted = execute(db, kInsertMessageIfNew, stored.sessionId, stored.id, roleName(stored.role),
                          stored.content, *images, stored.createdAt, statusName(stored.status),
                          stored.interactionId, stored.componentId);
  if (!inserted) return std::unexpected(inserted.error());
  if (db.changes() == 0) {  // the id is taken: a retry gets what was stored
    auto kept = selectOne(db, kFindMessage, readMessage, stored.sessionId, stored.id);
    if (!kept) return std::unexpected(kept.error());
    if (!*kept) return fail(Kind::Storage, "message '" + stored.id + "' was neither stored nor found");
    return std::move(**kept);
  }
  if (auto enqueued = enqueue("message", stored.sessionId, stored.id); !enqueued)
    return std::unexpected(enqueued.error());
  // The session clearly first in sessions/list stays first, so its row need
  // not be written: readers take its time from this message
  // (AIEDITOR_SESSION_UPDATED_AT). That is two of the five pages a message
  // would write. A session's first record sets its times, and a message
  // dated before its times is written through, or updated_at would go back.
  const Session& session = place.session;
  if (!place.clearlyFirst || stored.createdAt < session.updatedAt || stored.createdAt < session.createdAt)
    if (auto touched = touchSession(stored.sessionId, stored.createdAt, session.updatedAt); !touched)
      return std::unexpected(touched.error());
  if (stored.role == Role::User && session.title.empty()) {
    if (const auto title = titleFrom(stored.content); !title.empty())
      if (auto titled = execute(db, kSetTitleIfEmpty, stored.sessionId, title); !titled)
        return std::unexpected(titled.error());
  }
  return stored;
}

Res<void> Store::Impl::insertInteraction(const Interaction& i) {
  const auto input = i.usage ? std::optional(i.usage->inputTokens) : std::nullopt;
  const auto output = i.usage ? std::optional(i.usage->outputTokens) : std::nullopt;
  return execute(db, kInsertInteraction, i.sessionId, i.id, i.prompt, i.response, i.provider, i.model,
                 statusName(i.status), i.createdAt, i.durationMs, input, output, i.error, i.metadata);
}

Res<Interaction> Store::Impl::addInteraction(const Interaction& interaction) {
  auto found = selectOne(db, kFindInteraction, readInteraction, interaction.sessionId, interaction.id);
  if (!found) return std::unexpected(found.error());
  if (*found) return std::move(**found);
  Interaction stored = interaction;
  stored.createdAt = orNow(interaction.createdAt);
  if (auto session = ensureSession(stored.sessionId, stored.createdAt); !session)
    return std::unexpected(session.error());
  if (auto inserted = insertInteraction(stored); !inserted) return std::unexpected(inserted.error());
  if (auto enqueued = enqueue("interaction", stored.sessionId, stored.id); !enqueued)
    return std::unexpected(enqueued.error());
  if (auto touched = touchSession(stored.sessionId, stored.createdAt); !touched)
    return std::unexpected(touched.error());
  return stored;
}

Res<void> Store::Impl::insertVersion(const Component& c, const protocol::VersionOrigin& origin) {
  std::optional<std::string> kind;
  if (origin.kind != protocol::OriginKind::Unknown) kind = std::string(protocol::toString(origin.kind));
  return execute(db, kInsertVersion, c.sessionId, c.id, c.version, c.name, c.jsx, c.css, c.updatedAt, c.metadata, kind,
                 origin.fromVersion);
}

Res<Component> Store::Impl::saveComponent(const Component& component, const protocol::VersionOrigin& origin) {
  auto latest = selectOne(db, kLatestVersion, readComponent, component.sessionId, component.id);
  if (!latest) return std::unexpected(latest.error());
  Component stored = component;
  stored.updatedAt = orNow(component.updatedAt);
  if (!*latest) {
    stored.version = 1;
    stored.createdAt = stored.updatedAt;
    if (auto session = ensureSession(stored.sessionId, stored.updatedAt); !session)
      return std::unexpected(session.error());
    if (auto inserted = execute(db, kInsertComponent, stored.sessionId, stored.id, stored.createdAt); !inserted)
      return std::unexpected(inserted.error());
  } else if (const Component& last = **latest;
             last.name == component.name && last.jsx == component.jsx && last.css == component.css) {
    stored = last;  // nothing new to keep
  } else {
    stored.version = last.version + 1;
    stored.createdAt = last.createdAt;
  }
  if (!*latest || stored.version != (*latest)->version) {
    if (auto inserted = insertVersion(stored, origin); !inserted) return std::unexpected(inserted.error());
    if (auto enqueued = enqueue("component", stored.sessionId, stored.id, stored.version); !enqueued)
      return std::unexpected(enqueued.error());
    if (auto touched = touchSession(stored.sessionId, stored.updatedAt); !touched)
      return std::unexpected(touched.error());
  }
  if (auto current = pickCurrent(stored.sessionId, stored.id); !current) return std::unexpected(current.error());
  return stored;
}

Res<void> Store::Impl::importSession(const SessionDocument& document) {
  const std::string& id = document.session.id;
  auto existing = selectOne(db, kFindSession, readSession, id);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return fail(Kind::Conflict, "session '" + id + "' already exists");
  const Timestamp now = server::now();
  const auto timeOf = [now](Timestamp t) { return t != 0 ? t : now; };
  if (auto settled = settleFirstSession(id); !settled) return settled;
  if (auto inserted = execute(db, kInsertSession, id, document.session.title, timeOf(document.session.createdAt),
                              timeOf(document.session.updatedAt));
      !inserted)
    return std::unexpected(inserted.error());
  // Records are stored under the document's session id, whatever their own
  // sessionId says, so a document can be imported under a new id.
  for (const Message& m : document.messages) {
    if (auto valid = requireId(m.id, "message id"); !valid) return valid;
    const auto images = imagesToText(m.images);
    if (!images) return fail(Kind::Invalid, "message '" + m.id + "': " + images.error().error.message);
    auto inserted = execute(db, kInsertMessage, id, m.id, roleName(m.role), m.content, *images,
                            timeOf(m.createdAt), statusName(m.status), m.interactionId, m.componentId);
    if (!inserted) return inserted;
  }
  for (Interaction i : document.interactions) {
    if (auto valid = requireId(i.id, "interaction id"); !valid) return valid;
    i.sessionId = id;
    i.createdAt = timeOf(i.createdAt);
    if (auto inserted = insertInteraction(i); !inserted) return inserted;
  }
  std::unordered_set<std::string> components;
  for (Component c : document.componentVersions) {
    if (auto valid = requireId(c.id, "component id"); !valid) return valid;
    if (c.version < 1) return fail(Kind::Invalid, "component '" + c.id + "': version must be at least 1");
    c.sessionId = id;
    c.updatedAt = timeOf(c.updatedAt);
    if (components.insert(c.id).second)
      if (auto inserted = execute(db, kInsertComponent, id, c.id, timeOf(c.createdAt)); !inserted) return inserted;
    if (auto inserted = insertVersion(c, {}); !inserted) return inserted;  // origin derived when read
  }
  if (document.currentComponentId) {
    if (!components.contains(*document.currentComponentId))
      return fail(Kind::Invalid, "currentComponentId: no component '" + *document.currentComponentId + "'");
    if (auto current = execute(db, kSetCurrent, id, *document.currentComponentId); !current) return current;
  }
  return execute(db, kEnqueueRecords, id);
}

Res<void> Store::Impl::pickCurrent(const std::string& sessionId, const std::string& componentId) {
  auto current = selectOne(db, kCurrentComponent, readOptionalString, sessionId);
  if (!current) return std::unexpected(current.error());
  if (current->value_or(std::nullopt) == componentId) return {};
  if (auto set = execute(db, kSetCurrent, sessionId, componentId); !set) return set;
  return enqueue("current_component", sessionId, componentId);
}

Res<void> Store::Impl::enqueue(std::string_view kind, const std::string& sessionId,
                               const std::optional<std::string>& recordId, std::optional<std::int64_t> version) {
  return execute(db, kEnqueue, kind, sessionId, recordId, version);
}

}  // namespace aieditor::server
