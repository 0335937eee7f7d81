#include "sync/SyncSettings.h"

#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "providers/Providers.h"
#include "sync/Credentials.h"

namespace aieditor::server {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::expected<std::optional<SyncSettings>, std::string> syncSettings(const protocol::InitializationOptions& options) {
  SyncSettings settings;
  std::string source;
  if (options.sync.url) {
    settings.url = *options.sync.url;
    source = "initializationOptions.sync.url";
  } else if (std::string e = env("AIEDITOR_SYNC_URL"); !e.empty()) {
    settings.url = e;
    source = "AIEDITOR_SYNC_URL";
  } else {
    auto file = readConfigFile();
    if (!file) return std::unexpected(file.error());
    const auto sync = file->find("sync");
    if (sync != file->end() && sync->is_object()) {
      const auto url = sync->find("url");
      if (url != sync->end() && !url->is_string())
        return std::unexpected("config file " + configFilePath() + ": sync.url: must be a string");
      if (url != sync->end()) settings.url = url->get<std::string>();
      source = "config file " + configFilePath() + ": sync.url";
    }
  }
  // The credentials file (a `sync login`) comes last for both.
  auto credentials = readCredentials();
  if (!credentials) return std::unexpected(credentials.error());
  if (settings.url.empty() && *credentials) {
    settings.url = (*credentials)->url;
    source = "credentials file " + credentialsPath() + ": url";
  }
  if (settings.url.empty()) return std::nullopt;
  if (!settings.url.starts_with("http://") && !settings.url.starts_with("https://"))
    return std::unexpected(source + ": must start with http:// or https://");
  settings.url = normalizedUrl(std::move(settings.url));
  settings.token = options.sync.token.value_or(env("AIEDITOR_SYNC_TOKEN"));
  if (const std::string retry = env("AIEDITOR_SYNC_RETRY_MS"); !retry.empty()) {
    std::int64_t ms = -1;
    const auto [end, ec] = std::from_chars(retry.data(), retry.data() + retry.size(), ms);
    if (ec != std::errc() || end != retry.data() + retry.size() || ms < 0 || ms > 86'400'000)
      return std::unexpected("AIEDITOR_SYNC_RETRY_MS: expected milliseconds from 0 to 86400000, got \"" + retry + "\"");
    settings.retryDelay = std::chrono::milliseconds(ms);
  }
  if (settings.token.empty() && *credentials && (*credentials)->url == settings.url)
    settings.token = (*credentials)->token;
  return settings;
}

}  // namespace aieditor::server
