// Closed-loop load: N clients, each on its own thread with its own
// connection, each sending its next request as soon as the last one is
// answered. The same runner drives the backend's POSTs, the empty handler and
// the storage floors, so their figures are comparable.
#pragma once

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "stats.h"

namespace bench {

/// One client's connection: does one operation; false (and `error`) when it failed.
class Operation {
 public:
  virtual ~Operation() = default;
  virtual bool once(std::string& error) = 0;
};
/// Makes client `index`'s operation on that client's own thread (its own
/// connection); nullptr (and `error`) when it cannot.
using OperationFactory = std::function<std::unique_ptr<Operation>(int index, std::string& error)>;

struct Load {
  int clients = 0;
  long done = 0;        ///< operations timed (started inside the measured window)
  double seconds = 0;   ///< from the common start to the last timed operation's end
  Stats latency;        ///< ms per operation, all clients
  std::string error;    ///< the first failure; a failed run has no figures
  std::string loadAverages;  ///< /proc/loadavg just before the run
  double serverCpuMs = NAN;  ///< the backend's CPU time per operation (NaN for the floors)
  double clientCpuMs = NAN;  ///< this program's (the clients') CPU time per operation, likewise
  double neighbourCores = NAN;  ///< the CPU other processes used meanwhile, in cores (the host's noise)
  double rate() const { return seconds > 0 ? static_cast<double>(done) / seconds : 0; }
  bool ok() const { return error.empty() && done > 0; }
};

/// Each client makes its operation, does `warmup` untimed ones, waits for the
/// others, then runs for `seconds`; an operation started before the end is timed to its end.
Load runLoad(int clients, int warmup, double seconds, const OperationFactory& make);

}  // namespace bench
