// bench-search's measurements, each on real processes: aieditor migrating
// and searching the corpus, ripgrep over the same messages as JSON files,
// messages/add with and without the index, and the sizes on disk.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "process.h"

namespace bench {

/// Starts aieditor on `db`, which migrates (and indexes) it before it
/// answers initialize: the time to that answer, and the progress lines it
/// wrote on stderr. The server, ready for searches.
std::optional<Child> startMigrating(const SearchConfig& cfg, const std::string& db, SearchResults& r);

/// search/query round trips (the first page, 20 hits), the queries in turns.
void measureSearch(const SearchConfig& cfg, Child& server, std::vector<QueryResult>& queries);

/// ripgrep over the JSON files (the whole folder each run), the queries in turns.
void measureRipgrep(const SearchConfig& cfg, const std::string& jsonDir, std::vector<QueryResult>& queries);

/// Sequential messages/add on two fresh servers in turns, one without the
/// index's triggers.
void measureAdd(const SearchConfig& cfg, SearchResults& r);

/// The content's and the index's bytes in `db`, and the file's.
Sizes measureSizes(const std::string& db);

}  // namespace bench
