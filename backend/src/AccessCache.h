// Access tokens already checked, remembered in memory: the Bearer check of
// every request would otherwise read storage (on PostgreSQL a round trip of
// its own). An entry is trusted until its token expires or for `recheck`
// after storage last confirmed it, whichever comes first, so a revocation
// made by the CLI (another process, or another node) takes effect within
// `recheck`. Only tokens storage confirmed are kept, so unknown tokens cannot
// grow it; it holds at most `capacity` entries.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "Storage.h"

namespace aieditor::backend {

class AccessCache {
 public:
  AccessCache(std::chrono::milliseconds recheck, std::size_t capacity) : recheck_(recheck), capacity_(capacity) {}

  /// The user of `token` when storage confirmed it less than `recheck` ago and it has not expired at `now`.
  std::optional<User> find(const TokenHash& token, Timestamp now);
  /// Storage has just confirmed `grant` for `token` at `now`.
  void remember(const TokenHash& token, const AccessGrant& grant, Timestamp now);

 private:
  struct Entry {
    User user;
    Timestamp trustedUntil = 0;  ///< the token's expiry or the next recheck, the earlier
  };
  const std::chrono::milliseconds recheck_;
  const std::size_t capacity_;
  std::shared_mutex mutex_;  ///< shared by lookups: every request makes one
  std::unordered_map<TokenHash, Entry> entries_;
};

}  // namespace aieditor::backend
