// bench-sync: sync's benchmark (issue 15). Starts a real `aieditor-backend
// serve` on a fresh database and real `aieditor` servers syncing with it,
// and measures in one run: propagation from one editor to another beside its
// floor, what sync adds to messages/add beside sync off, and the drain of a
// 10,000-write backlog beside the backend alone. Writes its part of
// docs/benchmarks.md. Nothing asserts a time.
#include <curl/curl.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "client.h"
#include "machine.h"
#include "measure.h"
#include "report.h"
#include "text.h"

namespace bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsageText =
    "usage: bench-sync --server AIEDITOR --backend AIEDITOR_BACKEND --work DIR --out FILE [--command TEXT] [--smoke]\n"
    "                  [--only propagation|cost|drain]\n";

std::optional<SyncConfig> parse(int argc, char** argv) {
  SyncConfig cfg;
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
    else if (arg == "--backend")
      cfg.backend = value;
    else if (arg == "--work")
      cfg.work = value;
    else if (arg == "--out")
      cfg.out = value;
    else if (arg == "--command")
      cfg.command = value;
    else if (arg == "--only" && (value == "propagation" || value == "cost" || value == "drain"))
      cfg.only = value;
    else
      return std::cerr << "unknown argument " << arg << "\n" << kUsageText, std::nullopt;
  }
  if (cfg.server.empty() || cfg.backend.empty() || cfg.work.empty() || cfg.out.empty())
    return std::cerr << kUsageText, std::nullopt;
  if (cfg.smoke) {
    cfg.propagationWarmup = 2;
    cfg.propagationSamples = 5;
    cfg.costWarmup = 5;
    cfg.costRounds = 2;
    cfg.costPerRound = 5;
    cfg.backlog = 300;
    cfg.timeLimitSeconds = 120;
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
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::filesystem::remove_all(cfg->work);
  std::filesystem::create_directories(cfg->work);
  cfg->work = std::filesystem::absolute(cfg->work).string();
  SyncResults r;
  r.serverVersion = sh(cfg->server + " --version 2>/dev/null");
  r.backendVersion = sh(cfg->backend + " --version 2>/dev/null");
  std::string error;
  auto backend = BackendProcess::start(cfg->backend, {"--db", cfg->work + "/backend.db"}, 64,
                                       cfg->work + "/backend.stderr", error);
  if (!backend) {
    r.propagation.error = r.cost.error = r.drain.error = error;
  } else {
    const SyncWorld world{*cfg, *backend};
    auto runs = [&](const std::string& name) { return cfg->only.empty() || cfg->only == name; };
    const std::string skipped = "not run (--only " + cfg->only + ")";
    r.propagation.error = r.cost.error = r.drain.error = skipped;
    if (runs("propagation")) {
      say("propagation: A's messages/add → B's session/changed, beside the floor");
      r.propagation = measurePropagation(world);
      say(format("  p50 {} p99 {} (floor p50 {} p99 {}); load {} {}", ms(r.propagation.latency.median()),
                 ms(r.propagation.latency.pct(99)), ms(r.propagation.floor.median()), ms(r.propagation.floor.pct(99)),
                 r.propagation.host.loadAverages, r.propagation.error));
    }
    if (runs("cost")) {
      say("cost: messages/add with sync off and on, in turns");
      r.cost = measureCost(world);
      say(format("  p50 off {} on {}; p99 off {} on {}; load {} {}", ms(r.cost.off.median()), ms(r.cost.on.median()),
                 ms(r.cost.off.pct(99)), ms(r.cost.on.pct(99)), r.cost.host.loadAverages, r.cost.error));
    }
    if (runs("drain")) {
      say(format("backlog drain: {} writes queued with sync off, then drained", cfg->backlog));
      r.drain = measureDrain(world);
      say(
          format("  {} queued, {:.2f} s = {:.0f}/s, CPU per write: server {} + backend {} (the backend alone {:.0f}/s, "
                 "{} per write); load {} {}",
                 r.drain.queued, r.drain.seconds, r.drain.rate(), ms(r.drain.editorCpuMs), ms(r.drain.backendCpuMs),
                 r.drain.referenceRate(), ms(r.drain.referenceBackendCpuMs), r.drain.host.loadAverages, r.drain.error));
    }
    backend->stop();
  }
  const int status = writeSyncReport(*cfg, r);
  curl_global_cleanup();
  return status;
}
