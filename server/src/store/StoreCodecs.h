// Store internals: turning values into columns and rows back into values.
// The database's own spelling of enums, the images column, session titles,
// the opaque sessions/list cursor, the file behind a database path, and one
// row reader per SELECT list in StoreStatements.h. No SQL runs here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aieditor/protocol/Protocol.h"
#include "store/Store.h"
#include "store/StoreFailure.h"
#include "aieditor/sqlite/Sqlite.h"

namespace aieditor::server::store_detail {

using Row = sqlite::Statement::Use;

// ---- Columns -------------------------------------------------------------------

/// messages.role: the database spells enums its own way, independent of the wire.
std::string_view roleName(protocol::Role);
/// messages.status and interactions.status.
std::string_view statusName(protocol::RecordStatus);

/// messages.images: a JSON array of {mimeType, data}, each element the
/// protocol's own toJSON(Image). Invalid ("images[1].data: must be base64
/// ...") for an image the protocol's fromJSON would refuse, so that every
/// stored list reads back.
Res<std::string> imagesToText(const std::vector<protocol::Image>&);
/// The list back, each element read by the protocol's fromJSON(Image).
/// Storage ("corrupt database: messages.images ...") when `text` is not one.
Res<std::vector<protocol::Image>> imagesFromText(const std::string& text);

/// A session title from a user message: its first non-blank line, trimmed,
/// at most 60 characters (UTF-8 code points).
std::string titleFrom(std::string_view content);

// ---- Session cursors -------------------------------------------------------------

/// Cursors are opaque to clients: their text in URL-safe base64, unpadded.
std::string base64url(std::string_view bytes);
/// nullopt for a character outside the alphabet.
std::optional<std::string> unbase64url(std::string_view text);

/// A sessions/list row, with the updated_at column its order and cursor use.
struct ListedSession {
  SessionSummary summary;
  Timestamp orderedAt = 0;
};

/// Where a sessions/list page starts: after (updatedAt, id) in
/// (updated_at DESC, id) order. The default starts at the top.
struct Cursor {
  Timestamp updatedAt = std::numeric_limits<Timestamp>::max();
  std::string id;
};

/// The cursor that continues after `last`: base64url("<updated_at>|<id>").
std::string encodeCursor(const ListedSession& last);
/// The top for nullopt; Invalid for text encodeCursor did not make.
Res<Cursor> decodeCursor(const std::optional<std::string>& text);

// ---- Paths ---------------------------------------------------------------------

/// The file behind `path` (a plain path or a `file:` URI), or nullopt for an
/// in-memory database; used to create parent directories.
std::optional<std::filesystem::path> databaseFile(const std::string& path);

// ---- Row readers: one per SELECT list in StoreStatements.h -------------------------

/// A session and whether it sorts first with no other at its time.
struct SessionPlace {
  Session session;
  bool clearlyFirst = false;  ///< has records, and sorts first in sessions/list with no other at its time
};

Res<std::int64_t> readInt(const Row&);
Res<std::optional<std::string>> readOptionalString(const Row&);
Res<std::string> readString(const Row&);
Res<Session> readSession(const Row&);
Res<SessionPlace> readSessionPlace(const Row&);
Res<ListedSession> readListed(const Row&);
Res<Message> readMessage(const Row&);
Res<Interaction> readInteraction(const Row&);
Res<Component> readComponent(const Row&);
/// kHistoryWithOrigins: a version and its origin (stored, or derived for
/// versions from before origins were kept); `current` is left false.
Res<protocol::ComponentVersion> readComponentVersion(const Row&);
Res<protocol::AppliedFile> readAppliedFile(const Row&);

/// A search statement's row (kSearchMessages and its siblings): the hit
/// (its kind left to the caller) and where it stands in the order.
struct SearchRow {
  protocol::SearchHit hit;
  double score = 0;      ///< bm25: lower is better
  std::int64_t doc = 0;  ///< the content row's rowid
};
Res<SearchRow> readSearchRow(const Row&);

}  // namespace aieditor::server::store_detail
