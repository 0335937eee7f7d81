// What one client does once, for each measurement: a durable POST of a
// message to the backend, a GET of its empty handler, and the floors: the
// same row inserted and committed straight into SQLite (or PostgreSQL).
#pragma once

#include <string>
#include <vector>

#include "load.h"

namespace bench {

/// The content of every message sent: about 200 bytes.
const std::string& messageContent();
/// The body every POST sends: a user message of messageContent(), with its id.
std::string messageBody(const std::string& id);

/// POST /api/sessions/<prefix>-c<index>/messages, a new message id each time, client i
/// signed in as user i (accessTokens[i]); 201 expected.
OperationFactory postMessages(const std::string& url, const std::vector<std::string>& accessTokens,
                              const std::string& prefix);
/// GET /healthz; 200 expected.
OperationFactory getHealth(const std::string& url);

/// The floor's table: the backend's `records` row (the stored message JSON as its body).
inline constexpr const char* kFloorTable =
    "CREATE TABLE IF NOT EXISTS records(pos INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL, "
    "session_id TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, "
    "UNIQUE(user_id, session_id, kind, id))";
/// Creates the floor's database (WAL, its table); "" or what failed.
std::string createSqliteFloor(const std::string& dbPath);
/// Each client its own connection to `dbPath` (WAL, synchronous=FULL, busy
/// timeout 5 s), each INSERT of `body` its own transaction and commit.
OperationFactory sqliteInserts(const std::string& dbPath, const std::string& body, const std::string& prefix);

}  // namespace bench
