#include "providers/Providers.h"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aieditor/protocol/JsonText.h"
#include "providers/AnthropicProvider.h"
#include "common/Log.h"
#include "providers/CurlLibrary.h"
#include "providers/OfflineProvider.h"
#include "providers/OpenAiProvider.h"

namespace aieditor::server {

using nlohmann::json;

namespace {

constexpr const char* kAvailable = "offline, openai, anthropic";

struct Defaults {
  const char* name;
  const char* model;
  const char* baseUrl;
  const char* keyVariable;
};
constexpr Defaults kOpenAi{"openai", "gpt-4o-mini", "https://api.openai.com/v1", "OPENAI_API_KEY"};
constexpr Defaults kAnthropic{"anthropic", "claude-sonnet-4-20250514", "https://api.anthropic.com", "ANTHROPIC_API_KEY"};
/// The key for the provider the settings name, below initializationOptions.apiKey.
constexpr const char* kGenericKeyVariable = "AIEDITOR_API_KEY";

const Defaults* defaultsFor(std::string_view name) {
  if (name == kOpenAi.name) return &kOpenAi;
  if (name == kAnthropic.name) return &kAnthropic;
  return nullptr;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string fileString(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

/// A setting of the provider section `providers.<name>` in the config file.
std::string sectionString(const json& file, std::string_view name, const char* key) {
  auto providers = file.find("providers");
  if (providers == file.end() || !providers->is_object()) return "";
  auto section = providers->find(std::string(name));
  return section != providers->end() && section->is_object() ? fileString(*section, key) : "";
}

/// A whole number from the environment or the file, in [min, max].
std::expected<std::int64_t, std::string> number(const json& file, const char* variable, const char* key,
                                                std::int64_t fallback, std::int64_t min, std::int64_t max) {
  std::int64_t value = fallback;
  std::string where;
  if (std::string text = env(variable); !text.empty()) {
    char* end = nullptr;
    value = std::strtoll(text.c_str(), &end, 10);
    if (!end || *end) return std::unexpected(std::string(variable) + ": must be a whole number");
    where = variable;
  } else if (auto it = file.find(key); it != file.end()) {
    if (!it->is_number_integer()) return std::unexpected("config file " + configFilePath() + ": " + key + ": must be a whole number");
    value = it->get<std::int64_t>();
    where = "config file " + configFilePath() + ": " + key;
  }
  if (value < min || value > max)
    return std::unexpected(where + ": must be from " + std::to_string(min) + " to " + std::to_string(max));
  return value;
}

std::expected<HttpSettings, std::string> httpSettings(const json& file) {
  HttpSettings s;
  using std::chrono::milliseconds;
  auto attempts = number(file, "AIEDITOR_RETRY_ATTEMPTS", "retryAttempts", s.retryAttempts, 1, 10);
  if (!attempts) return std::unexpected(attempts.error());
  auto base = number(file, "AIEDITOR_RETRY_BASE_MS", "retryBaseMs", s.retryBaseDelay.count(), 0, 60'000);
  if (!base) return std::unexpected(base.error());
  auto connect = number(file, "AIEDITOR_CONNECT_TIMEOUT_MS", "connectTimeoutMs", s.connectTimeout.count(), 1, 600'000);
  if (!connect) return std::unexpected(connect.error());
  auto idle = number(file, "AIEDITOR_IDLE_TIMEOUT_MS", "idleTimeoutMs", s.idleTimeout.count(), 1, 3'600'000);
  if (!idle) return std::unexpected(idle.error());
  auto total = number(file, "AIEDITOR_TIMEOUT_MS", "timeoutMs", s.totalTimeout.count(), 1, 24 * 3'600'000);
  if (!total) return std::unexpected(total.error());
  s.retryAttempts = static_cast<int>(*attempts);
  s.retryBaseDelay = milliseconds(*base);
  s.connectTimeout = milliseconds(*connect);
  s.idleTimeout = milliseconds(*idle);
  s.totalTimeout = milliseconds(*total);
  return s;
}

/// Everything a provider is built from, with where its name came from.
struct Resolved {
  std::string provider;
  std::string providerSource;  ///< "initializationOptions.provider", "AIEDITOR_PROVIDER", ...
  EndpointConfig endpoint;
};

/// The settings for the provider the options name (or `choice`). The generic
/// model/baseUrl/apiKey settings belong to the provider the settings name;
/// a provider picked by provider/set uses its own section and defaults.
std::expected<Resolved, std::string> resolve(const protocol::InitializationOptions& options, const json& file,
                                             const std::optional<ProviderChoice>& choice) {
  Resolved r;
  const std::string filePath = "config file " + configFilePath();
  if (options.provider && !options.provider->empty()) {
    r.provider = *options.provider;
    r.providerSource = "initializationOptions.provider";
  } else if (std::string e = env("AIEDITOR_PROVIDER"); !e.empty()) {
    r.provider = e;
    r.providerSource = "AIEDITOR_PROVIDER";
  } else if (std::string f = fileString(file, "provider"); !f.empty()) {
    r.provider = f;
    r.providerSource = filePath + ": provider";
  } else {
    r.provider = "offline";
    r.providerSource = "the default";
  }
  const bool generic = !choice || choice->provider == r.provider;
  if (choice) {
    r.provider = choice->provider;
    r.providerSource = "params.provider";
  }
  const Defaults* defaults = defaultsFor(r.provider);
  if (!defaults) return r;  // offline, or unknown (the caller reports it)

  auto first = [](std::initializer_list<std::string> values) {
    for (const auto& v : values)
      if (!v.empty()) return v;
    return std::string();
  };
  EndpointConfig& e = r.endpoint;
  e.keySource = defaults->keyVariable;
  std::string model = generic ? first({options.model.value_or(""), env("AIEDITOR_MODEL"), fileString(file, "model")}) : "";
  if (choice && choice->model) model = *choice->model;
  e.model = first({model, sectionString(file, r.provider, "model"), defaults->model});
  std::string baseUrl =
      generic ? first({options.baseUrl.value_or(""), env("AIEDITOR_BASE_URL"), fileString(file, "baseUrl")}) : "";
  e.baseUrl = first({baseUrl, sectionString(file, r.provider, "baseUrl"), defaults->baseUrl});
  while (e.baseUrl.ends_with('/')) e.baseUrl.pop_back();
  // AIEDITOR_API_KEY stands where initializationOptions.apiKey does, for an
  // editor that keeps the key out of the initialize params (and so out of traces).
  e.apiKey = first({generic ? options.apiKey.value_or("") : "", generic ? env(kGenericKeyVariable) : "",
                    env(defaults->keyVariable)});
  // Every key the server knows, not only this provider's: an upstream may echo any of them.
  e.redactor = std::make_shared<const Redactor>(std::vector<std::string>{
      options.apiKey.value_or(""), env(kGenericKeyVariable), env(kOpenAi.keyVariable), env(kAnthropic.keyVariable)});
  return r;
}

bool isDefaultUrl(const Resolved& r) {
  const Defaults* d = defaultsFor(r.provider);
  return d && r.endpoint.baseUrl == d->baseUrl;
}

}  // namespace

std::string configDirectory() {
  if (std::string xdg = env("XDG_CONFIG_HOME"); !xdg.empty()) return xdg + "/aieditor";
  std::string home = env("HOME");
  return (home.empty() ? std::string(".") : home) + "/.config/aieditor";
}

std::string configFilePath() { return configDirectory() + "/config.json"; }

std::expected<json, std::string> readConfigFile() {
  const std::string path = configFilePath();
  std::ifstream in(path);
  if (!in) return json::object();
  std::stringstream text;
  text << in.rdbuf();
  json value;
  if (auto error = protocol::readJson(text.str(), value))
    return std::unexpected("config file " + path + ": not valid JSON: " + error->message);
  if (!value.is_object()) return std::unexpected("config file " + path + ": must hold a JSON object");
  return value;
}

std::expected<std::unique_ptr<Provider>, std::string> makeProvider(const protocol::InitializationOptions& options,
                                                                  Scheduler& scheduler,
                                                                  const std::optional<ProviderChoice>& choice) {
  auto file = readConfigFile();
  if (!file) return std::unexpected(file.error());
  auto resolved = resolve(options, *file, choice);
  if (!resolved) return std::unexpected(resolved.error());
  Resolved& r = *resolved;

  if (r.provider == "offline") {
    std::int64_t pause = options.offlineDelayMs.value_or(0);
    if (!options.offlineDelayMs) {
      if (const char* e = std::getenv("AIEDITOR_OFFLINE_DELAY_MS"); e && *e) pause = std::atoll(e);
    }
    if (pause < 0 || pause > 60000)
      return std::unexpected("initializationOptions.offlineDelayMs: must be from 0 to 60000");
    return std::make_unique<OfflineProvider>(scheduler, std::chrono::milliseconds(pause));
  }
  const Defaults* defaults = defaultsFor(r.provider);
  if (!defaults)
    return std::unexpected(r.providerSource + ": unknown provider \"" + r.provider + "\" (available: " + kAvailable + ")");
  if (!r.endpoint.baseUrl.starts_with("http://") && !r.endpoint.baseUrl.starts_with("https://"))
    return std::unexpected("baseUrl: must start with http:// or https:// (provider " + r.provider + ")");
  if (r.endpoint.apiKey.empty() && isDefaultUrl(r))
    return std::unexpected("provider " + r.provider + " needs an API key: set " + defaults->keyVariable +
                           " or initializationOptions.apiKey");
  auto http = httpSettings(*file);
  if (!http) return std::unexpected(http.error());
  if (auto curl = loadCurl(); !curl)
    return std::unexpected("provider " + r.provider + " cannot reach the network: " + curl.error());
  r.endpoint.http = *http;
  log::info("provider " + r.provider + ", model " + r.endpoint.model + ", base URL " + r.endpoint.baseUrl +
            (r.endpoint.apiKey.empty() ? ", no API key" : ", API key set"));
  if (r.provider == kOpenAi.name) return std::make_unique<OpenAiProvider>(scheduler, std::move(r.endpoint));
  return std::make_unique<AnthropicProvider>(scheduler, std::move(r.endpoint));
}

protocol::ProviderListResult listProviders(const protocol::InitializationOptions& options, const Provider& active) {
  protocol::ProviderListResult result;
  result.active = {active.name(), active.model()};
  json file = readConfigFile().value_or(json::object());
  result.providers.push_back({"offline", true, {"offline-1"}, std::nullopt});
  for (const Defaults* d : {&kOpenAi, &kAnthropic}) {
    auto r = resolve(options, file, ProviderChoice{d->name, std::nullopt});
    protocol::ProviderInfo info{d->name, false, {}, std::nullopt};
    if (r) {
      // The active provider reports what it runs with; the others what they would.
      info.models.push_back(active.name() == d->name ? active.model() : r->endpoint.model);
      info.baseUrl = r->endpoint.baseUrl;
      info.configured = !r->endpoint.apiKey.empty() || !isDefaultUrl(*r);
    }
    result.providers.push_back(std::move(info));
  }
  return result;
}

}  // namespace aieditor::server
