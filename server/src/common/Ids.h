#pragma once

#include <string>

#include "aieditor/protocol/Protocol.h"
#include "common/Clock.h"

namespace aieditor::server {

/// A new UUIDv7: time-ordered, so ids sort roughly by creation.
std::string newId();

}  // namespace aieditor::server
