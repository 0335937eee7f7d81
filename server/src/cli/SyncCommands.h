// The command line's sync commands: `aieditor sync` (push and pull once),
// `sync status`, `sync login URL` (the token on stdin) and `sync logout`.
#pragma once

#include <string>
#include <vector>

#include "rpc/LspServer.h"

namespace aieditor::server {

/// `aieditor sync WORDS...` on the database of `options`; the exit code.
int runSyncCommand(const ServerOptions& options, const std::vector<std::string>& words);

}  // namespace aieditor::server
