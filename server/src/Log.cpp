#include "aieditor/server/Log.h"

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
  std::cerr << "aieditor " << kNames[static_cast<int>(level)] << ": " << message << '\n';
}

}  // namespace aieditor::server::log
