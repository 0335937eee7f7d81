// How long sync waits before trying the backend again, for the sync thread
// and the event stream alike.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace aieditor::server {

/// Full jitter: anywhere from 0 to `base` doubled per failure before this
/// one, capped. `fixed` (the AIEDITOR_SYNC_RETRY_MS test hook) replaces it.
inline std::chrono::milliseconds backoffDelay(int failures, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap,
                                              std::optional<std::chrono::milliseconds> fixed) {
  if (fixed) return *fixed;
  const std::int64_t ceiling =
      std::max<std::int64_t>(0, std::min<std::int64_t>(cap.count(), base.count() << std::clamp(failures - 1, 0, 20)));
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, ceiling)(random));
}

}  // namespace aieditor::server
