// bench-search's command line, the sizes of a full or a smoke run, and what
// it measured.
#pragma once

#include <string>
#include <vector>

#include "stats.h"

namespace bench {

struct SearchConfig {
  bool smoke = false;
  std::string self, server, work, out, command = "bench/search.sh";
  long sessions = 2'000;
  long messages = 1'000'000;
  int searchWarmup = 5, searchSamples = 200;             ///< search/query round trips per query
  int rgWarmup = 1, rgSamples = 15;                      ///< ripgrep runs per query
  int addWarmup = 50, addRounds = 100, addPerRound = 10;  ///< messages/add per server per round (short turns: the disk varies)
  unsigned timeLimitSeconds = 3'000;
};

/// One query, as search/query takes it and as ripgrep does.
struct Query {
  std::string name;                 ///< "rare word", ...
  std::string text;                 ///< search/query's query
  std::vector<std::string> rgArgs;  ///< ripgrep's pattern and flags
  long messagesMatching = 0;        ///< messages the corpus planted it in (or that contain it)
  bool targeted = true;             ///< one of the issue's four (a target applies)
};

struct QueryResult {
  Query query;
  Stats search, rg;
  long firstPageHits = 0;
  std::string error;
};

struct Sizes {
  double contentBytes = 0;  ///< message text and titles, as stored
  double indexBytes = 0;    ///< the FTS5 tables' pages (dbstat)
  double fileBytes = 0;     ///< the database file
  double jsonBytes = 0;     ///< ripgrep's JSON files
};

struct SearchResults {
  std::string serverVersion, error;
  double generateSeconds = 0, migrateSeconds = 0;
  int progressLines = 0;  ///< the migration's progress lines on stderr
  Sizes sizes;            ///< the migrated database (its index built in one pass)
  Sizes addSizes;         ///< the messages/add database (its index built write by write)
  std::vector<QueryResult> queries;
  Stats addIndexed, addUnindexed;
  std::string addError;
  std::string loadDuringSearch, loadDuringAdd;
};

}  // namespace bench
