#include "aieditor/server/Providers.h"

#include <cstdlib>

#include "aieditor/server/OfflineProvider.h"

namespace aieditor::server {

std::expected<std::unique_ptr<Provider>, std::string> makeProvider(const protocol::InitializationOptions& options,
                                                                  Scheduler& scheduler) {
  std::string name = options.provider.value_or("");
  if (name.empty()) {
    const char* env = std::getenv("AIEDITOR_PROVIDER");
    name = env && *env ? env : "offline";
  }
  if (name != "offline")
    return std::unexpected("initializationOptions.provider: unknown provider \"" + name + "\" (available: offline)");

  std::int64_t pause = options.offlineDelayMs.value_or(0);
  if (!options.offlineDelayMs) {
    if (const char* env = std::getenv("AIEDITOR_OFFLINE_DELAY_MS"); env && *env) pause = std::atoll(env);
  }
  if (pause < 0 || pause > 60000)
    return std::unexpected("initializationOptions.offlineDelayMs: must be from 0 to 60000");
  return std::make_unique<OfflineProvider>(scheduler, std::chrono::milliseconds(pause));
}

}  // namespace aieditor::server
