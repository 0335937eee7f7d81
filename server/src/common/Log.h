// Logging to stderr only: stdout carries the protocol. Level from AIEDITOR_LOG
// (error, warn, info, debug; default warn).
#pragma once

#include <string_view>

namespace aieditor::server::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3 };

bool enabled(Level);
void write(Level, std::string_view message);
inline void error(std::string_view m) { write(Level::Error, m); }
inline void warn(std::string_view m) { write(Level::Warn, m); }
inline void info(std::string_view m) { write(Level::Info, m); }
inline void debug(std::string_view m) { write(Level::Debug, m); }

}  // namespace aieditor::server::log
