// The one wall clock of the server (and of the backend, which links common/).
#pragma once

#include "aieditor/protocol/Protocol.h"

namespace aieditor::server {

/// Wall-clock now, in ms since the epoch, shifted by AIEDITOR_CLOCK_SKEW_MS
/// (signed milliseconds, read once; a test hook for a device whose clock is
/// wrong). Nothing that orders records may depend on it.
protocol::Timestamp now();

}  // namespace aieditor::server
