// Chooses and builds the AI provider from the client's options, the
// environment and the config file (highest first); docs/providers.md.
#pragma once

#include <expected>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "aieditor/protocol/Protocol.h"
#include "providers/Provider.h"
#include "common/Scheduler.h"

namespace aieditor::server {

/// A provider picked by name (provider/set) instead of by the settings.
struct ProviderChoice {
  std::string provider;
  std::optional<std::string> model;
};

/// $XDG_CONFIG_HOME/aieditor (or ~/.config/aieditor): the config and credentials files' folder.
std::string configDirectory();
/// configDirectory()/config.json.
std::string configFilePath();

/// The config file's object, or {} when there is none; the error names the file.
std::expected<nlohmann::json, std::string> readConfigFile();

/// The error names the bad setting, e.g. "initializationOptions.provider: ...".
std::expected<std::unique_ptr<Provider>, std::string> makeProvider(const protocol::InitializationOptions&,
                                                                  Scheduler&,
                                                                  const std::optional<ProviderChoice>& = {});

/// Every provider, whether it is configured, and the active one.
protocol::ProviderListResult listProviders(const protocol::InitializationOptions&, const Provider& active);

}  // namespace aieditor::server
