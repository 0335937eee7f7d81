// bench-backend's command line and the sizes of a full or a smoke run.
#pragma once

#include <string>
#include <vector>

namespace bench {

struct BackendConfig {
  bool smoke = false;
  std::string self, backend, work, out, command = "bench/backend.sh";
  std::string postgres;  ///< a conninfo, when PostgreSQL is measured too
  std::vector<int> clientCounts{1, 8, 64};
  double seconds = 5;        ///< per measurement, after the warm-up
  int warmup = 20;           ///< untimed operations per client first
  int maxConnections = 512;  ///< the backend's --max-connections: above the clients, and twice the subscribers
  int subscribers = 100;
  int fanOutWarmup = 5, fanOutPosts = 200;
  unsigned timeLimitSeconds = 900;
};

}  // namespace bench
