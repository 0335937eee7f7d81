// Store internals: the SQL of every statement the store runs outside
// migrations (StoreSchema.cpp has those). Each SELECT list is what one row
// reader in StoreCodecs.h expects; parameters are numbered (?1, ?2, ...) in
// the order the Impl bodies bind them. The schema the statements assume is
// described in StoreSchema.cpp.
#pragma once

namespace aieditor::server::store_detail {

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
#define AIEDITOR_COMPONENT_COLUMNS \
  "v.component_id, v.session_id, v.name, v.jsx, v.css, v.version, c.created_at, v.updated_at, v.metadata"
#define AIEDITOR_COMPONENT_FROM \
  " FROM component_versions v JOIN components c ON c.session_id = v.session_id AND c.id = v.component_id"
#define AIEDITOR_COMPONENT_SELECT "SELECT " AIEDITOR_COMPONENT_COLUMNS AIEDITOR_COMPONENT_FROM
// The interaction a version's metadata names (chat replies write it there).
#define AIEDITOR_METADATA_INTERACTION(table) \
  "CASE WHEN json_valid(" table ".metadata) THEN json_extract(" table ".metadata, '$.interactionId') END"

inline constexpr const char* kIntegrityCheck = "PRAGMA integrity_check";

inline constexpr const char* kFindSession = AIEDITOR_SESSION_SELECT " WHERE s.id = ?1";
inline constexpr const char* kInsertSession =
    "INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?4)";
// A session's times are its records' earliest and latest (docs/protocol.md,
// Session); one without records keeps the times it was created with.
#define AIEDITOR_RECORD_TIMES(session)                                         \
  "SELECT created_at AS t FROM messages WHERE session_id = " session           \
  " UNION ALL SELECT created_at FROM interactions WHERE session_id = " session \
  " UNION ALL SELECT updated_at FROM component_versions WHERE session_id = " session
// A record at ?2 was just written to session ?1 (?3: the least its updated_at
// may become, see Impl::addMessage). Its first record sets both times.
inline constexpr const char* kTouchSession =
    "UPDATE sessions SET created_at = iif(r.lone, ?2, min(created_at, ?2)), "
    "updated_at = iif(r.lone, ?2, max(updated_at, ?3)) "
    "FROM (SELECT count(*) = 1 AS lone FROM (" AIEDITOR_RECORD_TIMES("?1") " LIMIT 2)) r WHERE id = ?1";
// Both times of session ?1 again from all its records: after a pull, whose
// records may replace a time this device had (the backend's for a version).
inline constexpr const char* kSessionTimesFromRecords =
    "UPDATE sessions SET created_at = r.earliest, updated_at = r.latest "
    "FROM (SELECT min(t) AS earliest, max(t) AS latest FROM (" AIEDITOR_RECORD_TIMES("?1") ")) r "
    "WHERE id = ?1 AND r.earliest IS NOT NULL AND (created_at <> r.earliest OR updated_at <> r.latest)";
// The session, and whether it has records and sorts first in sessions/list
// with no other at its time: a new message to that one leaves its row alone
// (Impl::addMessage).
inline constexpr const char* kFindSessionPlace =
    "SELECT " AIEDITOR_SESSION_COLUMNS
    ", NOT EXISTS (SELECT 1 FROM sessions o WHERE o.updated_at >= s.updated_at "
    "AND o.id <> s.id) AND EXISTS (" AIEDITOR_RECORD_TIMES("s.id") ") FROM sessions s WHERE s.id = ?1";
#undef AIEDITOR_RECORD_TIMES
// So that only the first session ever lags, it catches up before any other
// session's row is written: that row may now sort above it. ?1 is the other.
inline constexpr const char* kSettleFirstSession =
    "UPDATE sessions SET updated_at = " AIEDITOR_LAST_MESSAGE_AT("sessions") " WHERE id = "
    "(SELECT id FROM sessions ORDER BY updated_at DESC, id LIMIT 1) AND id <> ?1 "
    "AND updated_at < coalesce(" AIEDITOR_LAST_MESSAGE_AT("sessions") ", updated_at)";
inline constexpr const char* kSetTitleIfEmpty = "UPDATE sessions SET title = ?2 WHERE id = ?1 AND title = ''";
// The first user message with a title (titleFrom: not blank; the same
// spaces), in the session's order: the title once a pull reordered it.
inline constexpr const char* kFirstPrompt =
    "SELECT content FROM messages WHERE session_id = ?1 AND role = 'user' "
    "AND trim(content, char(32, 9, 13, 10, 12, 11)) <> '' ORDER BY seq LIMIT 1";
// Not once the user renamed it (session/rename).
inline constexpr const char* kSetTitle =
    "UPDATE sessions SET title = ?2 WHERE id = ?1 AND title <> ?2 AND title_renamed = 0";
inline constexpr const char* kDeleteSession = "DELETE FROM sessions WHERE id = ?1";
inline constexpr const char* kCurrentComponent = "SELECT current_component_id FROM sessions WHERE id = ?1";
inline constexpr const char* kSetCurrent = "UPDATE sessions SET current_component_id = ?2 WHERE id = ?1";
inline constexpr const char* kClearCurrent =
    "UPDATE sessions SET current_component_id = NULL WHERE id = ?1 AND current_component_id = ?2";
// Keyset paging in (updated_at DESC, id) order, which is sessions_by_update's
// order: rows at or before the cursor's time, minus those up to and
// including the cursor itself among equal times.
inline constexpr const char* kListSessions =
    "SELECT s.id, s.title, s.created_at, " AIEDITOR_SESSION_UPDATED_AT ", "
    "(SELECT count(*) FROM messages m WHERE m.session_id = s.id), "
    "(SELECT count(*) FROM components c WHERE c.session_id = s.id), s.updated_at "
    "FROM sessions s WHERE s.updated_at <= ?1 AND NOT (s.updated_at = ?1 AND s.id <= ?2) "
    "ORDER BY s.updated_at DESC, s.id LIMIT ?3";

inline constexpr const char* kFindMessage = AIEDITOR_MESSAGE_SELECT " WHERE session_id = ?1 AND id = ?2";
inline constexpr const char* kMessageSeq = "SELECT seq FROM messages WHERE session_id = ?1 AND id = ?2";
inline constexpr const char* kMessagePage =
    AIEDITOR_MESSAGE_SELECT " WHERE session_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
inline constexpr const char* kAllMessages = AIEDITOR_MESSAGE_SELECT " WHERE session_id = ?1 ORDER BY seq";
inline constexpr const char* kCountMessages = "SELECT count(*) FROM messages WHERE session_id = ?1";
#define AIEDITOR_INSERT_MESSAGE                                                                          \
  "INSERT INTO messages (session_id, id, seq, role, content, images, created_at, status, interaction_id, " \
  "component_id) VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE session_id = ?1), " \
  "?3, ?4, ?5, ?6, ?7, ?8, ?9)"
inline constexpr const char* kInsertMessage = AIEDITOR_INSERT_MESSAGE;
// For messages/add, whose id may be a retry's: nothing changes if it is taken.
inline constexpr const char* kInsertMessageIfNew = AIEDITOR_INSERT_MESSAGE " ON CONFLICT (session_id, id) DO NOTHING";
#undef AIEDITOR_INSERT_MESSAGE

inline constexpr const char* kFindInteraction = AIEDITOR_INTERACTION_SELECT " WHERE session_id = ?1 AND id = ?2";
inline constexpr const char* kInteractionSeq = "SELECT seq FROM interactions WHERE session_id = ?1 AND id = ?2";
inline constexpr const char* kInteractionPage =
    AIEDITOR_INTERACTION_SELECT " WHERE session_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3";
inline constexpr const char* kAllInteractions = AIEDITOR_INTERACTION_SELECT " WHERE session_id = ?1 ORDER BY seq";
inline constexpr const char* kInsertInteraction =
    "INSERT INTO interactions (session_id, id, seq, prompt, response, provider, model, status, created_at, "
    "duration_ms, input_tokens, output_tokens, error, metadata) VALUES (?1, ?2, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM interactions WHERE session_id = ?1), "
    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

inline constexpr const char* kLatestVersion =
    AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 AND v.component_id = ?2 ORDER BY v.version DESC LIMIT 1";
inline constexpr const char* kVersion =
    AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 AND v.component_id = ?2 AND v.version = ?3";
// A version with what readComponentVersion needs for its origin: the stored
// origin and restored version, the prompt of the interaction its metadata
// names, and whether that interaction differs from the previous version's
// (a version from before origins were kept made by a reply, not a save).
inline constexpr const char* kHistoryWithOrigins =
    "SELECT " AIEDITOR_COMPONENT_COLUMNS ", v.origin, v.origin_version, i.prompt, "
    "(" AIEDITOR_METADATA_INTERACTION("v") ") IS NOT (SELECT " AIEDITOR_METADATA_INTERACTION("p")
    " FROM component_versions p WHERE p.session_id = v.session_id AND p.component_id = v.component_id "
    "AND p.version < v.version ORDER BY p.version DESC LIMIT 1)" AIEDITOR_COMPONENT_FROM
    " LEFT JOIN interactions i ON i.session_id = v.session_id AND i.id = (" AIEDITOR_METADATA_INTERACTION("v") ") "
    "WHERE v.session_id = ?1 AND v.component_id = ?2 ORDER BY v.version";
inline constexpr const char* kLatestVersions =
    AIEDITOR_COMPONENT_SELECT
    " WHERE v.session_id = ?1 AND v.version = (SELECT max(version) FROM component_versions m "
    "WHERE m.session_id = v.session_id AND m.component_id = v.component_id) ORDER BY c.seq";
inline constexpr const char* kAllVersions =
    AIEDITOR_COMPONENT_SELECT " WHERE v.session_id = ?1 ORDER BY c.seq, v.version";
inline constexpr const char* kComponentExists = "SELECT 1 FROM components WHERE session_id = ?1 AND id = ?2";
inline constexpr const char* kInsertComponent =
    "INSERT INTO components (session_id, id, seq, created_at) VALUES (?1, ?2, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM components WHERE session_id = ?1), ?3)";
inline constexpr const char* kInsertVersion =
    "INSERT INTO component_versions (session_id, component_id, version, name, jsx, css, updated_at, metadata, "
    "origin, origin_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
// The files the editor wrote a component to (local, never queued).
inline constexpr const char* kReleaseFile =
    "DELETE FROM component_files WHERE session_id = ?1 AND path = ?2 AND component_id <> ?3";
inline constexpr const char* kRecordFile =
    "INSERT INTO component_files (session_id, component_id, path, kind, version, applied_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (session_id, component_id, path) DO UPDATE SET "
    "kind = excluded.kind, version = excluded.version, applied_at = excluded.applied_at";
inline constexpr const char* kComponentFiles =
    "SELECT path, kind, version, applied_at FROM component_files WHERE session_id = ?1 AND component_id = ?2 "
    "ORDER BY path";
inline constexpr const char* kDeleteComponent = "DELETE FROM components WHERE session_id = ?1 AND id = ?2";

// The sync outbox (StoreSchema.cpp describes it).
inline constexpr const char* kEnqueue =
    "INSERT INTO outbox (kind, session_id, record_id, version) VALUES (?1, ?2, ?3, ?4)";
// Every record of session ?1 (of every session when ?1 is NULL) as outbox
// rows: for the migration that adds the outbox and for an import. Sessions
// oldest first; in each, interactions, component versions, messages (each
// table in its own order) and then the current component.
inline constexpr const char* kEnqueueRecords =
    "INSERT INTO outbox (kind, session_id, record_id, version) "
    "SELECT r.kind, r.session_id, r.record_id, r.version FROM ("
    "SELECT 'interaction' AS kind, session_id, id AS record_id, NULL AS version, 0 AS rank, seq AS n "
    "FROM interactions "
    "UNION ALL SELECT 'component', v.session_id, v.component_id, v.version, 1, c.seq FROM component_versions v "
    "JOIN components c ON c.session_id = v.session_id AND c.id = v.component_id "
    "UNION ALL SELECT 'message', session_id, id, NULL, 2, seq FROM messages "
    "UNION ALL SELECT 'current_component', id, current_component_id, NULL, 3, 0 FROM sessions "
    "WHERE current_component_id IS NOT NULL) r JOIN sessions s ON s.id = r.session_id "
    "WHERE ?1 IS NULL OR r.session_id = ?1 ORDER BY s.created_at, s.id, r.rank, r.n, r.version";
// A deleted session's writes need not reach the backend: its delete goes instead.
inline constexpr const char* kDropSessionOutbox = "DELETE FROM outbox WHERE session_id = ?1";
inline constexpr const char* kDropComponentOutbox =
    "DELETE FROM outbox WHERE session_id = ?1 AND record_id = ?2 "
    "AND (kind = 'component' OR kind = 'current_component')";
inline constexpr const char* kPendingOutbox =
    "SELECT seq, kind, session_id, record_id, version FROM outbox WHERE rejected IS NULL ORDER BY seq LIMIT ?1";
inline constexpr const char* kOutboxPending = "SELECT count(*) FROM outbox WHERE rejected IS NULL";
inline constexpr const char* kOutboxRejected = "SELECT count(*) FROM outbox WHERE rejected IS NOT NULL";
inline constexpr const char* kAcknowledge = "DELETE FROM outbox WHERE seq = ?1";
inline constexpr const char* kReject = "UPDATE outbox SET rejected = ?2 WHERE seq = ?1";
inline constexpr const char* kTakeLease =
    "INSERT INTO sync_lease (id, holder, expires_at, pid, started, machine) VALUES (1, ?1, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at, pid = excluded.pid, "
    "started = excluded.started, machine = excluded.machine WHERE holder = ?1 OR expires_at <= ?2 OR holder = ?7";
inline constexpr const char* kPushLease =
    "SELECT holder, coalesce(pid, 0), coalesce(started, 0), coalesce(machine, ''), expires_at FROM sync_lease";
inline constexpr const char* kReleaseLease = "DELETE FROM sync_lease WHERE holder = ?1";
inline constexpr const char* kRejectedOutbox =
    "SELECT seq, kind, session_id, record_id, version, rejected FROM outbox "
    "WHERE rejected IS NOT NULL AND (?1 IS NULL OR session_id = ?1) ORDER BY seq";
// Back in the queue at their own seq: they go up in the order they were written.
inline constexpr const char* kRequeueRejected =
    "UPDATE outbox SET rejected = NULL WHERE rejected IS NOT NULL AND (?1 IS NULL OR session_id = ?1)";

// Pull (StorePull.cpp).
inline constexpr const char* kSyncCursor = "SELECT since FROM sync_cursor WHERE id = 1";
inline constexpr const char* kSyncBackend = "SELECT backend FROM sync_cursor WHERE id = 1";
inline constexpr const char* kSetSyncBackend =
    "INSERT INTO sync_cursor (id, since, backend) VALUES (1, 0, ?1) ON CONFLICT (id) DO UPDATE SET backend = "
    "excluded.backend";
inline constexpr const char* kSetSyncCursor =
    "INSERT INTO sync_cursor (id, since) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET since = excluded.since";
inline constexpr const char* kLogPulled = "INSERT INTO pull_log (session_id, change, message_id) VALUES (?1, ?2, ?3)";
inline constexpr const char* kTrimPullLog = "DELETE FROM pull_log WHERE id <= (SELECT max(id) FROM pull_log) - 10000";
inline constexpr const char* kPullLogEnd = "SELECT coalesce(max(id), 0) FROM pull_log";
inline constexpr const char* kPullLogStart = "SELECT coalesce(min(id), 0) FROM pull_log";
inline constexpr const char* kPulledSince =
    "SELECT id, session_id, change, message_id FROM pull_log WHERE id > ?1 ORDER BY id";
inline constexpr const char* kMarkMessageSynced =
    "UPDATE messages SET synced_seq = ?3 WHERE session_id = ?1 AND id = ?2 AND synced_seq IS NULL";
inline constexpr const char* kMarkInteractionSynced =
    "UPDATE interactions SET synced_seq = ?3 WHERE session_id = ?1 AND id = ?2 AND synced_seq IS NULL";
// A session's records in the backend's order, unsent ones last: seq is
// renumbered through negative values (seq is UNIQUE per session).
#define AIEDITOR_RENUMBER(table, order)                                                                      \
  "UPDATE " table " SET seq = -r.n FROM (SELECT id, row_number() OVER (ORDER BY " order ") AS n FROM " table \
  " WHERE session_id = ?1) r "                                                                               \
  "WHERE " table ".session_id = ?1 AND " table ".id = r.id AND " table ".seq <> r.n"
inline constexpr const char* kRenumberMessages = AIEDITOR_RENUMBER("messages", "synced_seq IS NULL, synced_seq, seq");
inline constexpr const char* kRenumberInteractions =
    AIEDITOR_RENUMBER("interactions", "synced_seq IS NULL, synced_seq, seq");
// Components as the backend lists them: by its created_at (taken on pull), then id.
inline constexpr const char* kRenumberComponents = AIEDITOR_RENUMBER("components", "created_at, id");
#undef AIEDITOR_RENUMBER
inline constexpr const char* kFlipMessageSeq = "UPDATE messages SET seq = -seq WHERE session_id = ?1 AND seq < 0";
inline constexpr const char* kFlipInteractionSeq =
    "UPDATE interactions SET seq = -seq WHERE session_id = ?1 AND seq < 0";
inline constexpr const char* kFlipComponentSeq = "UPDATE components SET seq = -seq WHERE session_id = ?1 AND seq < 0";
inline constexpr const char* kUpsertPulledComponent =  // the backend's created_at wins (it made the component)
    "INSERT INTO components (session_id, id, seq, created_at) VALUES (?1, ?2, "
    "(SELECT coalesce(max(seq), 0) + 1 FROM components WHERE session_id = ?1), ?3) "
    "ON CONFLICT (session_id, id) DO UPDATE SET created_at = excluded.created_at "
    "WHERE created_at <> excluded.created_at";
inline constexpr const char* kMaxVersion =
    "SELECT max(version) FROM component_versions WHERE session_id = ?1 AND component_id = ?2";
// This device's own edit among the versions above ?3, the backend having
// numbered it otherwise (after another device's): the first with the same text.
inline constexpr const char* kSameEditAbove =
    "SELECT version FROM component_versions WHERE session_id = ?1 AND component_id = ?2 AND version > ?3 "
    "AND name = ?4 AND jsx = ?5 AND css = ?6 ORDER BY version LIMIT 1";
inline constexpr const char* kMoveVersion =
    "UPDATE component_versions SET version = ?4 WHERE session_id = ?1 AND component_id = ?2 AND version = ?3";
inline constexpr const char* kMoveQueuedVersion =
    "UPDATE outbox SET version = ?4 WHERE session_id = ?1 AND record_id = ?2 AND kind = 'component' AND version = ?3";
inline constexpr const char* kSyncVersion =
    "UPDATE component_versions SET updated_at = ?4, metadata = ?5 WHERE session_id = ?1 AND component_id = ?2 "
    "AND version = ?3 AND (updated_at <> ?4 OR metadata <> ?5)";
// Unsent writes of a kind in a session (?3: of that record, or any when NULL).
inline constexpr const char* kQueued =
    "SELECT count(*) FROM outbox WHERE session_id = ?1 AND kind = ?2 AND (?3 IS NULL OR record_id = ?3) "
    "AND rejected IS NULL";
inline constexpr const char* kQueuedInSession = "SELECT count(*) FROM outbox WHERE session_id = ?1";
inline constexpr const char* kSetCurrentIfOther =
    "UPDATE sessions SET current_component_id = ?2 WHERE id = ?1 AND current_component_id IS NOT ?2";

// Search (StoreSearch.cpp; the index is described in StoreSchema.cpp). One
// statement per kind: ?1 the FTS5 query, ?2 a session id or NULL, ?3-?6 the
// cursor (score, time, kind, doc; ?3 NULL for the first page), ?7 the limit,
// ?8 the corpus statistics the scores use (bm25_corpus's, taken on the
// first page and kept in the cursor: sqlite/src/FrozenBm25.cpp). The inner
// query ranks every match (score: bm25, lower is better) and keeps a page in
// (score, time DESC, kind, doc) order; only that page's snippets are made
// (each reads its row's text by rowid).
#define AIEDITOR_AFTER_CURSOR(kind)                                                                \
  "(?3 IS NULL OR score > ?3 OR (score = ?3 AND (at < ?4 OR (at = ?4 AND (" kind " > ?5 OR (" kind \
  " = ?5 AND doc > ?6))))))"
#define AIEDITOR_SEARCH_ORDER " ORDER BY score, at DESC, doc LIMIT ?7"
#define AIEDITOR_SNIPPET(table, column) "snippet(" table ", " column ", '\u00ab', '\u00bb', '\u2026', 16)"
inline constexpr const char* kSearchMessages =
    "WITH top AS (SELECT doc, score, at FROM (SELECT f.rowid AS doc, bm25_frozen(messages_search, ?8) AS score, "
    "m.created_at AS at "
    "FROM messages_search f JOIN messages m ON m.rowid = f.rowid "
    "WHERE messages_search MATCH ?1 AND (?2 IS NULL OR m.session_id = ?2)) "
    "WHERE " AIEDITOR_AFTER_CURSOR("0") AIEDITOR_SEARCH_ORDER ") "
    "SELECT m.session_id, s.title, m.id, m.role, NULL, " AIEDITOR_SNIPPET("messages_search", "0")
    ", top.at, top.score, top.doc FROM top JOIN messages_search f ON f.rowid = top.doc "
    "JOIN messages m ON m.rowid = top.doc JOIN sessions s ON s.id = m.session_id WHERE messages_search MATCH ?1";
// A component once, at its newest version that matches. The scores are
// taken first (an FTS5 function cannot run under the window function).
inline constexpr const char* kSearchComponents =
    "WITH scored AS MATERIALIZED (SELECT f.rowid AS doc, bm25_frozen(components_search, ?8) AS score, "
    "v.updated_at AS at, v.session_id, v.component_id, v.version "
    "FROM components_search f JOIN component_versions v ON v.rowid = f.rowid "
    "WHERE components_search MATCH ?1 AND (?2 IS NULL OR v.session_id = ?2)), "
    "matched AS (SELECT doc, score, at, "
    "row_number() OVER (PARTITION BY session_id, component_id ORDER BY version DESC) AS newest FROM scored), "
    "top AS (SELECT doc, score, at FROM matched WHERE newest = 1 AND " AIEDITOR_AFTER_CURSOR("1")
        AIEDITOR_SEARCH_ORDER ") "
    "SELECT v.session_id, s.title, v.component_id, NULL, v.version, " AIEDITOR_SNIPPET("components_search", "-1")
    ", top.at, top.score, top.doc FROM top JOIN components_search f ON f.rowid = top.doc "
    "JOIN component_versions v ON v.rowid = top.doc JOIN sessions s ON s.id = v.session_id "
    "WHERE components_search MATCH ?1";
inline constexpr const char* kSearchTitles =
    "WITH top AS (SELECT doc, score, at FROM (SELECT f.rowid AS doc, bm25_frozen(titles_search, ?8) AS score, "
    "s.created_at AS at "
    "FROM titles_search f JOIN sessions s ON s.rowid = f.rowid "
    "WHERE titles_search MATCH ?1 AND (?2 IS NULL OR s.id = ?2)) "
    "WHERE " AIEDITOR_AFTER_CURSOR("2") AIEDITOR_SEARCH_ORDER ") "
    "SELECT s.id, s.title, s.id, NULL, NULL, " AIEDITOR_SNIPPET("titles_search", "0")
    ", top.at, top.score, top.doc FROM top JOIN titles_search f ON f.rowid = top.doc "
    "JOIN sessions s ON s.rowid = top.doc WHERE titles_search MATCH ?1";
// The statistics bm25_frozen scores with, for a query's first page; no row when nothing matches.
#define AIEDITOR_SEARCH_CORPUS(table) "SELECT bm25_corpus(" table ") FROM " table " WHERE " table " MATCH ?1 LIMIT 1"
inline constexpr const char* kMessagesCorpus = AIEDITOR_SEARCH_CORPUS("messages_search");
inline constexpr const char* kComponentsCorpus = AIEDITOR_SEARCH_CORPUS("components_search");
inline constexpr const char* kTitlesCorpus = AIEDITOR_SEARCH_CORPUS("titles_search");
#undef AIEDITOR_SEARCH_CORPUS
#undef AIEDITOR_SNIPPET
#undef AIEDITOR_SEARCH_ORDER
#undef AIEDITOR_AFTER_CURSOR
// The user names the session: a pull no longer titles it (settleSession).
inline constexpr const char* kRenameSession = "UPDATE sessions SET title = ?2, title_renamed = 1 WHERE id = ?1";

#undef AIEDITOR_SESSION_UPDATED_AT
#undef AIEDITOR_LAST_MESSAGE_AT
#undef AIEDITOR_SESSION_SELECT
#undef AIEDITOR_SESSION_COLUMNS
#undef AIEDITOR_MESSAGE_SELECT
#undef AIEDITOR_INTERACTION_SELECT
#undef AIEDITOR_COMPONENT_SELECT
#undef AIEDITOR_COMPONENT_COLUMNS
#undef AIEDITOR_COMPONENT_FROM
#undef AIEDITOR_METADATA_INTERACTION

}  // namespace aieditor::server::store_detail
