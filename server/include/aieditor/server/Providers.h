// Chooses and builds the AI provider from the client's options, the
// environment and the config file (highest first).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "aieditor/protocol/Protocol.h"
#include "aieditor/server/Provider.h"
#include "aieditor/server/Scheduler.h"

namespace aieditor::server {

/// The error names the bad setting, e.g. "initializationOptions.provider: ...".
std::expected<std::unique_ptr<Provider>, std::string> makeProvider(const protocol::InitializationOptions&,
                                                                  Scheduler&);

}  // namespace aieditor::server
