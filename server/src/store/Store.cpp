// The SQLite store. See Store.h for the contract; the schema is below.
//
// Every public call takes the store's mutex and runs one transaction through
// Impl::transact: BEGIN (IMMEDIATE for writes), the body, COMMIT, all retried
// as a whole by sqlite::retryWhileBusy when another connection holds a lock.
// Bodies only read their arguments and the database, so a retry starts clean.
#include "store/Store.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "store/sqlite/Sqlite.h"

namespace aieditor::server {

namespace {

using protocol::Image;
using protocol::RecordStatus;
using protocol::Role;
using protocol::Usage;
using Kind = StoreError::Kind;
using Mode = sqlite::Transaction::Mode;
using Row = sqlite::Statement::Use;

constexpr std::int64_t kMaxLimit = std::numeric_limits<std::int64_t>::max() - 1;

// ---- Schema ------------------------------------------------------------------
//
// Record ids are unique per session: each record table's primary key is
// (session_id, id). `seq` numbers a session's records in insertion order;
// the UNIQUE (session_id, seq) index makes a page one index range scan
// (WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT n) and a count a
// scan of the session's index entries only. Every version of a component is
// kept in component_versions. Deleting a session cascades to everything.
// Images are a JSON array of {mimeType, data}; metadata is JSON object text.
// sessions.current_component_id has no foreign key (a composite key would
// null the session id too); deleteComponent clears it.

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE sessions (
  id TEXT NOT NULL PRIMARY KEY,
  title TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  current_component_id TEXT
);
CREATE INDEX sessions_by_update ON sessions (updated_at DESC, id);

CREATE TABLE messages (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  content TEXT NOT NULL,
  images TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'interrupted', 'failed')),
  interaction_id TEXT,
  component_id TEXT,
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, seq)
);

CREATE TABLE interactions (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  response TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('complete', 'streaming', 'interrupted', 'failed')),
  created_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  error TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, seq)
);

CREATE TABLE components (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, seq)
);

CREATE TABLE component_versions (
  session_id TEXT NOT NULL,
  component_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  name TEXT NOT NULL,
  jsx TEXT NOT NULL,
  css TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (session_id, component_id, version),
  FOREIGN KEY (session_id, component_id) REFERENCES components (session_id, id) ON DELETE CASCADE
);

PRAGMA user_version = 1;
)sql";

// Version 2 writes the role and status CHECKs as OR chains. For `x IN (a, b,
// c)` SQLite builds a throwaway index on every row it checks, which was half
// the CPU of an insert. A CHECK cannot be altered, so the two tables are
// rebuilt (renamed, recreated, copied, dropped), in the migration's
// transaction. Version 1 stays as it was: fresh databases run both.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE messages RENAME TO messages_v1;
CREATE TABLE messages (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role = 'user' OR role = 'assistant' OR role = 'system'),
  content TEXT NOT NULL,
  images TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK (status = 'complete' OR status = 'streaming' OR status = 'interrupted' OR status = 'failed'),
  interaction_id TEXT,
  component_id TEXT,
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, seq)
);
INSERT INTO messages SELECT * FROM messages_v1;
DROP TABLE messages_v1;

ALTER TABLE interactions RENAME TO interactions_v1;
CREATE TABLE interactions (
  session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  response TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  status TEXT NOT NULL
    CHECK (status = 'complete' OR status = 'streaming' OR status = 'interrupted' OR status = 'failed'),
  created_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  error TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, seq)
);
INSERT INTO interactions SELECT * FROM interactions_v1;
DROP TABLE interactions_v1;

PRAGMA user_version = 2;
)sql";

/// kMigrations[v] takes a database from user_version v to v + 1 and sets
/// user_version itself. Version 0 is an empty (or foreign) database.
constexpr std::array<const char*, Store::kSchemaVersion> kMigrations = {kSchemaV1, kSchemaV2};

// ---- Statements --------------------------------------------------------------
// The SELECT lists below are what the read* functions further down expect.

// The first session's updated_at column may lag its last message (see
// Impl::addMessage); what a reader sees is the later of the two.
#define AIEDITOR_LAST_MESSAGE_AT(session) \
  "(SELECT m.created_at FROM messages m WHERE m.session_id = " session ".id ORDER BY m.seq DESC LIMIT 1)"
#define AIEDITOR_SESSION_UPDATED_AT "max(s.updated_at, coalesce(" AIEDITOR_LAST_MESSAGE_AT("s") ", s.updated_at))"
#define AIEDITOR_SESSION_COLUMNS "s.id, s.title, s.created_at, " AIEDITOR_SESSION_UPDATED_AT
#define AIEDITOR_SESSION_SELECT "SELECT " AIEDITOR_SESSION_COLUMNS " FROM sessions s"
#define AIEDITOR_MESSAGE_SELECT                                                                   \
  "SELECT id, session_id, role, content, images, created_at, status, interaction_id, component_id " \
  "FROM messages"
#define AIEDITOR_INTERACTION_SELECT                                                            \
  "SELECT id, session_id, prompt, response, provider, model, status, created_at, duration_ms, " \
  "input_tokens, output_tokens, error, metadata FROM interactions"
#define AIEDITOR_COMPONENT_SELECT                                                                \
  "SELECT v.component_id, v.session_id, v.name, v.jsx, v.css, v.version, c.created_at, v.updated_at, " \
  "v.metadata FROM component_versions v "                                                        \
  "JOIN components c ON c.session_id = v.session_id AND c.id = v.component_id"

constexpr const char* kUserVersion = "PRAGMA user_version";
constexpr const char* kTableCount = "SELECT count(*) FROM sqlite_master";
constexpr const char* kIntegrityCheck = "PRAGMA integrity_check";

constexpr const char* kFindSession = AIEDITOR_SESSION_SELECT " WHERE s.id = ?1";
constexpr const char* kInsertSession =
    "INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kTouchSession = "UPDATE sessions SET updated_at = max(updated_at, ?2) WHERE id = ?1";
// The session, and whether it sorts first in sessions/list with no other at
// its time: a new message to that one leaves its row alone (Impl::addMessage).
constexpr const char* kFindSessionPlace =
    "SELECT " AIEDITOR_SESSION_COLUMNS ", NOT EXISTS (SELECT 1 FROM sessions o WHERE o.updated_at >= s.updated_at "
    "AND o.id <> s.id) FROM sessions s WHERE s.id = ?1";
// So that only the first session ever lags, it catches up before any other
// session's row is written: that row may now sort above it. ?1 is the other.
constexpr const char* kSettleFirstSession =
    "UPDATE sessions SET updated_at = " AIEDITOR_LAST_MESSAGE_AT("sessions") " WHERE id = "
    "(SELECT id FROM sessions ORDER BY updated_at DESC, id LIMIT 1) AND id <> ?1 "
    "AND updated_at < coalesce(" AIEDITOR_LAST_MESSAGE_AT("sessions") ", updated_at)";
constexpr const char* kSetTitleIfEmpty = "UPDATE sessions SET title = ?2 WHERE id = ?1 AND title = ''";
constexpr const char* kDeleteSession = "DELETE FROM sessions WHERE id = ?1";
constexpr const char* kCurrentComponent = "SELECT current_component_id FROM sessions WHERE id = ?1";
constexpr const char* kSetCurrent = "UPDATE sessions SET current_component_id = ?2 WHERE id = ?1";
constexpr const char* kClearCurrent =
    "UPDATE sessions SET current_component_id = NULL WHERE id = ?1 AND current_component_id = ?2";
// Keyset paging in (updated_at DESC, id) order, which is sessions_by_update's
// order: rows at or before the cursor's time, minus those up to and
// including the cursor itself among equal times.
constexpr const char* kListSessions =
    "SELECT s.id, s.title, s.created_at, " AIEDITOR_SESSION_UPDATED_AT ", "
    "(SELECT count(*) FROM messages m WHERE m.session_id = s.id), "
    "(SELECT count(*) FROM components c WHERE c.session_id = s.id), s.updated_at "
    "FROM sessions s WHERE s.updated_at <= ?1 AND NOT (s.updated_at = ?1 AND s.id <= ?2) "
    "ORDER BY s.updated_at DESC, s.id LIMIT ?3";

constexpr const char* kFindMessage = AIEDITOR_MESSAGE_SELECT " WHERE session_id = ?1 AND id = ?2";
constexpr const char* kMessageSeq = "SELECT seq FROM messages WHERE session_id = ?1 AND id = ?2";
constexpr const char* kMessagePage =
    AIEDITOR_MESSAGE_SELECT " WHERE session_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
constexpr const char* kAllMessages = AIEDITOR_MESSAGE_SELECT " WHERE session_id = ?1 ORDER BY seq";
constexpr const char* kCountMessages = "SELECT count(*) FROM messages WHERE session_id = ?1";
#define AIEDITOR_INSERT_MESSAGE                                                                          \
  "INSERT INTO messages (session_id, id, seq, role, content, images, created_at, status, interaction_id, " \
  "component_id) VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE session_id = ?1), " \
  "?3, ?4, ?5, ?6, ?7, ?8, ?9)"
constexpr const char* kInsertMessage = AIEDITOR_INSERT_MESSAGE;
// For messages/add, whose id may be a retry's: nothing changes if it is taken.
constexpr const char* kInsertMessageIfNew = AIEDITOR_INSERT_MESSAGE " ON CONFLICT (session_id, id) DO NOTHING";
#undef AIEDITOR_INSERT_MESSAGE

constexpr const char* kFindInteraction = AIEDITOR_INTERACTION_SELECT " WHERE session_id = ?1 AND id = ?2";
constexpr const char* kInteractionSeq = "SELECT seq FROM interactions WHERE session_id = ?1 AND id = ?2";
constexpr const char* kInteractionPage =
    AIEDITOR_INTERACTION_SELECT " WHERE session_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
constexpr const char* kAllInteractions = AIEDITOR_INTERACTION_SELECT " WHERE session_id = ?1 ORDER BY seq";
constexpr const char* kInsertInteraction =
    "INSERT INTO interactions (session_id, id, seq, prompt, response, provider, model, status, created_at, "
    "duration_ms, input_tokens, output_tokens, error, metadata) VALUES (?1, ?2, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM interactions WHERE session_id = ?1), "
    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

constexpr const char* kLatestVersion =
    AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 AND v.component_id = ?2 ORDER BY v.version DESC LIMIT 1";
constexpr const char* kVersion =
    AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 AND v.component_id = ?2 AND v.version = ?3";
constexpr const char* kHistory =
    AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 AND v.component_id = ?2 ORDER BY v.version";
constexpr const char* kLatestVersions =
    AIEDITOR_COMPONENT_SELECT
    " WHERE v.session_id = ?1 AND v.version = (SELECT max(version) FROM component_versions m "
    "WHERE m.session_id = v.session_id AND m.component_id = v.component_id) ORDER BY c.seq";
constexpr const char* kAllVersions = AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 ORDER BY c.seq, v.version";
constexpr const char* kComponentExists = "SELECT 1 FROM components WHERE session_id = ?1 AND id = ?2";
constexpr const char* kInsertComponent =
    "INSERT INTO components (session_id, id, seq, created_at) VALUES (?1, ?2, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM components WHERE session_id = ?1), ?3)";
constexpr const char* kInsertVersion =
    "INSERT INTO component_versions (session_id, component_id, version, name, jsx, css, updated_at, metadata) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kDeleteComponent = "DELETE FROM components WHERE session_id = ?1 AND id = ?2";

#undef AIEDITOR_SESSION_UPDATED_AT
#undef AIEDITOR_LAST_MESSAGE_AT
#undef AIEDITOR_SESSION_SELECT
#undef AIEDITOR_SESSION_COLUMNS
#undef AIEDITOR_MESSAGE_SELECT
#undef AIEDITOR_INTERACTION_SELECT
#undef AIEDITOR_COMPONENT_SELECT

// ---- Failures ----------------------------------------------------------------

/// A failure inside the store: what the caller will see, plus SQLite's result
/// code so the busy helper can tell a held lock from a real error.
struct Failure {
  StoreError error;
  int code = 0;

  Failure(Kind kind, std::string message) : error{kind, std::move(message)} {}
  // Constraint failures come from bad input (an import repeating an id).
  Failure(const sqlite::Error& e)  // NOLINT(google-explicit-constructor): lets std::unexpected(e) convert
      : error{sqlite::isConstraint(e.code) ? Kind::Invalid : Kind::Storage, e.message}, code(e.code) {}
  bool busy() const { return sqlite::isBusy(code); }
};
template <class T>
using Res = std::expected<T, Failure>;

std::unexpected<Failure> fail(Kind kind, std::string message) {
  return std::unexpected(Failure(kind, std::move(message)));
}

Res<void> requireId(const std::string& value, std::string_view what) {
  if (value.empty()) return fail(Kind::Invalid, std::string(what) + " is empty");
  return {};
}

// ---- Values ------------------------------------------------------------------

Timestamp nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Timestamp orNow(Timestamp t) { return t != 0 ? t : nowMs(); }

// The database spells enums its own way, independent of the wire format.
constexpr std::array<std::pair<Role, std::string_view>, 3> kRoles = {
    {{Role::User, "user"}, {Role::Assistant, "assistant"}, {Role::System, "system"}}};
constexpr std::array<std::pair<RecordStatus, std::string_view>, 4> kStatuses = {
    {{RecordStatus::Complete, "complete"},
     {RecordStatus::Streaming, "streaming"},
     {RecordStatus::Interrupted, "interrupted"},
     {RecordStatus::Failed, "failed"}}};

template <class E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return table[0].second;
}

template <class E, std::size_t N>
Res<E> parseName(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text,
                 std::string_view column) {
  for (const auto& [e, name] : table)
    if (name == text) return e;
  return fail(Kind::Storage, "corrupt database: unknown " + std::string(column) + " '" + std::string(text) + "'");
}

std::string imagesToText(const std::vector<Image>& images) {
  auto array = nlohmann::json::array();
  for (const auto& image : images) array.push_back({{"mimeType", image.mimeType}, {"data", image.data}});
  // `replace` instead of throwing on invalid UTF-8 (validation happens at
  // the protocol boundary; the store must not throw).
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Res<std::vector<Image>> imagesFromText(const std::string& text) {
  const auto corrupt = [] { return fail(Kind::Storage, "corrupt database: messages.images is not a JSON image list"); };
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return corrupt();
  std::vector<Image> images;
  for (const auto& entry : parsed) {
    if (!entry.is_object()) return corrupt();
    const auto mimeType = entry.find("mimeType");
    const auto data = entry.find("data");
    if (mimeType == entry.end() || !mimeType->is_string() || data == entry.end() || !data->is_string())
      return corrupt();
    images.push_back(Image{mimeType->get<std::string>(), data->get<std::string>()});
  }
  return images;
}

/// A session title from a user message: its first non-blank line, trimmed,
/// at most 60 characters (UTF-8 code points).
std::string titleFrom(std::string_view content) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  constexpr std::size_t kMaxChars = 60;
  const auto trim = [&](std::string_view s) {
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return std::string_view();
    return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
  };
  std::string_view line = trim(content);
  line = trim(line.substr(0, line.find('\n')));
  std::size_t end = 0;
  std::size_t chars = 0;
  while (end < line.size()) {
    // Count lead bytes only, so a multi-byte character is never split.
    if ((static_cast<unsigned char>(line[end]) & 0xC0) != 0x80 && chars++ == kMaxChars) break;
    ++end;
  }
  return std::string(trim(line.substr(0, end)));
}

/// A sessions/list row, with the updated_at column its order and cursor use.
struct ListedSession {
  SessionSummary summary;
  Timestamp orderedAt = 0;
};

// ---- Session cursors: base64url("<updated_at>|<id>") -------------------------

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) out += kBase64[(buffer >> (bits -= 6)) & 0x3F];
  }
  if (bits > 0) out += kBase64[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> unbase64url(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto value = kBase64.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) out += static_cast<char>((buffer >> (bits -= 8)) & 0xFF);
  }
  return out;
}

std::string encodeCursor(const ListedSession& last) {
  return base64url(std::to_string(last.orderedAt) + "|" + last.summary.session.id);
}

struct Cursor {
  Timestamp updatedAt = std::numeric_limits<Timestamp>::max();
  std::string id;
};

Res<Cursor> decodeCursor(const std::optional<std::string>& text) {
  if (!text) return Cursor{};
  const auto invalid = [] { return fail(Kind::Invalid, "cursor: not a cursor from session/list"); };
  const auto raw = unbase64url(*text);
  if (!raw) return invalid();
  const auto bar = raw->find('|');
  if (bar == std::string::npos || bar + 1 == raw->size()) return invalid();
  Cursor cursor;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + bar, cursor.updatedAt);
  if (ec != std::errc() || end != raw->data() + bar) return invalid();
  cursor.id = raw->substr(bar + 1);
  return cursor;
}

/// The file behind `path` (a plain path or a `file:` URI), or nullopt for an
/// in-memory database; used to create parent directories.
std::optional<std::filesystem::path> databaseFile(const std::string& path) {
  if (path.empty() || path == ":memory:") return std::nullopt;
  if (!path.starts_with("file:")) return std::filesystem::path(path);
  std::string_view rest = std::string_view(path).substr(5);
  const auto query = rest.find_first_of("?#");
  const std::string_view params = query == std::string_view::npos ? "" : rest.substr(query);
  rest = rest.substr(0, query);
  if (params.find("mode=memory") != std::string_view::npos) return std::nullopt;
  if (rest.starts_with("//")) {  // file://authority/path; SQLite takes only "" or localhost
    const auto slash = rest.find('/', 2);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  std::string decoded;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    int byte = 0;
    if (rest[i] == '%' && i + 2 < rest.size() &&
        std::from_chars(rest.data() + i + 1, rest.data() + i + 3, byte, 16).ptr == rest.data() + i + 3) {
      decoded += static_cast<char>(byte);
      i += 2;
    } else {
      decoded += rest[i];
    }
  }
  if (decoded.empty() || decoded == ":memory:") return std::nullopt;
  return std::filesystem::path(decoded);
}

// ---- Row readers: one per SELECT list above ----------------------------------

Res<std::int64_t> readInt(const Row& row) { return row.getInt(0); }

Res<std::optional<std::string>> readOptionalString(const Row& row) { return row.getOptionalString(0); }

Res<Session> readSession(const Row& row) {
  return Session{row.getString(0), row.getString(1), row.getInt(2), row.getInt(3)};
}

/// A session and whether it sorts first with no other at its time.
struct SessionPlace {
  Session session;
  bool clearlyFirst = false;
};

Res<SessionPlace> readSessionPlace(const Row& row) {
  auto session = readSession(row);
  if (!session) return std::unexpected(session.error());
  return SessionPlace{std::move(*session), row.getInt(4) != 0};
}

Res<ListedSession> readListed(const Row& row) {
  return ListedSession{
      SessionSummary{Session{row.getString(0), row.getString(1), row.getInt(2), row.getInt(3)}, row.getInt(4),
                     row.getInt(5)},
      row.getInt(6)};
}

Res<Message> readMessage(const Row& row) {
  Message m;
  m.id = row.getString(0);
  m.sessionId = row.getString(1);
  auto role = parseName(kRoles, row.getString(2), "messages.role");
  if (!role) return std::unexpected(role.error());
  m.role = *role;
  m.content = row.getString(3);
  auto images = imagesFromText(row.getString(4));
  if (!images) return std::unexpected(images.error());
  m.images = std::move(*images);
  m.createdAt = row.getInt(5);
  auto status = parseName(kStatuses, row.getString(6), "messages.status");
  if (!status) return std::unexpected(status.error());
  m.status = *status;
  m.interactionId = row.getOptionalString(7);
  m.componentId = row.getOptionalString(8);
  return m;
}

Res<Interaction> readInteraction(const Row& row) {
  Interaction i;
  i.id = row.getString(0);
  i.sessionId = row.getString(1);
  i.prompt = row.getString(2);
  i.response = row.getString(3);
  i.provider = row.getString(4);
  i.model = row.getString(5);
  auto status = parseName(kStatuses, row.getString(6), "interactions.status");
  if (!status) return std::unexpected(status.error());
  i.status = *status;
  i.createdAt = row.getInt(7);
  i.durationMs = row.getInt(8);
  if (!row.isNull(9) || !row.isNull(10)) i.usage = Usage{row.getInt(9), row.getInt(10)};
  i.error = row.getOptionalString(11);
  i.metadata = row.getString(12);
  return i;
}

Res<Component> readComponent(const Row& row) {
  return Component{row.getString(0), row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                   row.getInt(5),    row.getInt(6),    row.getInt(7),    row.getString(8)};
}

template <class T>
StoreResult<T> toPublic(Res<T>&& result) {
  if (!result) return std::unexpected(std::move(result.error().error));
  if constexpr (std::is_void_v<T>)
    return {};
  else
    return std::move(*result);
}

}  // namespace

// ---- Impl ----------------------------------------------------------------------

struct Store::Impl {
  sqlite::Connection db;
  std::string path;
  std::mutex mutex;  ///< one call at a time: the connection and its statements are not shared

  Impl(sqlite::Connection connection, std::string path) : db(std::move(connection)), path(std::move(path)) {}

  /// Runs `body` (which returns Res<T>) in one transaction, retried as a
  /// whole while the database is busy; commits before returning.
  bool grouped = false;  ///< inside beginGroup()/endGroup(): writes are savepoints
  int groupWrites = 0;   ///< writes in the open group

  template <class F>
  auto transact(Mode mode, F&& body) {
    using R = decltype(body());
    std::lock_guard lock(mutex);
    if (grouped && mode == Mode::Immediate && groupWrites++ == 0) {
      // The group's first write needs no savepoint (which would copy every
      // page it touches into a sub-journal): if it fails, the group holds
      // nothing else, so the whole transaction is rolled back and reopened.
      R result = body();
      if (result) return toPublic(std::move(result));
      (void)db.run("ROLLBACK");
      groupWrites = 0;
      if (!db.run("BEGIN IMMEDIATE")) grouped = false;  // later writes commit on their own
      return toPublic(std::move(result));
    }
    if (grouped) {
      // The group already holds the write lock; only this write's savepoint can fail.
      auto savepoint = sqlite::Transaction::savepoint(db);
      if (!savepoint) return toPublic(R(std::unexpected(Failure(savepoint.error()))));
      R result = body();
      if (!result) return toPublic(std::move(result));
      if (auto released = savepoint->commit(); !released) return toPublic(R(std::unexpected(Failure(released.error()))));
      return toPublic(std::move(result));
    }
    return toPublic(sqlite::retryWhileBusy(db.busyTimeout(), [&]() -> R {
      auto transaction = sqlite::Transaction::begin(db, mode);
      if (!transaction) return std::unexpected(transaction.error());
      R result = body();
      if (!result) return result;  // the transaction rolls back
      if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
      return result;
    }));
  }
  template <class F>
  auto read(F&& body) {
    return transact(Mode::Deferred, std::forward<F>(body));
  }
  template <class F>
  auto write(F&& body) {
    return transact(Mode::Immediate, std::forward<F>(body));
  }

  // -- Statement helpers: bind `args` in order (?1, ?2, ...) and step.

  template <class... Args>
  Res<void> execute(std::string_view sql, const Args&... args) {
    auto statement = db.prepared(sql);
    if (!statement) return std::unexpected(statement.error());
    auto use = (*statement)->use();
    (use(args), ...);
    if (auto done = use.exec(); !done) return std::unexpected(done.error());
    return {};
  }

  template <class T, class... Args>
  Res<std::vector<T>> select(std::string_view sql, Res<T> (*reader)(const Row&), const Args&... args) {
    auto statement = db.prepared(sql);
    if (!statement) return std::unexpected(statement.error());
    auto use = (*statement)->use();
    (use(args), ...);
    std::vector<T> rows;
    for (;;) {
      auto more = use.next();
      if (!more) return std::unexpected(more.error());
      if (!*more) return rows;
      auto row = reader(use);
      if (!row) return std::unexpected(row.error());
      rows.push_back(std::move(*row));
    }
  }

  template <class T, class... Args>
  Res<std::optional<T>> selectOne(std::string_view sql, Res<T> (*reader)(const Row&), const Args&... args) {
    auto statement = db.prepared(sql);
    if (!statement) return std::unexpected(statement.error());
    auto use = (*statement)->use();
    (use(args), ...);
    auto more = use.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) return std::optional<T>();
    auto row = reader(use);
    if (!row) return std::unexpected(row.error());
    return std::optional<T>(std::move(*row));
  }

  // -- Bodies: each runs inside a transaction.

  Res<Session> ensureSession(const std::string& id, Timestamp now) {
    auto found = selectOne(kFindSession, readSession, id);
    if (!found) return std::unexpected(found.error());
    if (*found) return std::move(**found);
    return createSession(id, now);
  }

  Res<Session> createSession(const std::string& id, Timestamp now) {
    Session session{id, "", now, now};
    if (auto settled = settleFirstSession(id); !settled) return std::unexpected(settled.error());
    if (auto inserted = execute(kInsertSession, id, session.title, now, now); !inserted)
      return std::unexpected(inserted.error());
    return session;
  }

  Res<void> settleFirstSession(const std::string& movingId) { return execute(kSettleFirstSession, movingId); }

  Res<void> touchSession(const std::string& id, Timestamp at) {
    if (auto settled = settleFirstSession(id); !settled) return settled;
    return execute(kTouchSession, id, at);
  }

  Res<Message> addMessage(const Message& message) {
    Message stored = message;
    stored.createdAt = orNow(message.createdAt);
    auto found = selectOne(kFindSessionPlace, readSessionPlace, stored.sessionId);
    if (!found) return std::unexpected(found.error());
    SessionPlace place;
    if (*found) {
      place = std::move(**found);
    } else {
      auto created = createSession(stored.sessionId, stored.createdAt);
      if (!created) return std::unexpected(created.error());
      place.session = std::move(*created);
    }
    auto inserted = execute(kInsertMessageIfNew, stored.sessionId, stored.id, nameOf(kRoles, stored.role),
                            stored.content, imagesToText(stored.images), stored.createdAt,
                            nameOf(kStatuses, stored.status), stored.interactionId, stored.componentId);
    if (!inserted) return std::unexpected(inserted.error());
    if (db.changes() == 0) {  // the id is taken: a retry gets what was stored
      auto kept = selectOne(kFindMessage, readMessage, stored.sessionId, stored.id);
      if (!kept) return std::unexpected(kept.error());
      if (!*kept) return fail(Kind::Storage, "message '" + stored.id + "' was neither stored nor found");
      return std::move(**kept);
    }
    // The session clearly first in sessions/list stays first, so its row need
    // not be written: readers take its time from this message
    // (AIEDITOR_SESSION_UPDATED_AT). That is two of the five pages a message
    // would write. A message dated before the time readers saw is written
    // through, or that time would go back.
    const Session& session = place.session;
    if (!place.clearlyFirst || stored.createdAt < session.updatedAt)
      if (auto touched = touchSession(stored.sessionId, std::max(stored.createdAt, session.updatedAt)); !touched)
        return std::unexpected(touched.error());
    if (stored.role == Role::User && session.title.empty()) {
      if (const auto title = titleFrom(stored.content); !title.empty())
        if (auto titled = execute(kSetTitleIfEmpty, stored.sessionId, title); !titled)
          return std::unexpected(titled.error());
    }
    return stored;
  }

  Res<void> insertInteraction(const Interaction& i) {
    const auto input = i.usage ? std::optional(i.usage->inputTokens) : std::nullopt;
    const auto output = i.usage ? std::optional(i.usage->outputTokens) : std::nullopt;
    return execute(kInsertInteraction, i.sessionId, i.id, i.prompt, i.response, i.provider, i.model,
                   nameOf(kStatuses, i.status), i.createdAt, i.durationMs, input, output, i.error, i.metadata);
  }

  Res<Interaction> addInteraction(const Interaction& interaction) {
    auto found = selectOne(kFindInteraction, readInteraction, interaction.sessionId, interaction.id);
    if (!found) return std::unexpected(found.error());
    if (*found) return std::move(**found);
    Interaction stored = interaction;
    stored.createdAt = orNow(interaction.createdAt);
    if (auto session = ensureSession(stored.sessionId, stored.createdAt); !session)
      return std::unexpected(session.error());
    if (auto inserted = insertInteraction(stored); !inserted) return std::unexpected(inserted.error());
    if (auto touched = touchSession(stored.sessionId, stored.createdAt); !touched)
      return std::unexpected(touched.error());
    return stored;
  }

  Res<void> insertVersion(const Component& c) {
    return execute(kInsertVersion, c.sessionId, c.id, c.version, c.name, c.jsx, c.css, c.updatedAt, c.metadata);
  }

  Res<Component> saveComponent(const Component& component) {
    auto latest = selectOne(kLatestVersion, readComponent, component.sessionId, component.id);
    if (!latest) return std::unexpected(latest.error());
    Component stored = component;
    stored.updatedAt = orNow(component.updatedAt);
    if (!*latest) {
      stored.version = 1;
      stored.createdAt = stored.updatedAt;
      if (auto session = ensureSession(stored.sessionId, stored.updatedAt); !session)
        return std::unexpected(session.error());
      if (auto inserted = execute(kInsertComponent, stored.sessionId, stored.id, stored.createdAt); !inserted)
        return std::unexpected(inserted.error());
    } else if (const Component& last = **latest;
               last.name == component.name && last.jsx == component.jsx && last.css == component.css) {
      stored = last;  // nothing new to keep
    } else {
      stored.version = last.version + 1;
      stored.createdAt = last.createdAt;
    }
    if (!*latest || stored.version != (*latest)->version) {
      if (auto inserted = insertVersion(stored); !inserted) return std::unexpected(inserted.error());
      if (auto touched = touchSession(stored.sessionId, stored.updatedAt); !touched)
        return std::unexpected(touched.error());
    }
    if (auto current = execute(kSetCurrent, stored.sessionId, stored.id); !current)
      return std::unexpected(current.error());
    return stored;
  }

  /// A page of a record table: the `limit` records just older than `before`
  /// (or the newest), oldest first.
  template <class T>
  Res<Page<T>> page(const char* seqSql, const char* pageSql, Res<T> (*reader)(const Row&), const std::string& sessionId,
                    const std::optional<std::string>& before, std::int64_t limit) {
    std::int64_t bound = std::numeric_limits<std::int64_t>::max();
    if (before) {
      auto seq = selectOne(seqSql, readInt, sessionId, *before);
      if (!seq) return std::unexpected(seq.error());
      if (!*seq) return fail(Kind::NotFound, "before: no record '" + *before + "' in session '" + sessionId + "'");
      bound = **seq;
    }
    // One row more than asked tells whether older ones remain.
    auto rows = select(pageSql, reader, sessionId, bound, std::min(limit, kMaxLimit) + 1);
    if (!rows) return std::unexpected(rows.error());
    Page<T> result;
    result.hasMore = static_cast<std::int64_t>(rows->size()) > limit;
    if (result.hasMore) rows->pop_back();
    result.items.assign(std::make_move_iterator(rows->rbegin()), std::make_move_iterator(rows->rend()));
    return result;
  }

  Res<void> importSession(const SessionDocument& document) {
    const std::string& id = document.session.id;
    auto existing = selectOne(kFindSession, readSession, id);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return fail(Kind::Conflict, "session '" + id + "' already exists");
    const Timestamp now = nowMs();
    const auto timeOf = [now](Timestamp t) { return t != 0 ? t : now; };
    if (auto settled = settleFirstSession(id); !settled) return settled;
    if (auto inserted = execute(kInsertSession, id, document.session.title, timeOf(document.session.createdAt),
                                timeOf(document.session.updatedAt));
        !inserted)
      return std::unexpected(inserted.error());
    // Records are stored under the document's session id, whatever their own
    // sessionId says, so a document can be imported under a new id.
    for (const Message& m : document.messages) {
      if (auto valid = requireId(m.id, "message id"); !valid) return valid;
      auto inserted = execute(kInsertMessage, id, m.id, nameOf(kRoles, m.role), m.content, imagesToText(m.images),
                              timeOf(m.createdAt), nameOf(kStatuses, m.status), m.interactionId, m.componentId);
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
        if (auto inserted = execute(kInsertComponent, id, c.id, timeOf(c.createdAt)); !inserted) return inserted;
      if (auto inserted = insertVersion(c); !inserted) return inserted;
    }
    if (document.currentComponentId) {
      if (!components.contains(*document.currentComponentId))
        return fail(Kind::Invalid, "currentComponentId: no component '" + *document.currentComponentId + "'");
      if (auto current = execute(kSetCurrent, id, *document.currentComponentId); !current) return current;
    }
    return {};
  }

  /// Brings the schema to kSchemaVersion. Before changing a database that
  /// already holds something, copies it to `<file>.bak-v<N>`.
  Res<void> migrate() {
    auto version = selectOne(kUserVersion, readInt);
    if (!version) return std::unexpected(version.error());
    const std::int64_t from = version->value_or(0);
    if (from == Store::kSchemaVersion) return {};
    if (from > Store::kSchemaVersion || from < 0)
      return fail(Kind::Invalid, "database schema version " + std::to_string(from) +
                                     " is newer than this aieditor supports (" +
                                     std::to_string(Store::kSchemaVersion) + "); upgrade aieditor to open " + path);
    auto tables = selectOne(kTableCount, readInt);
    if (!tables) return std::unexpected(tables.error());
    if (const std::string file = db.filename(); !file.empty() && (from > 0 || tables->value_or(0) > 0)) {
      if (auto copied = db.backupTo(file + ".bak-v" + std::to_string(from)); !copied) {
        Failure failure(copied.error());
        failure.error.message = "backup before migrating failed: " + failure.error.message;
        return std::unexpected(std::move(failure));
      }
    }
    auto transaction = sqlite::Transaction::begin(db, Mode::Immediate);
    if (!transaction) return std::unexpected(transaction.error());
    // Another process may have migrated while we made the backup.
    auto current = selectOne(kUserVersion, readInt);
    if (!current) return std::unexpected(current.error());
    for (std::int64_t v = current->value_or(0); v < Store::kSchemaVersion; ++v)
      if (auto migrated = db.exec(kMigrations[static_cast<std::size_t>(v)]); !migrated)
        return std::unexpected(migrated.error());
    if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
    return {};
  }
};

// ---- Store ---------------------------------------------------------------------

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

const std::string& Store::path() const { return impl_->path; }

void Store::onWait(std::function<void()> hook) {
  std::lock_guard lock(impl_->mutex);
  impl_->db.onWait(std::move(hook));
}

StoreResult<void> Store::beginGroup() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->grouped) return {};
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
  std::lock_guard lock(impl_->mutex);
  if (!impl_->grouped) return {};
  impl_->grouped = false;
  auto committed = impl_->db.run("COMMIT");
  if (committed) return {};
  // Nothing of the group is kept: roll back whatever SQLite left open.
  if (impl_->db.inTransaction()) (void)impl_->db.exec("ROLLBACK");
  return std::unexpected(Failure(committed.error()).error);
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
  auto configured = sqlite::retryWhileBusy(busyTimeout, [&]() -> Res<void> {
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL"})
      if (auto set = impl->db.exec(pragma); !set) return std::unexpected(set.error());
    // A read-only database keeps the journal mode it has.
    if (auto wal = impl->db.exec("PRAGMA journal_mode = WAL"); !wal && !sqlite::isReadOnly(wal.error().code))
      return std::unexpected(wal.error());
    return impl->migrate();
  });
  if (!configured) return std::unexpected(std::move(configured.error().error));
  return std::unique_ptr<Store>(new Store(std::move(impl)));
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
  return impl_->read([&] { return impl_->selectOne(kFindSession, readSession, id); });
}

StoreResult<SessionList> Store::listSessions(std::int64_t limit, const std::optional<std::string>& cursor) {
  return impl_->read([&]() -> Res<SessionList> {
    if (limit < 1) return fail(Kind::Invalid, "limit: must be at least 1");
    auto after = decodeCursor(cursor);
    if (!after) return std::unexpected(after.error());
    auto rows = impl_->select(kListSessions, readListed, after->updatedAt, after->id, std::min(limit, kMaxLimit) + 1);
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
    if (auto deleted = impl_->execute(kDeleteSession, id); !deleted) return deleted;
    if (impl_->db.changes() == 0) return fail(Kind::NotFound, "no session '" + id + "'");
    return {};
  });
}

StoreResult<std::optional<std::string>> Store::currentComponentId(const std::string& sessionId) {
  return impl_->read([&]() -> Res<std::optional<std::string>> {
    auto row = impl_->selectOne(kCurrentComponent, readOptionalString, sessionId);
    if (!row) return std::unexpected(row.error());
    return row->value_or(std::nullopt);
  });
}

StoreResult<void> Store::setCurrentComponent(const std::string& sessionId, const std::string& componentId) {
  return impl_->write([&]() -> Res<void> {
    auto exists = impl_->selectOne(kComponentExists, readInt, sessionId, componentId);
    if (!exists) return std::unexpected(exists.error());
    if (!*exists) return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    return impl_->execute(kSetCurrent, sessionId, componentId);
  });
}

StoreResult<std::int64_t> Store::messageCount(const std::string& sessionId) {
  return impl_->read([&]() -> Res<std::int64_t> {
    auto count = impl_->selectOne(kCountMessages, readInt, sessionId);
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

StoreResult<Component> Store::saveComponent(const Component& component) {
  return impl_->write([&]() -> Res<Component> {
    if (auto valid = requireId(component.sessionId, "sessionId"); !valid) return std::unexpected(valid.error());
    if (auto valid = requireId(component.id, "component id"); !valid) return std::unexpected(valid.error());
    return impl_->saveComponent(component);
  });
}

StoreResult<std::vector<Component>> Store::listComponents(const std::string& sessionId) {
  return impl_->read([&] { return impl_->select(kLatestVersions, readComponent, sessionId); });
}

StoreResult<std::optional<Component>> Store::getComponent(const std::string& sessionId, const std::string& componentId,
                                                          std::optional<std::int64_t> version) {
  return impl_->read([&] {
    return version ? impl_->selectOne(kVersion, readComponent, sessionId, componentId, *version)
                   : impl_->selectOne(kLatestVersion, readComponent, sessionId, componentId);
  });
}

StoreResult<std::vector<Component>> Store::componentHistory(const std::string& sessionId,
                                                            const std::string& componentId) {
  return impl_->read([&]() -> Res<std::vector<Component>> {
    auto versions = impl_->select(kHistory, readComponent, sessionId, componentId);
    if (versions && versions->empty())
      return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    return versions;
  });
}

StoreResult<void> Store::deleteComponent(const std::string& sessionId, const std::string& componentId) {
  return impl_->write([&]() -> Res<void> {
    if (auto deleted = impl_->execute(kDeleteComponent, sessionId, componentId); !deleted) return deleted;
    if (impl_->db.changes() == 0)
      return fail(Kind::NotFound, "no component '" + componentId + "' in session '" + sessionId + "'");
    return impl_->execute(kClearCurrent, sessionId, componentId);
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
      auto component = impl_->saveComponent(*reply.component);
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
    auto session = impl_->selectOne(kFindSession, readSession, sessionId);
    if (!session) return std::unexpected(session.error());
    if (!*session) return fail(Kind::NotFound, "no session '" + sessionId + "'");
    document.session = std::move(**session);
    auto current = impl_->selectOne(kCurrentComponent, readOptionalString, sessionId);
    if (!current) return std::unexpected(current.error());
    document.currentComponentId = current->value_or(std::nullopt);
    auto messages = impl_->select(kAllMessages, readMessage, sessionId);
    if (!messages) return std::unexpected(messages.error());
    document.messages = std::move(*messages);
    auto interactions = impl_->select(kAllInteractions, readInteraction, sessionId);
    if (!interactions) return std::unexpected(interactions.error());
    document.interactions = std::move(*interactions);
    auto versions = impl_->select(kAllVersions, readComponent, sessionId);
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

StoreResult<std::string> Store::integrityCheck() {
  return impl_->read([&]() -> Res<std::string> {
    auto lines = impl_->select(kIntegrityCheck, +[](const Row& row) -> Res<std::string> { return row.getString(0); });
    if (!lines) return std::unexpected(lines.error());
    std::string report;
    for (const auto& line : *lines) report += (report.empty() ? "" : "\n") + line;
    return report;
  });
}

}  // namespace aieditor::server
