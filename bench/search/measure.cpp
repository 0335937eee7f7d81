#include "measure.h"

#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "corpus.h"
#include "machine.h"
#include "rounds.h"
#include "text.h"

extern char** environ;

namespace bench {

namespace {

constexpr int kTimeoutMs = 120'000;
const json kInitialize = {{"processId", nullptr}, {"capabilities", json::object()}};
const std::map<std::string, std::string> kEnvironment = {{"AIEDITOR_LOG", "error"}, {"AIEDITOR_SYNC_URL", ""}};

std::string request(std::int64_t id, const std::string& method, const json& params) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
}

/// Runs `argv` with its output thrown away; its wall time in ms, NaN when it failed.
double timeRun(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const auto t0 = Clock::now();
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return NAN;
  int status = 0;
  waitpid(pid, &status, 0);
  // ripgrep exits 1 when nothing matched: still a complete search.
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) return NAN;
  return msSince(t0);
}

/// A fresh database made by aieditor itself (current schema).
bool createDatabase(const SearchConfig& cfg, const std::string& db, std::string& error) {
  Started s = start({cfg.server, "--db", db}, kEnvironment, kInitialize, db + ".stderr", kTimeoutMs);
  if (!s.child) return error = "cannot start aieditor on " + db + ": " + s.error, false;
  s.child->stop(true);
  return true;
}

}  // namespace

std::optional<Child> startMigrating(const SearchConfig& cfg, const std::string& db, SearchResults& r) {
  const std::string log = cfg.work + "/migrate.stderr";
  Started s = start({cfg.server, "--db", db}, kEnvironment, kInitialize, log, 60 * 60'000);
  if (!s.child) return r.error = "aieditor did not open the corpus: " + s.error, std::nullopt;
  r.migrateSeconds = s.initMs / 1000;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.find("building the search index") != std::string::npos) ++r.progressLines;
  return std::move(s.child);
}

void measureSearch(const SearchConfig& cfg, Child& server, std::vector<QueryResult>& queries) {
  std::int64_t nextId = 10;
  for (int sample = -cfg.searchWarmup; sample < cfg.searchSamples; ++sample)
    for (QueryResult& q : queries) {
      if (!q.error.empty()) continue;
      const std::int64_t id = nextId++;
      const auto t0 = Clock::now();
      server.send(request(id, "search/query", {{"query", q.query.text}, {"limit", 20}}));
      auto reply = server.awaitResponse(id, kTimeoutMs);
      const double ms = msSince(t0);
      if (!reply || !reply->contains("result")) {
        q.error = reply ? (*reply)["error"].dump() : "no reply (" + server.error + ")";
        continue;
      }
      q.firstPageHits = static_cast<long>((*reply)["result"]["hits"].size());
      if (sample >= 0) q.search.add(ms);
    }
}

void measureRipgrep(const SearchConfig& cfg, const std::string& jsonDir, std::vector<QueryResult>& queries) {
  for (int sample = -cfg.rgWarmup; sample < cfg.rgSamples; ++sample)
    for (QueryResult& q : queries) {
      std::vector<std::string> argv{"rg", "--count"};
      argv.insert(argv.end(), q.query.rgArgs.begin(), q.query.rgArgs.end());
      argv.push_back(jsonDir);
      const double ms = timeRun(argv);
      if (std::isnan(ms)) {
        q.error = "ripgrep failed (is it installed? scripts/bootstrap.sh)";
        continue;
      }
      if (sample >= 0) q.rg.add(ms);
    }
}

void measureAdd(const SearchConfig& cfg, SearchResults& r) {
  const std::string indexed = cfg.work + "/add-indexed.db", unindexed = cfg.work + "/add-unindexed.db";
  if (!createDatabase(cfg, indexed, r.addError) || !createDatabase(cfg, unindexed, r.addError)) return;
  // Without the index: its triggers dropped, the schema otherwise the same.
  sqlite3* handle = nullptr;
  sqlite3_open(unindexed.c_str(), &handle);
  for (const char* table : {"messages_search", "components_search", "titles_search"})
    for (const char* op : {"insert", "delete", "update"})
      sqlite3_exec(handle, format("DROP TRIGGER {}_{}", table, op).c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(handle);
  Started on = start({cfg.server, "--db", indexed}, kEnvironment, kInitialize, indexed + ".stderr", kTimeoutMs);
  Started off = start({cfg.server, "--db", unindexed}, kEnvironment, kInitialize, unindexed + ".stderr", kTimeoutMs);
  if (!on.child || !off.child) {
    r.addError = "cannot start aieditor: " + on.error + off.error;
    return;
  }
  TextGenerator text(7, 1'000'000);
  std::int64_t nextId = 10;
  auto add = [&](std::int64_t id, long) {
    return request(id, "messages/add",
                   {{"sessionId", "bench"}, {"message", {{"role", "user"}, {"content", text.message(0)}}}});
  };
  r.loadDuringAdd = loadAverages();
  sequential(*on.child, cfg.addWarmup, 0, nextId, add, kTimeoutMs);
  sequential(*off.child, cfg.addWarmup, 0, nextId, add, kTimeoutMs);
  for (int round = 0; round < cfg.addRounds && r.addError.empty(); ++round) {
    // Each goes first every other round.
    for (int turn = 0; turn < 2; ++turn) {
      const bool indexedTurn = (round + turn) % 2 == 0;
      Sequential s = sequential(indexedTurn ? *on.child : *off.child, cfg.addPerRound, 0, nextId, add, kTimeoutMs);
      if (s.errors) r.addError = s.firstError;
      for (double ms : s.ms.v) (indexedTurn ? r.addIndexed : r.addUnindexed).add(ms);
    }
  }
  on.child->stop(true);
  off.child->stop(true);
  r.addSizes = measureSizes(indexed);
}

Sizes measureSizes(const std::string& db) {
  Sizes sizes;
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return sizes;
  auto number = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    double value = NAN;
    if (sqlite3_prepare_v2(handle, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      value = sqlite3_column_double(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
  };
  sizes.contentBytes = number(
      "SELECT (SELECT coalesce(sum(length(CAST(content AS BLOB))), 0) FROM messages) + "
      "(SELECT coalesce(sum(length(CAST(title AS BLOB))), 0) FROM sessions) + "
      "(SELECT coalesce(sum(length(CAST(name || jsx || css AS BLOB))), 0) FROM component_versions)");
  sizes.indexBytes = number(
      "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'messages_search%' OR name LIKE 'components_search%' "
      "OR name LIKE 'titles_search%'");
  sqlite3_close(handle);
  std::error_code ec;
  sizes.fileBytes = static_cast<double>(std::filesystem::file_size(db, ec));
  return sizes;
}

}  // namespace bench
