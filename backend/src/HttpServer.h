// The HTTP server around the Api: cpp-httplib's listener and a bounded pool
// of connection workers, the limits (body size, timeouts, connections) and
// SIGTERM/SIGINT draining.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace aieditor::backend {

class Api;

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8787;                    ///< 0 picks a free port
  std::int64_t maxBody = 16 << 20;    ///< bigger bodies get 413 before they are read
  std::size_t maxConnections = 64;    ///< one worker each; the next connection gets 503
  std::chrono::seconds ioTimeout{5};  ///< per read or write on a connection
};

/// Serves until SIGTERM or SIGINT, then finishes the requests in flight.
/// Prints `listening on http://HOST:PORT` to stdout once ready. Returns the
/// process's exit code (0 after a signal, 1 when the address cannot be bound).
int serveHttp(const Api&, const ServeOptions&);

}  // namespace aieditor::backend
