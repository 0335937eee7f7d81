// bench-backend: the team backend's benchmark (issue 14). Starts a real
// `aieditor-backend serve` on a fresh database, signs a user in, and measures
// in one run, level by level (1, 8, 64 clients), in turn: GET /healthz (an
// empty handler), the storage's floor (the same row inserted and committed
// directly by as many writers), and POST /api/sessions/:id/messages; then the
// SSE fan-out at 100 subscribers; then the same POSTs and floor on PostgreSQL
// when given one. Writes its part of docs/benchmarks.md. Nothing asserts a time.
#include <curl/curl.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>

#include "client.h"
#include "direct.h"
#include "machine.h"
#include "operations.h"
#include "postgres.h"
#include "report.h"
#include "text.h"

namespace bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsageText =
    "usage: bench-backend --backend BIN --work DIR --out FILE [--command TEXT] [--smoke] [--postgres CONNINFO]\n";

std::optional<BackendConfig> parse(int argc, char** argv) {
  BackendConfig cfg;
  cfg.self = fs::absolute(argv[0]).string();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (arg == "--smoke") {
      cfg.smoke = true;
      continue;
    }
    if (!(v = value())) return std::cerr << arg << " needs a value\n" << kUsageText, std::nullopt;
    if (arg == "--backend") cfg.backend = *v;
    else if (arg == "--work") cfg.work = *v;
    else if (arg == "--out") cfg.out = *v;
    else if (arg == "--command") cfg.command = *v;
    else if (arg == "--postgres") cfg.postgres = *v;
    else return std::cerr << "unknown argument " << arg << "\n" << kUsageText, std::nullopt;
  }
  if (cfg.backend.empty() || cfg.work.empty() || cfg.out.empty()) return std::cerr << kUsageText, std::nullopt;
  if (cfg.smoke) {
    cfg.seconds = 0.2;
    cfg.warmup = 2;
    cfg.subscribers = 5;
    cfg.fanOutWarmup = 1;
    cfg.fanOutPosts = 3;
    cfg.timeLimitSeconds = 120;
  }
  return cfg;
}

/// A user made with the CLI and signed in: its access token.
std::optional<std::string> signedIn(const BackendConfig& cfg, const std::vector<std::string>& storage,
                                    const std::string& url, const std::string& name, std::string& error) {
  auto signInToken = addUser(cfg.backend, storage, name, error);
  if (!signInToken) return std::nullopt;
  return signIn(url, *signInToken, error);
}

/// Users bench-1 ... bench-N, made with the CLI and signed in: their access
/// tokens, client i being user i (one user's writes take turns on its seq).
std::optional<std::vector<std::string>> signedInUsers(const BackendConfig& cfg, const std::vector<std::string>& storage,
                                                      const std::string& url, std::string& error) {
  std::vector<std::string> tokens;
  const int users = *std::ranges::max_element(cfg.clientCounts);
  for (int i = 1; i <= users; ++i) {
    auto token = signedIn(cfg, storage, url, format("bench-{}", i), error);
    if (!token) return std::nullopt;
    tokens.push_back(std::move(*token));
  }
  return tokens;
}

/// The record as the backend stores it (the floor's row body): a POST's reply.
std::string storedRecord(const std::string& url, const std::string& token) {
  HttpClient client(url, token);
  HttpReply reply = client.post("/api/sessions/probe/messages", messageBody("probe-1"));
  auto parsed = json::parse(reply.body, nullptr, false);
  if (reply.status != 201 || !parsed.contains("message")) return "";
  return parsed["message"].dump();
}

/// 1, 8 and 64 clients on one backend and its floor, each level in turn.
/// runLoad against the backend, with the CPU time the backend and the clients spent per operation.
Load serverLoad(const BackendProcess& backend, int clients, const BackendConfig& cfg, const OperationFactory& make) {
  const double server = backend.cpuSeconds(), own = selfCpuSeconds(), all = busyCpuSeconds();
  const auto start = Clock::now();
  Load load = runLoad(clients, cfg.warmup, cfg.seconds, make);
  const double others = (busyCpuSeconds() - all) - (backend.cpuSeconds() - server) - (selfCpuSeconds() - own);
  load.neighbourCores = std::max(0.0, others) / (msSince(start) / 1000);
  // The warm-up's operations are in the CPU time too.
  const double operations = static_cast<double>(load.done) + static_cast<double>(clients) * cfg.warmup;
  if (load.done > 0) {
    load.serverCpuMs = (backend.cpuSeconds() - server) * 1000 / operations;
    load.clientCpuMs = (selfCpuSeconds() - own) * 1000 / operations;
  }
  return load;
}

/// runLoad for a floor: the clients' CPU per operation, and the other
/// processes' (on PostgreSQL, mostly its server's) in cores.
Load floorLoad(int clients, const BackendConfig& cfg, const OperationFactory& make) {
  const double own = selfCpuSeconds(), all = busyCpuSeconds();
  const auto start = Clock::now();
  Load load = runLoad(clients, cfg.warmup, cfg.seconds, make);
  const double mine = selfCpuSeconds() - own;
  load.neighbourCores = std::max(0.0, busyCpuSeconds() - all - mine) / (msSince(start) / 1000);
  const double operations = static_cast<double>(load.done) + static_cast<double>(clients) * cfg.warmup;
  if (load.done > 0) load.clientCpuMs = mine * 1000 / operations;
  return load;
}

void runLevels(const BackendConfig& cfg, StorageRun& run, const BackendProcess& backend,
               const std::vector<std::string>& tokens,
               const std::function<OperationFactory(const std::string& prefix)>& floorFor,
               const std::function<OperationFactory(const std::string& prefix)>& directFor, bool withHealth) {
  for (int clients : cfg.clientCounts) {
    Level level;
    level.clients = clients;
    if (withHealth) {
      say(format("{}: GET /healthz, {} clients", run.engine, clients));
      level.health = serverLoad(backend, clients, cfg, getHealth(backend.url()));
    }
    say(format("{}: floor (direct INSERT+COMMIT), {} writers", run.engine, clients));
    level.floor = floorLoad(clients, cfg, floorFor(format("floor-{}", clients)));
    say(format("{}: storage alone (addMessage in this process), {} threads", run.engine, clients));
    level.direct = floorLoad(clients, cfg, directFor(format("direct-{}", clients)));
    say(format("{}: POST messages, {} clients", run.engine, clients));
    level.post = serverLoad(backend, clients, cfg, postMessages(backend.url(), tokens, format("{}-{}", run.engine, clients)));
    say(format("  {:.0f} POSTs/s (floor {:.0f}/s), p50 {:.3f} ms, p99 {:.3f} ms, CPU per POST: server {:.3f} ms, "
               "clients {:.3f} ms; other processes {:.2f} cores (during the floor {:.2f}); load {}",
               level.post.rate(), level.floor.rate(), level.post.latency.median(), level.post.latency.pct(99),
               level.post.serverCpuMs, level.post.clientCpuMs, level.post.neighbourCores, level.floor.neighbourCores,
               level.post.loadAverages));
    say(format("  storage alone {:.0f} adds/s, CPU per add {:.3f} ms", level.direct.rate(), level.direct.clientCpuMs));
    for (const Load* l : {&level.health, &level.floor, &level.direct, &level.post})
      if (!l->error.empty()) {
        say("  failed: " + l->error);
        if (run.error.empty()) run.error = l->error;
      }
    run.levels.push_back(std::move(level));
  }
}

void runSqlite(const BackendConfig& cfg, BackendResults& r) {
  r.sqlite.engine = "SQLite";
  r.sqlite.detail = "WAL, synchronous=FULL";
  const std::string db = cfg.work + "/backend.db", floorDb = cfg.work + "/floor.db";
  const std::vector<std::string> storage{"--db", db};
  std::string error;
  auto backend = BackendProcess::start(cfg.backend, storage, cfg.maxConnections, cfg.work + "/backend-sqlite.log", error);
  if (!backend) return void(r.sqlite.error = error);
  say("SQLite: aieditor-backend at " + backend->url());
  auto tokens = signedInUsers(cfg, storage, backend->url(), error);
  if (!tokens) return void(r.sqlite.error = error);
  std::string stored = storedRecord(backend->url(), tokens->front());
  if (stored.empty()) return void(r.sqlite.error = "the probe POST failed");
  r.bodyBytes = messageBody("SQLite-64-c63-100000").size();
  r.storedBytes = stored.size();
  if (auto created = createSqliteFloor(floorDb); !created.empty()) return void(r.sqlite.error = created);
  auto direct = openDirectStorage({"--db", cfg.work + "/direct.db"}, 0, error);
  if (!direct) return void(r.sqlite.error = error);
  const auto directIds = directUsers(*direct, *std::ranges::max_element(cfg.clientCounts), error);
  if (directIds.empty()) return void(r.sqlite.error = error);
  runLevels(
      cfg, r.sqlite, *backend, *tokens, [&](const std::string& prefix) { return sqliteInserts(floorDb, stored, prefix); },
      [&](const std::string& prefix) { return directAdds(direct, directIds, prefix); }, true);

  say(format("SSE fan-out: {} subscribers on GET /api/events", cfg.subscribers));
  if (auto fanOutToken = signedIn(cfg, storage, backend->url(), "fanout", error))
    r.fanOut = measureFanOut(backend->url(), *fanOutToken, cfg.subscribers, cfg.fanOutWarmup, cfg.fanOutPosts);
  else
    r.fanOut.error = error;
  say(format("  fan-out p50 {:.3f} ms, p99 {:.3f} ms; load {} {}", r.fanOut.latency.median(), r.fanOut.latency.pct(99),
             r.fanOut.loadAverages, r.fanOut.error));
  backend->stop();
}

void runPostgres(const BackendConfig& cfg, BackendResults& r) {
  r.postgres.engine = "PostgreSQL";
  if (cfg.postgres.empty()) return void(r.postgres.notRun = "no PostgreSQL given (--postgres CONNINFO)");
  const std::vector<std::string> storage{"--postgres", cfg.postgres};
  std::string error;
  auto backend =
      BackendProcess::start(cfg.backend, storage, cfg.maxConnections, cfg.work + "/backend-postgres.log", error);
  if (!backend) return void(r.postgres.error = error);
  auto tokens = signedInUsers(cfg, storage, backend->url(), error);
  if (!tokens) return void(r.postgres.error = error);
  std::string stored = storedRecord(backend->url(), tokens->front());
  if (stored.empty()) return void(r.postgres.error = "the probe POST failed");
  r.postgres.detail = postgresDetail(cfg.postgres);
  if (auto created = createPostgresFloor(cfg.postgres); !created.empty()) return void(r.postgres.error = created);
  const int most = *std::ranges::max_element(cfg.clientCounts);
  auto direct = openDirectStorage(storage, static_cast<std::size_t>(most), error);
  if (!direct) return void(r.postgres.error = error);
  const auto directIds = directUsers(*direct, most, error);
  if (directIds.empty()) return void(r.postgres.error = error);
  runLevels(
      cfg, r.postgres, *backend, *tokens,
      [&](const std::string& prefix) { return postgresInserts(cfg.postgres, stored, prefix); },
      [&](const std::string& prefix) { return directAdds(direct, directIds, prefix); }, false);
  backend->stop();
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  auto cfg = parse(argc, argv);
  if (!cfg) return 2;
  limitRunTime(cfg->timeLimitSeconds);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::filesystem::remove_all(cfg->work);
  std::filesystem::create_directories(cfg->work);
  BackendResults r;
  r.version = sh(cfg->backend + " --version 2>/dev/null");
  runSqlite(*cfg, r);
  runPostgres(*cfg, r);
  const int status = writeBackendReport(*cfg, r);
  curl_global_cleanup();
  return status;
}
