#include "text.h"

#include <cmath>
#include <iostream>

#include "stats.h"

namespace bench {

std::string num(double x, int prec) {
  if (std::isnan(x)) return "n/a";
  if (std::abs(x) >= 1000) {
    std::string s = format("{:.0f}", x);
    for (int i = static_cast<int>(s.size()) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}

std::string ms(double x) { return std::isnan(x) ? "n/a" : num(x, x < 1 ? 3 : 2) + " ms"; }

std::string mib(long kib) { return kib < 0 ? "n/a" : num(static_cast<double>(kib) / 1024.0, 1) + " MiB"; }

std::string ratio(double a, double b) {
  if (std::isnan(a) || std::isnan(b) || a < 0 || b <= 0) return "n/a";
  double r = a / b;
  if (r > 0 && r < 0.1) return "1/" + num(1 / r, 0);
  return num(r, 2) + "×";
}

std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::string s = "|";
  for (auto& h : head) s += " " + h + " |";
  s += "\n|";
  for (std::size_t i = 0; i < head.size(); ++i) s += "---|";
  s += "\n";
  for (auto& r : rows) {
    s += "|";
    for (auto& c : r) s += " " + c + " |";
    s += "\n";
  }
  return s;
}

namespace {
Clock::time_point runStart() {
  static const Clock::time_point start = Clock::now();
  return start;
}
}  // namespace

double runSeconds() { return msSince(runStart()) / 1000; }

void say(const std::string& line) { std::cerr << format("[{:6.1f}s] {}\n", runSeconds(), line); }

}  // namespace bench
