// Times in milliseconds and their percentiles.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double msBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}
inline double msSince(Clock::time_point t0) { return msBetween(t0, Clock::now()); }

/// Milliseconds from now until `deadline` (negative once it has passed).
inline int msUntil(Clock::time_point deadline) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}

struct Stats {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  bool empty() const { return v.empty(); }
  std::size_t n() const { return v.size(); }
  double pct(double p) const {  // nearest rank
    if (v.empty()) return NAN;
    auto s = v;
    std::ranges::sort(s);
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
    return s[std::clamp<std::size_t>(rank, 1, s.size()) - 1];
  }
  double median() const { return pct(50); }
};

}  // namespace bench
