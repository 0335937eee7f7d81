// Benchmark driver for aieditor (see bench/run.sh and issue 6).
//
// It spawns the servers as child processes and talks to them over pipes with
// LSP Content-Length framing, exactly as an editor does. Every figure is
// measured in this one run next to its reference; nothing here asserts a time.
//
//   driver --server BIN [--reference-server BIN [--reference-label TEXT]] [--copilot BIN]
//          [--node BIN --reference JS] --work DIR --out FILE [--command TEXT] [--smoke]
//   driver --echo                 framed echo on stdio (the pipe floor)
//   driver --relay PORT           the C++ relay floor: chat/send → fake upstream → chat/delta
//
// Every wait is bounded: a reply that does not come within its timeout ends
// that measurement (recorded as failed), and a global alarm ends the run.
//
// The files beside this one, by concern:
//   process   the children: spawning, framing, reading replies, stopping
//   relay     the driver's own floor modes (--echo, --relay)
//   floors    the pipe, SQLite-commit and fdatasync floors
//   rounds    sequential and pipelined requests
//   measure   cold start, messages/add as a session grows, session/open
//   streaming chat/delta from the fake upstream, also under another process's write lock
//   report    the markdown report and its notes (method: its Method section)

#include <signal.h>

#include <cstdlib>
#include <filesystem>

#include "config.h"
#include "floors.h"
#include "measure.h"
#include "process.h"
#include "relay.h"
#include "report.h"
#include "streaming.h"
#include "text.h"

namespace {

int run(const bench::Config& cfg) {
  using namespace bench;
  std::filesystem::create_directories(cfg.work);
  runSeconds();  // the run's clock starts here
  Results r;
  say("floors: pipe echo, fdatasync, SQLite insert+commit");
  r.floors = measureFloors(cfg);
  r.aieditorStart = measureColdStart(cfg);
  r.copilotStart = measureCopilotColdStart(cfg);
  measureSessions(cfg, r.aieditor, r.referenceServer);
  r.jsonFile = measureJsonFileServer(cfg);
  r.aieditorOpen = measureOpen(cfg, r.aieditor);
  r.jsonFileOpen = measureJsonFileOpen(cfg, r.jsonFile);
  r.streaming = measureStreaming(cfg);
  r.locked = measureUnderLock(cfg, false);
  if (cfg.hasReferenceServer()) r.referenceServerLocked = measureUnderLock(cfg, true);
  return writeReport(cfg, r);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--echo") return bench::echoMain();
  if (argc == 3 && std::string_view(argv[1]) == "--relay") {
    ::signal(SIGPIPE, SIG_IGN);
    return bench::relayMain(std::atoi(argv[2]));
  }
  auto cfg = bench::parseConfig(argc, argv);
  if (!cfg) return 2;
  ::signal(SIGPIPE, SIG_IGN);
  bench::limitRunTime(cfg->timeLimitSeconds);  // the run ends by itself whatever happens
  return run(*cfg);
}
