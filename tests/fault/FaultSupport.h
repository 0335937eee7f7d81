// What the fault and model tests share: seeds and counts from the
// environment, SQLite's own check of a file, and reading a session back
// through a server as its export.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "ServerProcess.h"

namespace aieditor::test {

/// The seed named by `variable`, or a fresh one; either way print it on failure.
unsigned seedFrom(const char* variable);

/// How many runs: `variable` when set, else `fallback`, divided by
/// `sanitizedDivisor` under AddressSanitizer (which slows each run several times).
int countFrom(const char* variable, int fallback, int sanitizedDivisor);

/// `PRAGMA integrity_check` on the file, as SQLite words it ("ok" when clean).
std::string integrityCheck(const std::string& db);

/// A session's export through `server`, or nothing when it has no such session.
std::optional<json> exportOf(ServerProcess& server, const std::string& sessionId);

/// Options for a server on `db` that logs errors only.
ServerProcess::Options serverOn(const std::string& db);

}  // namespace aieditor::test
