// Whether and where to sync: the team backend's URL and the sign-in token,
// from the client's initializationOptions, the environment, the config file
// and the credentials file (highest first). Sync is off unless a URL is configured.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>

#include "aieditor/protocol/Protocol.h"

namespace aieditor::server {

struct SyncSettings {
  std::string url;  ///< without a trailing slash
  /// The backend's sign-in (refresh) token; empty when none is configured
  /// (sync then waits for one: authRequired). Kept in memory only.
  std::string token;
  /// AIEDITOR_SYNC_RETRY_MS, a test hook: every retry (pushes and the event
  /// stream) waits exactly this long instead of the jittered backoff.
  std::optional<std::chrono::milliseconds> retryDelay;
};

/// nullopt when sync is not configured; the error names the bad setting.
/// URL: initializationOptions.sync.url, AIEDITOR_SYNC_URL, the config file's
/// sync.url, the credentials file's url. Token: initializationOptions.sync.token,
/// AIEDITOR_SYNC_TOKEN, the credentials file's token when its url is the URL.
std::expected<std::optional<SyncSettings>, std::string> syncSettings(const protocol::InitializationOptions&);

}  // namespace aieditor::server
