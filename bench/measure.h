// The measurements of starting, adding and opening, each on its own; the
// streaming ones are in streaming.h.
#pragma once

#include "config.h"
#include "results.h"

namespace bench {

/// aieditor's cold start (it opens an existing small database; the run that
/// creates it is not counted).
ColdStart measureColdStart(const Config& cfg);
/// copilot-language-server's cold start (killed at once: it would try to reach GitHub).
ColdStart measureCopilotColdStart(const Config& cfg);

/// messages/add round trips and pipelined throughput while one session grows
/// through the sizes, in aieditor and, side by side (size by size), in the
/// reference server when there is one.
void measureSessions(const Config& cfg, SessionRun& aieditor, SessionRun& referenceServer);

/// The same in the JSON-file reference server, prefilled by writing its file.
SessionRun measureJsonFileServer(const Config& cfg);

/// session/open of aieditor's largest session in a fresh process.
Opening measureOpen(const Config& cfg, const SessionRun& aieditor);
/// The same in the JSON-file reference server.
Opening measureJsonFileOpen(const Config& cfg, const SessionRun& jsonFile);

}  // namespace bench
