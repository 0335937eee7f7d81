// Sync's part of docs/benchmarks.md: each figure beside its reference, the
// targets of issue 15, the host's load, and how it was measured.
#pragma once

#include "config.h"
#include "results.h"

namespace bench {

/// Writes the part into cfg.out (and a summary to stdout); 1 when a measurement failed.
int writeSyncReport(const SyncConfig& cfg, const SyncResults& r);

}  // namespace bench
