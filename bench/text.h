// Text for the report and the progress lines: a small format(), numbers with
// their units, and markdown tables.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace bench {

// g++ 12 has no <format>: a small stand-in. "{}" formats any argument;
// "{:SPEC}" passes SPEC to printf (e.g. {:.1f}, {:6.1f}, {:012d}).
template <class T>
std::string fmtOne(std::string_view spec, const T& v) {
  char buf[128];
  if constexpr (std::is_convertible_v<T, std::string_view>) {
    return std::string(std::string_view(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    std::string f = "%" + std::string(spec.empty() ? "g" : spec);
    std::snprintf(buf, sizeof buf, f.c_str(), static_cast<double>(v));
    return buf;
  } else {
    std::string f = "%" + std::string(spec.empty() ? "d" : spec);
    f.insert(f.size() - 1, "ll");
    std::snprintf(buf, sizeof buf, f.c_str(), static_cast<long long>(v));
    return buf;
  }
}

inline void fmtRest(std::string& out, std::string_view f) { out += f; }

template <class T, class... Rest>
void fmtRest(std::string& out, std::string_view f, const T& v, const Rest&... rest) {
  auto open = f.find('{');
  auto close = f.find('}', open);
  out += f.substr(0, open);
  std::string_view spec = f.substr(open + 1, close - open - 1);
  if (spec.starts_with(':')) spec.remove_prefix(1);
  out += fmtOne(spec, v);
  fmtRest(out, f.substr(close + 1), rest...);
}

template <class... Args>
std::string format(std::string_view f, const Args&... args) {
  std::string out;
  fmtRest(out, f, args...);
  return out;
}

/// A number with thousands separators from 1,000 up, else `prec` decimals; "n/a" for NaN.
std::string num(double x, int prec = 2);
/// Milliseconds: "0.296 ms", "20.48 ms".
std::string ms(double x);
/// KiB as MiB: "6.2 MiB".
std::string mib(long kib);
/// a ÷ b: "1.45×", or "1/482" below 0.1.
std::string ratio(double a, double b);
std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows);

/// A progress line on stderr, with the seconds since the run began.
void say(const std::string& line);
/// Seconds since the run began (the first call of say or runSeconds).
double runSeconds();

}  // namespace bench
