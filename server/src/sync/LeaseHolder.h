// The push lease's holder as a process on this machine. A lease names the
// process that took it: its pid, its start time (pids are reused) and the
// machine where that pid names it (the boot id and the pid namespace, so a
// database shared across machines or containers is never judged by a pid
// from elsewhere). A holder on this machine whose process has ended (killed,
// crashed) is not waited for until its lease expires.
#pragma once

#include <string>

#include "store/Store.h"

namespace aieditor::server {

/// The lease this process takes as `holder`, until `until`.
PushLease leaseOf(std::string holder, Timestamp until);

/// Whether `lease`'s holder ran on this machine and has ended: its pid is
/// free, names a process started at another time, or a zombie. False when
/// that cannot be known (another machine, a lease without its process).
bool holderEnded(const PushLease& lease);

}  // namespace aieditor::server
