// What every storage engine does the same way with the records it keeps:
// bodies as their backend JSON (read back by protocol/'s own readers), a
// session's title, the session list's cursor, what makes two component edits
// the same request, a forked version's metadata, and a change log row turned
// into a Change. SQLite and PostgreSQL differ only in how they store them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "Storage.h"

namespace aieditor::backend::stored {

/// Reads a stored body back into its record; `what` names it in the error.
StorageResult<Message> decodeMessage(const std::string& body);
StorageResult<Interaction> decodeInteraction(const std::string& body);
StorageResult<Component> decodeComponent(const std::string& body);
template <class T>
StorageResult<T> decode(const std::string& body);
template <>
inline StorageResult<Message> decode<Message>(const std::string& body) {
  return decodeMessage(body);
}
template <>
inline StorageResult<Interaction> decode<Interaction>(const std::string& body) {
  return decodeInteraction(body);
}
template <>
inline StorageResult<Component> decode<Component>(const std::string& body) {
  return decodeComponent(body);
}
/// The body stored for a record: its backend JSON text.
std::string encode(const Message&);
std::string encode(const Interaction&);
std::string encode(const Component&);

/// A title from a user's first message: its first line, at most 80 bytes,
/// never cut inside a UTF-8 sequence.
std::string titleFrom(const std::string& content);

/// The session list's cursor: the last listed session's updated_at and id.
std::string makeCursor(const protocol::Session&);
std::optional<std::pair<std::int64_t, std::string>> parseCursor(const std::string& cursor);

/// What makes two component edits the same request: content and base.
std::string requestKey(const ComponentEdit&);
/// Records in `metadata.conflict` the base an edit forked from, when its
/// base_version is not the latest; the version is still kept.
void markFork(Component&, const std::optional<std::int64_t>& baseVersion, std::int64_t latest);

/// A change log row as a Change: `body` is the record's stored JSON (or, for
/// current_component, `{"component_id"}`), absent for session_deleted.
StorageResult<Change> decodeChange(std::int64_t seq, std::string sessionId, std::string kind,
                                   const std::optional<std::string>& body);
/// The change log's `record` of a current_component change.
std::string currentComponentRecord(const std::string& componentId);

/// The error every "already stored with different content" conflict gives.
StorageError differentContent(std::string_view kind, const std::string& id);

}  // namespace aieditor::backend::stored
