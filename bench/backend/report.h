// The backend's part of docs/benchmarks.md: the run, the targets, a table per
// storage, the fan-out, the method. Printed to stdout as well.
#pragma once

#include "config.h"
#include "results.h"

namespace bench {

/// Writes the report into cfg.out (its backend part only); 1 when a
/// measurement of the backend failed, else 0.
int writeBackendReport(const BackendConfig& cfg, const BackendResults& r);

}  // namespace bench
