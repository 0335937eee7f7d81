// The report: the results table, the floors, the per-size tables, the method
// and the run's notes, as markdown to cfg.out and as tables on stdout.
#pragma once

#include "config.h"
#include "results.h"

namespace bench {

/// Writes the report; 1 when one of aieditor's own measurements failed (the
/// references may be missing), else 0.
int writeReport(const Config& cfg, const Results& r);

/// The report's Method section.
std::string methodSection(const Config& cfg);

}  // namespace bench
