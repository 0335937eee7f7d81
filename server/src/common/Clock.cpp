#include "common/Clock.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <string>

#include "common/Log.h"

namespace aieditor::server {
namespace {

/// AIEDITOR_CLOCK_SKEW_MS as a number; 0 when unset, or (with a warning
/// naming it) when it is not a signed integer.
std::int64_t skewFromEnvironment() {
  const char* text = std::getenv("AIEDITOR_CLOCK_SKEW_MS");
  if (!text || !*text) return 0;
  const std::string value = text;
  std::int64_t skew = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), skew);
  if (ec != std::errc() || end != value.data() + value.size()) {
    log::warn("AIEDITOR_CLOCK_SKEW_MS: expected signed milliseconds, got \"" + value + "\"; ignored");
    return 0;
  }
  return skew;
}

}  // namespace

protocol::Timestamp now() {
  static const std::int64_t skew = skewFromEnvironment();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() + skew;
}

}  // namespace aieditor::server
