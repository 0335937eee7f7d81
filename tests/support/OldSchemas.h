// SQL that takes a current database back to an earlier schema version, for
// the migration tests: what each later version added, dropped.
#pragma once

namespace aieditor::test {

/// Version 8 (the pull log, the lease holder's process) back to version 7;
/// the outbox keeps its AUTOINCREMENT seq, which version 8 rebuilds the
/// table with anyway. The caller sets user_version.
inline constexpr const char* kDropPullLogAdditions =
    "DROP TABLE pull_log; ALTER TABLE sync_lease DROP COLUMN pid; ALTER TABLE sync_lease DROP COLUMN started; "
    "ALTER TABLE sync_lease DROP COLUMN machine;";

/// Version 7 (the search index and renamed titles) back to version 6; the
/// caller sets user_version.
inline constexpr const char* kDropSearchAdditions =
    "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_delete; DROP TRIGGER messages_search_update; "
    "DROP TRIGGER components_search_insert; DROP TRIGGER components_search_delete; "
    "DROP TRIGGER components_search_update; DROP TRIGGER titles_search_insert; DROP TRIGGER titles_search_delete; "
    "DROP TRIGGER titles_search_update; "
    "DROP TABLE messages_search; DROP TABLE components_search; DROP TABLE titles_search; "
    "ALTER TABLE sessions DROP COLUMN title_renamed;";

}  // namespace aieditor::test
