// What the sync benchmark found: the report's input.
#pragma once

#include <cmath>
#include <string>

#include "stats.h"

namespace bench {

/// The host during a measurement: the load averages just before, and the CPU
/// other processes used meanwhile (the machine's busy time less this
/// program's and its children's), in cores.
struct Host {
  std::string loadAverages;
  double otherCores = NAN;
};

/// A's messages/add reply → B's session/changed for that message, and the
/// floor sampled between them: a SQLite commit on each side and one HTTP
/// round trip to the backend.
struct Propagation {
  Stats latency, floor;
  Host host;
  std::string error;
  bool ok() const { return error.empty() && !latency.empty(); }
};

/// messages/add round trips on a server with sync off and one with sync on, in turns.
struct Cost {
  Stats off, on;
  Host host;
  std::string error;
  bool ok() const { return error.empty() && !off.empty() && !on.empty(); }
};

/// 10,000 writes queued with sync off, drained from the start of a server
/// with sync on to its `pending` 0; beside it, the same number of writes
/// sent by this program straight to POST /api/batch.
struct Drain {
  long queued = 0;
  double seconds = NAN;  ///< spawn of the syncing server → sync/status synced with pending 0
  double startMs = NAN;  ///< of which: spawn → initialize answered
  double editorCpuMs = NAN,
         backendCpuMs = NAN;  ///< CPU time per write during the drain: the syncing server's, the backend's
  long referenceWrites = 0;
  double referenceBackendCpuMs = NAN;  ///< the backend's CPU time per write in the reference
  double referenceSeconds = NAN;       ///< the same writes through POST /api/batch, one kept-alive connection
  Host host;
  std::string error;
  double rate() const { return seconds > 0 ? static_cast<double>(queued) / seconds : NAN; }
  double referenceRate() const {
    return referenceSeconds > 0 ? static_cast<double>(referenceWrites) / referenceSeconds : NAN;
  }
  bool ok() const { return error.empty() && seconds > 0; }
};

struct SyncResults {
  Propagation propagation;
  Cost cost;
  Drain drain;
  std::string serverVersion, backendVersion;
};

}  // namespace bench
