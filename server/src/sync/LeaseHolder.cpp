#include "sync/LeaseHolder.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace aieditor::server {

namespace {

struct ProcessStat {
  char state = '?';
  std::int64_t started = 0;  ///< clock ticks after boot
};

/// /proc/PID/stat's state (field 3) and start time (field 22); nullopt when unreadable.
std::optional<ProcessStat> statOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces or ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  ProcessStat stat;
  std::string skipped;
  fields >> stat.state;
  for (int field = 4; field < 22; ++field) fields >> skipped;
  if (!(fields >> stat.started)) return std::nullopt;
  return stat;
}

/// The boot id and pid namespace; "" when either cannot be read (no /proc).
std::string thisMachine() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string boot;
  std::getline(in, boot);
  std::error_code error;
  const std::string pids = std::filesystem::read_symlink("/proc/self/ns/pid", error).string();
  if (boot.empty() || error || pids.empty()) return "";
  return boot + " " + pids;
}

struct ThisProcess {
  std::int64_t pid = ::getpid();
  std::int64_t started = statOf("self").value_or(ProcessStat{}).started;
  std::string machine = started > 0 ? thisMachine() : "";
};

const ThisProcess& thisProcess() {
  static const ThisProcess process;
  return process;
}

}  // namespace

PushLease leaseOf(std::string holder, Timestamp until) {
  const ThisProcess& self = thisProcess();
  return PushLease{std::move(holder), self.pid, self.started, self.machine, until};
}

bool holderEnded(const PushLease& lease) {
  if (lease.machine.empty() || lease.machine != thisProcess().machine || lease.pid <= 0 ||
      lease.pid > std::numeric_limits<pid_t>::max())
    return false;
  // kill(pid, 0) tells a free pid apart from another user's process (EPERM),
  // which /proc may hide.
  if (::kill(static_cast<pid_t>(lease.pid), 0) != 0) return errno == ESRCH;
  const auto stat = statOf(std::to_string(lease.pid));
  if (!stat) return false;
  return stat->state == 'Z' || stat->state == 'X' || stat->started != lease.started;
}

}  // namespace aieditor::server
