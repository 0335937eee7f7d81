#include "common/Log.h"

#include <cstdlib>
#include <iostream>
#include <string>

namespace aieditor::server::log {
namespace {

Level configuredLevel() {
  const char* env = std::getenv("AIEDITOR_LOG");
  const std::string value = env ? env : "";
  if (value == "error") return Level::Error;
  if (value == "info") return Level::Info;
  if (value == "debug" || value == "trace") return Level::Debug;
  return Level::Warn;
}

constexpr const char* kNames[] = {"error", "warn", "info", "debug"};

}  // namespace

bool enabled(Level level) {
  static const Level threshold = configuredLevel();
  return level <= threshold;
}

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  // One write per line, so readers of stderr never see half a line.
  std::string line = std::string("aieditor ") + kNames[static_cast<int>(level)] + ": ";
  line.append(message);
  line += '\n';
  std::cerr.write(line.data(), static_cast<std::streamsize>(line.size()));
}

}  // namespace aieditor::server::log
