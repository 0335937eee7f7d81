// The three measurements of sync, each beside its reference in the same run:
// propagation from one editor to another through the backend (beside two
// commits and an HTTP round trip), what sync adds to messages/add (beside
// sync off), and the drain of a 10,000-write backlog (beside the backend
// taking the same writes straight from this program).
#pragma once

#include <string>

#include "client.h"
#include "config.h"
#include "results.h"

namespace bench {

/// Where the measurements run: the backend, and a sign-in token per user.
struct SyncWorld {
  const SyncConfig& cfg;
  const BackendProcess& backend;
  std::string tokenFor(const std::string& user, std::string& error) const;
};

Propagation measurePropagation(const SyncWorld& world);
Cost measureCost(const SyncWorld& world);
Drain measureDrain(const SyncWorld& world);

}  // namespace bench
