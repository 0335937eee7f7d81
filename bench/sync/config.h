// bench-sync's command line and the sizes of a full or a smoke run.
#pragma once

#include <string>

namespace bench {

struct SyncConfig {
  bool smoke = false;
  std::string self, server, backend, work, out, command = "bench/sync.sh";
  std::string only;  ///< one measurement alone ("propagation", "cost" or "drain"), or all when empty
  int propagationWarmup = 10, propagationSamples = 300;     ///< messages A adds one at a time, each seen on B
  int costWarmup = 50, costRounds = 40, costPerRound = 50;  ///< sequential messages/add per server per round
  int backlog = 10'000;                                     ///< writes queued with sync off, then drained
  int referenceBatch = 250;  ///< writes per POST /api/batch in the drain's reference (the sync thread's batch size)
  unsigned timeLimitSeconds = 900;
};

}  // namespace bench
