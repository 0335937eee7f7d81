// Store internals: the schema, written as the migrations that build it, and
// migrate(), which runs the ones a database lacks.
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
//
// The outbox (version 3) lists every local write the sync backend has not
// acknowledged, in write order (seq; a number may be used again once the
// table is empty, which is harmless: it never leaves the machine, the
// backend knows writes by their record ids). A row names its record, not a copy: kind,
// session, record id (the component id picked, for current_component) and a
// component's version. Each write inserts its row in the write's own
// transaction. `rejected` holds the backend's message once it refused the
// write; such a row stays until retried or its session is deleted.
#include "store/StoreSchema.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "store/Store.h"
#include "store/StoreCodecs.h"
#include "store/StoreQuery.h"
#include "store/StoreStatements.h"

namespace aieditor::server::store_detail {

namespace {

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

// Version 3 adds the sync outbox; migrate() then enqueues every record the
// database already holds (kEnqueueRecords), so work done before sync existed
// is uploaded once it is on.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind = 'message' OR kind = 'interaction' OR kind = 'component'
    OR kind = 'current_component' OR kind = 'component_deleted' OR kind = 'session_deleted'),
  session_id TEXT NOT NULL,
  record_id TEXT,
  version INTEGER,
  rejected TEXT
);
CREATE INDEX outbox_by_record ON outbox (session_id, record_id);

PRAGMA user_version = 3;
)sql";

// Version 4 is the pull side of sync. sync_cursor (one row) is how far the
// backend's change log was applied. synced_seq is a message's or
// interaction's seq in the backend's log, NULL until pulled (a device's own
// writes come back in the pull after their push): records are shown in the
// backend's order, unsent local ones last (applyPulled renumbers seq).
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE sync_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  since INTEGER NOT NULL
);
ALTER TABLE messages ADD COLUMN synced_seq INTEGER;
ALTER TABLE interactions ADD COLUMN synced_seq INTEGER;

PRAGMA user_version = 4;
)sql";

// Version 5: the push lease. Editor windows may share one database; only
// the process whose holder id is in sync_lease, until expires_at (ms since
// the epoch), pushes the outbox. A holder that died loses it at expiry.
// sync_cursor.backend names the backend and account the cursor counts in
// ("URL as user"): signed in elsewhere, everything goes up again and the
// new account's log is pulled from its start.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE sync_cursor ADD COLUMN backend TEXT;
CREATE TABLE sync_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

PRAGMA user_version = 5;
)sql";

// Version 6 (issue 17). component_versions.origin says what made a version:
// 'prompt' (a chat reply; its metadata names the interaction), 'manual',
// 'restored' (origin_version: the version restored) or 'synced' (pulled from
// another device); NULL for versions written before, whose origin is derived
// when read. component_files lists the files the editor wrote a component
// to: local to this machine (paths differ per device), never in the outbox.
// A path holds one component of a session at a time.
constexpr const char* kSchemaV6 = R"sql(
ALTER TABLE component_versions ADD COLUMN origin TEXT
  CHECK (origin IS NULL OR origin = 'prompt' OR origin = 'manual' OR origin = 'restored' OR origin = 'synced');
ALTER TABLE component_versions ADD COLUMN origin_version INTEGER;
CREATE TABLE component_files (
  session_id TEXT NOT NULL,
  component_id TEXT NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind = 'jsx' OR kind = 'css'),
  version INTEGER NOT NULL,
  applied_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, component_id, path),
  FOREIGN KEY (session_id, component_id) REFERENCES components (session_id, id) ON DELETE CASCADE
);
CREATE INDEX component_files_by_path ON component_files (session_id, path);

PRAGMA user_version = 6;
)sql";

// Version 7 (issue 18): full-text search. Three FTS5 tables index, without
// a copy of the text (external content: snippets read it from the table
// itself by rowid), message content, every component version's name, JSX
// and CSS (older versions stay restorable, so their code stays findable;
// search shows a component once, at its newest matching version), and
// session titles. Triggers keep them in the write's own transaction, so
// every path that writes (local writes, pulls, imports, deletes and their
// cascades) keeps the index agreeing with the data. The FTS rowid is the
// content row's implicit rowid: a later migration that copies one of these
// tables (as version 2 did) must index it again after it, and nothing may
// VACUUM without that (VACUUM may renumber implicit rowids). Each column is
// indexed up to its first MiB (kIndexedPart, the same in every trigger and
// in the fill): FTS5's tokenizer keeps a buffer the size of the longest
// token it has seen for the connection's life, so a 40 MB message of one
// "word" would otherwise stay in memory; and 'rebuild' (which would index
// whole columns) is never used.
// detail=full keeps positions, which phrases need; built by the migration,
// the index measures about half the text it covers (docs/benchmarks.md).
// sessions.title_renamed is 1 once the user named the session
// (session/rename): a pull no longer titles it from its first prompt.
// migrate() fills the tables (fillSearchIndex) in the same transaction.
#define AIEDITOR_PART(column) "substr(" column ", 1, 1048576)"
#define AIEDITOR_FTS(table, columns, content)                                \
  "CREATE VIRTUAL TABLE " table " USING fts5(" columns ", content='" content \
  "', tokenize='unicode61 remove_diacritics 2');\n"
#define AIEDITOR_FTS_TRIGGERS(table, content, news, olds, columns, changed)                                        \
  "CREATE TRIGGER " table "_insert AFTER INSERT ON " content " BEGIN INSERT INTO " table " (rowid, " columns       \
  ") VALUES (new.rowid, " news                                                                                     \
  "); END;\n"                                                                                                      \
  "CREATE TRIGGER " table "_delete AFTER DELETE ON " content " BEGIN INSERT INTO " table " (" table                \
  ", rowid, " columns ") VALUES ('delete', old.rowid, " olds                                                       \
  "); END;\n"                                                                                                      \
  "CREATE TRIGGER " table "_update AFTER UPDATE OF " changed " ON " content " BEGIN INSERT INTO " table " (" table \
  ", rowid, " columns ") VALUES ('delete', old.rowid, " olds "); INSERT INTO " table " (rowid, " columns           \
  ") VALUES (new.rowid, " news "); END;\n"
constexpr const char* kSchemaV7 =
    AIEDITOR_FTS("messages_search", "content", "messages")
    AIEDITOR_FTS_TRIGGERS("messages_search", "messages", AIEDITOR_PART("new.content"), AIEDITOR_PART("old.content"),
                          "content", "content")
    AIEDITOR_FTS("components_search", "name, jsx, css", "component_versions")
    AIEDITOR_FTS_TRIGGERS("components_search", "component_versions",
                          AIEDITOR_PART("new.name") ", " AIEDITOR_PART("new.jsx") ", " AIEDITOR_PART("new.css"),
                          AIEDITOR_PART("old.name") ", " AIEDITOR_PART("old.jsx") ", " AIEDITOR_PART("old.css"),
                          "name, jsx, css", "name, jsx, css")
    AIEDITOR_FTS("titles_search", "title", "sessions")
    AIEDITOR_FTS_TRIGGERS("titles_search", "sessions", AIEDITOR_PART("new.title"), AIEDITOR_PART("old.title"), "title",
                          "title")
    "ALTER TABLE sessions ADD COLUMN title_renamed INTEGER NOT NULL DEFAULT 0;\n"
    "PRAGMA user_version = 7;\n";
#undef AIEDITOR_FTS_TRIGGERS
#undef AIEDITOR_FTS

// Version 8: two editor windows on one database. pull_log is what each
// applied pull changed, one row per message added or per kind of change of a
// session, numbered in order: every window reads the rows past the last it
// read and tells its editor (session/changed), not only the window whose
// pull applied them. Only the newest 10,000 rows are kept; the newest is
// never dropped, so ids only grow. sync_lease gains
// its holder's process: pid, start time (clock ticks after boot, since pids
// are reused) and machine (boot id and pid namespace, where that pid names
// that process), so a holder that died on this machine is taken over at
// once rather than when its lease expires. The outbox's seq becomes
// AUTOINCREMENT: a plain rowid reuses the seq of the last rows once they are
// deleted, so a write queued while the writes before it were being sent (a
// component deleted during the push of its version) took a sent write's seq,
// and was forgotten when that one was acknowledged.
constexpr const char* kSchemaV8 = R"sql(
ALTER TABLE outbox RENAME TO outbox_v7;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind = 'message' OR kind = 'interaction' OR kind = 'component'
    OR kind = 'current_component' OR kind = 'component_deleted' OR kind = 'session_deleted'),
  session_id TEXT NOT NULL,
  record_id TEXT,
  version INTEGER,
  rejected TEXT
);
INSERT INTO outbox SELECT seq, kind, session_id, record_id, version, rejected FROM outbox_v7;
DROP TABLE outbox_v7;
CREATE INDEX outbox_by_record ON outbox (session_id, record_id);
CREATE TABLE pull_log (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change = 'message' OR change = 'messages' OR change = 'components'
    OR change = 'current' OR change = 'deleted'),
  message_id TEXT
);
ALTER TABLE sync_lease ADD COLUMN pid INTEGER;
ALTER TABLE sync_lease ADD COLUMN started INTEGER;
ALTER TABLE sync_lease ADD COLUMN machine TEXT;

PRAGMA user_version = 8;
)sql";

/// kMigrations[v] takes a database from user_version v to v + 1 and sets
/// user_version itself. Version 0 is an empty (or foreign) database.
constexpr std::array<const char*, Store::kSchemaVersion> kMigrations = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4,
                                                                        kSchemaV5, kSchemaV6, kSchemaV7, kSchemaV8};

/// The version that added the outbox.
constexpr std::int64_t kOutboxVersion = 3;
/// The version that added the search index.
constexpr std::int64_t kSearchVersion = 7;
/// Messages indexed per statement (by rowid range) while filling the
/// index: progress is shown between them, for a database holding more than
/// kShowProgressFrom.
constexpr std::int64_t kFillChunk = 50'000;
constexpr std::int64_t kShowProgressFrom = 200'000;
constexpr const char* kLastMessageRow = "SELECT max(rowid) FROM messages";
constexpr const char* kIndexMessages =
    "INSERT INTO messages_search (rowid, content) SELECT rowid, " AIEDITOR_PART("content") " FROM messages "
    "WHERE rowid > ?1 AND rowid <= ?2";
constexpr const char* kIndexComponents =
    "INSERT INTO components_search (rowid, name, jsx, css) SELECT rowid, " AIEDITOR_PART("name") ", " AIEDITOR_PART(
        "jsx") ", " AIEDITOR_PART("css") " FROM component_versions";
constexpr const char* kIndexTitles =
    "INSERT INTO titles_search (rowid, title) SELECT rowid, " AIEDITOR_PART("title") " FROM sessions";
#undef AIEDITOR_PART

/// Indexes what the database held before version 7, messages in chunks
/// with their progress on stderr when there are many; then merges the
/// index into one segment per table (smaller, and faster to search).
Res<void> fillSearchIndex(sqlite::Connection& db) {
  auto last = selectOne(db, kLastMessageRow, readInt);
  if (!last) return std::unexpected(last.error());
  const std::int64_t lastRow = last->value_or(0);
  const bool showProgress = lastRow >= kShowProgressFrom;
  for (std::int64_t after = 0; after < lastRow; after += kFillChunk) {
    const std::int64_t upTo = std::min(after + kFillChunk, lastRow);
    if (auto indexed = execute(db, kIndexMessages, after, upTo); !indexed) return indexed;
    if (showProgress)
      std::fprintf(stderr, "aieditor: building the search index: %lld%% of the messages\n",
                   static_cast<long long>(upTo * 100 / lastRow));
  }
  for (const char* sql :
       {kIndexComponents, kIndexTitles, "INSERT INTO messages_search (messages_search) VALUES ('optimize')"})
    if (auto built = db.exec(sql); !built) return std::unexpected(built.error());
  return {};
}
constexpr const char* kUserVersion = "PRAGMA user_version";
constexpr const char* kTableCount = "SELECT count(*) FROM sqlite_master";

}  // namespace

Res<void> migrate(sqlite::Connection& db, const std::string& path) {
  auto version = selectOne(db, kUserVersion, readInt);
  if (!version) return std::unexpected(version.error());
  const std::int64_t from = version->value_or(0);
  if (from == Store::kSchemaVersion) return {};
  if (from > Store::kSchemaVersion || from < 0)
    return fail(Kind::Invalid, "database schema version " + std::to_string(from) +
                                   " is newer than this aieditor supports (" +
                                   std::to_string(Store::kSchemaVersion) + "); upgrade aieditor to open " + path);
  auto tables = selectOne(db, kTableCount, readInt);
  if (!tables) return std::unexpected(tables.error());
  if (const std::string file = db.filename(); !file.empty() && (from > 0 || tables->value_or(0) > 0)) {
    if (auto copied = db.backupTo(file + ".bak-v" + std::to_string(from)); !copied) {
      Failure failure(copied.error());
      failure.error.message = "backup before migrating failed: " + failure.error.message;
      return std::unexpected(std::move(failure));
    }
  }
  auto transaction = sqlite::Transaction::begin(db, sqlite::Transaction::Mode::Immediate);
  if (!transaction) return std::unexpected(transaction.error());
  // Another process may have migrated while we made the backup.
  auto current = selectOne(db, kUserVersion, readInt);
  if (!current) return std::unexpected(current.error());
  for (std::int64_t v = current->value_or(0); v < Store::kSchemaVersion; ++v) {
    if (auto migrated = db.exec(kMigrations[static_cast<std::size_t>(v)]); !migrated)
      return std::unexpected(migrated.error());
    if (v + 1 == kOutboxVersion)
      if (auto enqueued = execute(db, kEnqueueRecords, std::nullopt); !enqueued) return enqueued;
    if (v + 1 == kSearchVersion)
      if (auto filled = fillSearchIndex(db); !filled) return filled;
  }
  if (auto committed = transaction->commit(); !committed) return std::unexpected(committed.error());
  return {};
}

}  // namespace aieditor::server::store_detail
