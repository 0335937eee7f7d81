// Store internals: the database schema and its migrations (StoreSchema.cpp
// holds the CREATE TABLE text and describes the tables).
#pragma once

#include <string>

#include "store/StoreFailure.h"
#include "aieditor/sqlite/Sqlite.h"

namespace aieditor::server::store_detail {

/// Brings the schema of `db` to Store::kSchemaVersion, in one IMMEDIATE
/// transaction. Before changing a database that already holds something,
/// copies it to `<file>.bak-v<N>`. Invalid when the database is newer than
/// this build; `path` names it in that message.
Res<void> migrate(sqlite::Connection& db, const std::string& path);

}  // namespace aieditor::server::store_detail
