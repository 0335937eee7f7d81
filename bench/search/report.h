// bench-search's part of docs/benchmarks.md (between its markers) and its
// summary on stdout.
#pragma once

#include "config.h"

namespace bench {

/// Writes the part; 0 when every measurement has figures, else 1.
int writeSearchReport(const SearchConfig& cfg, const SearchResults& r);

}  // namespace bench
