// What the reports say of the machine and the run: the shell's answers, the
// CPU, the disk under a folder, the commit, the load, a process's CPU time;
// and the sections of docs/benchmarks.md that the benchmark programs own.
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

/// This process's CPU time (user + system) so far, in seconds.
double selfCpuSeconds();
/// The CPU time (user + system) process `pid` has used so far, in seconds (NaN when it is gone).
double processCpuSeconds(int pid);

// docs/benchmarks.md is written by bench/run.sh (the editor server), by
// bench/backend.sh (the team backend), by bench/sync.sh (sync) and by
// bench/search.sh (search). The backend's, sync's and search's parts each sit
// between two marker lines; each program rewrites only its own part.
struct DocumentPart {
  const char* begin;
  const char* end;
};
inline constexpr DocumentPart kBackendPart{"<!-- backend benchmark: written by bench/backend.sh -->",
                                           "<!-- end of the backend benchmark -->"};
inline constexpr DocumentPart kSyncPart{"<!-- sync benchmark: written by bench/sync.sh -->",
                                        "<!-- end of the sync benchmark -->"};
inline constexpr DocumentPart kSearchPart{"<!-- search benchmark: written by bench/search.sh -->",
                                          "<!-- end of the search benchmark -->"};

/// That part of the document at `path`, markers included ("" when none).
std::string readPart(const std::string& path, DocumentPart which);
/// Writes `text` (markers included) into the document at `path` in place of
/// that part, or at its end; creates the document when missing.
void writePart(const std::string& path, DocumentPart which, const std::string& text);

}  // namespace bench
