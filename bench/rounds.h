// The two ways requests are sent: one after another's reply (a round trip
// each), and pipelined with a window in flight (throughput).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "process.h"
#include "results.h"

namespace bench {

/// Builds request number `i` with this id.
using MakeRequest = std::function<std::string(std::int64_t id, long i)>;

/// `total` requests, at most `window` in flight; ids from nextId up.
Pipelined pipeline(Child& c, long total, int window, std::int64_t& nextId, const MakeRequest& make, int stallTimeoutMs);

/// Up to `count` sequential round trips, stopping early after capSeconds
/// (when above 0); `between` runs untimed after each (e.g. a floor sample).
Sequential sequential(Child& c, int count, double capSeconds, std::int64_t& nextId, const MakeRequest& make,
                      int timeoutMs, const std::function<void()>& between = {});

}  // namespace bench
