// bench-search: full-text search's benchmark (issue 18). Writes a corpus of
// chat messages (1,000,000 in 2,000 sessions) into an aieditor database at
// schema version 6 and as one JSON file per session; a real aieditor
// migrates (indexes) it, then answers search/query for a rare word, a common
// word, a phrase and a prefix, beside ripgrep over the JSON files in the same
// run; messages/add with and without the index; the index's size beside
// the content's. Writes its part of docs/benchmarks.md. Nothing asserts a time.
#include <filesystem>
#include <iostream>
#include <optional>

#include "corpus.h"
#include "machine.h"
#include "measure.h"
#include "report.h"
#include "text.h"

namespace bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsageText =
    "usage: bench-search --server AIEDITOR --work DIR --out FILE [--command TEXT] [--smoke]\n";

std::optional<SearchConfig> parse(int argc, char** argv) {
  SearchConfig cfg;
  cfg.self = fs::absolute(argv[0]).string();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--smoke") {
      cfg.smoke = true;
      continue;
    }
    if (i + 1 >= argc) return std::cerr << arg << " needs a value\n" << kUsageText, std::nullopt;
    const std::string value = argv[++i];
    if (arg == "--server")
      cfg.server = value;
    else if (arg == "--work")
      cfg.work = value;
    else if (arg == "--out")
      cfg.out = value;
    else if (arg == "--command")
      cfg.command = value;
    else
      return std::cerr << "unknown argument " << arg << "\n" << kUsageText, std::nullopt;
  }
  if (cfg.server.empty() || cfg.work.empty() || cfg.out.empty()) return std::cerr << kUsageText, std::nullopt;
  if (cfg.smoke) {
    cfg.sessions = 20;
    cfg.messages = 2'000;
    cfg.searchWarmup = 1;
    cfg.searchSamples = 5;
    cfg.rgWarmup = 0;
    cfg.rgSamples = 2;
    cfg.addWarmup = 2;
    cfg.addRounds = 2;
    cfg.addPerRound = 5;
    cfg.timeLimitSeconds = 300;
  }
  return cfg;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  auto cfg = parse(argc, argv);
  if (!cfg) return 2;
  limitRunTime(cfg->timeLimitSeconds);
  std::filesystem::remove_all(cfg->work);
  std::filesystem::create_directories(cfg->work);
  cfg->work = std::filesystem::absolute(cfg->work).string();
  SearchResults r;
  r.serverVersion = sh(cfg->server + " --version 2>/dev/null");
  const std::string db = cfg->work + "/corpus.db", jsonDir = cfg->work + "/json";
  std::string error;

  say(format("corpus: {} messages in {} sessions, into a version 6 database and JSON files", cfg->messages,
             cfg->sessions));
  {
    // aieditor makes the database, so the corpus goes through its own schema.
    Started made =
        start({cfg->server, "--db", db}, {{"AIEDITOR_LOG", "error"}}, {{"processId", nullptr}}, db + ".stderr", 60'000);
    if (made.child)
      made.child->stop(true);
    else
      error = "cannot start aieditor: " + made.error;
  }
  const auto t0 = Clock::now();
  std::vector<Query> queries;
  if (error.empty()) queries = writeCorpus(*cfg, db, jsonDir, error);
  r.generateSeconds = msSince(t0) / 1000;
  r.error = error;
  for (const Query& q : queries) r.queries.push_back({q, {}, {}, 0, ""});
  say(format("  {:.1f} s", r.generateSeconds));

  if (r.error.empty()) {
    say("migration: aieditor opens it and builds the index");
    if (auto server = startMigrating(*cfg, db, r)) {
      say(format("  {:.1f} s, {} progress lines", r.migrateSeconds, r.progressLines));
      r.sizes = measureSizes(db);
      r.sizes.jsonBytes = 0;
      for (const auto& file : std::filesystem::directory_iterator(jsonDir))
        r.sizes.jsonBytes += static_cast<double>(file.file_size());
      say(format("  content {} MiB, index {} MiB, file {} MiB", num(r.sizes.contentBytes / 1048576, 1),
                 num(r.sizes.indexBytes / 1048576, 1), num(r.sizes.fileBytes / 1048576, 1)));
      say("search/query beside ripgrep");
      r.loadDuringSearch = loadAverages();
      measureSearch(*cfg, *server, r.queries);
      server->stop(true);
      measureRipgrep(*cfg, jsonDir, r.queries);
      for (const QueryResult& q : r.queries)
        say(format("  {}: search p50 {} p99 {}; ripgrep p50 {} p99 {} {}", q.query.name, ms(q.search.median()),
                   ms(q.search.pct(99)), ms(q.rg.median()), ms(q.rg.pct(99)), q.error));
    }
  }
  say("messages/add with and without the index, in turns");
  measureAdd(*cfg, r);
  say(format("  p50 with {} without {} {}", ms(r.addIndexed.median()), ms(r.addUnindexed.median()), r.addError));
  const int status = writeSearchReport(*cfg, r);
  std::filesystem::remove_all(cfg->work);
  return status;
}
