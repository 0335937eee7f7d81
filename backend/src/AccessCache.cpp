// The access-token cache: lookups, and a bounded map swept when full.
#include "AccessCache.h"

#include <algorithm>
#include <mutex>

namespace aieditor::backend {

std::optional<User> AccessCache::find(const TokenHash& token, Timestamp now) {
  std::shared_lock lock(mutex_);
  const auto found = entries_.find(token);
  // A stale entry stays until the storage's answer replaces it (remember).
  if (found == entries_.end() || now >= found->second.trustedUntil) return std::nullopt;
  return found->second.user;
}

void AccessCache::remember(const TokenHash& token, const AccessGrant& grant, Timestamp now) {
  if (recheck_.count() <= 0) return;  // every request reads storage
  const Timestamp trustedUntil = std::min<Timestamp>(grant.expiresAt, now + recheck_.count());
  std::unique_lock lock(mutex_);
  if (entries_.size() >= capacity_ && !entries_.contains(token)) {
    std::erase_if(entries_, [now](const auto& entry) { return now >= entry.second.trustedUntil; });
    // Still full of live entries: forget them all; each costs one storage read to learn again.
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(token, Entry{grant.user, trustedUntil});
}

}  // namespace aieditor::backend
