// SSE fan-out: N subscribers on GET /api/events (one curl multi handle on one
// thread, one connection each) while a publisher POSTs messages one at a time;
// each POST's event is timed from just before the POST was sent to its
// arrival at each subscriber.
#pragma once

#include <string>

#include "stats.h"

namespace bench {

struct FanOut {
  int subscribers = 0;
  Stats latency;      ///< ms, POST sent → event received, every subscriber × every timed POST
  Stats post;         ///< ms, the publisher's POSTs themselves
  std::string error;  ///< a failure (no figures then)
  std::string loadAverages;
  bool ok() const { return error.empty() && !latency.empty(); }
};

/// `warmup` untimed POSTs first (every subscriber must receive each), then `posts` timed ones.
FanOut measureFanOut(const std::string& url, const std::string& accessToken, int subscribers, int warmup, int posts);

}  // namespace bench
