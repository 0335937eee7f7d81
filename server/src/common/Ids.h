#pragma once

#include <string>

#include "aieditor/protocol/Protocol.h"

namespace aieditor::server {

/// A new UUIDv7: time-ordered, so ids sort roughly by creation.
std::string newId();
/// Wall-clock now, in ms since the epoch.
protocol::Timestamp now();

}  // namespace aieditor::server
