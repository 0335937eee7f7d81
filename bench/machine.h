// What the reports say of the machine and the run: the shell's answers, the
// CPU, the disk under a folder, the commit, the load; and the one section of
// docs/benchmarks.md that each of the two benchmark programs owns.
#pragma once

#include <string>

namespace bench {

/// The trimmed stdout of a shell command ("" when it fails).
std::string sh(const std::string& cmd);
std::string cpuModel();
/// "2026-12-03 09:18 UTC".
std::string utcNow();
/// The lines every report's "Machine and run" list shares: commit (of the
/// checkout holding `anyPathInRepo`), CPU, kernel, and the disk under `workDir`.
std::string machineLines(const std::string& anyPathInRepo, const std::string& workDir);
/// The load averages of /proc/loadavg: "0.34 0.18 0.07" (1, 5, 15 minutes).
std::string loadAverages();
/// The CPU time all processes have used so far (/proc/stat, every core), in seconds.
double busyCpuSeconds();

// docs/benchmarks.md is written by bench/run.sh (the editor server) and by
// bench/backend.sh (the team backend). The backend's part sits between two
// marker lines; each program rewrites only its own part.
inline constexpr const char* kBackendBegin = "<!-- backend benchmark: written by bench/backend.sh -->";
inline constexpr const char* kBackendEnd = "<!-- end of the backend benchmark -->";

/// The backend's part of the document at `path`, markers included ("" when none).
std::string backendPart(const std::string& path);
/// Writes `part` (markers included) into the document at `path` in place of
/// its backend part, or at its end; creates the document when missing.
void writeBackendPart(const std::string& path, const std::string& part);

}  // namespace bench
