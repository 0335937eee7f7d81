// The stdio transport: serves the protocol on stdin/stdout.
#pragma once

#include "rpc/LspServer.h"

namespace aieditor::server {

/// Serves the protocol on stdin/stdout until `exit` or end of input; returns
/// the process exit code.
int serveStdio(const ServerOptions&);

}  // namespace aieditor::server
