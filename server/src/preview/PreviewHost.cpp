// Loading the preview module, the URL and its secret, and the data routes
// read from the preview's own connection, as JSON through the protocol's types.
#include "preview/PreviewHost.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/Log.h"
#include "common/Random.h"
#include "store/Store.h"

namespace aieditor::server {

using nlohmann::json;
namespace p = protocol;
using preview::PreviewReply;

namespace {

/// The folder of the running executable: the module and the built page sit beside it.
std::filesystem::path executableDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(".") : exe.parent_path();
}

std::string assetsDir() {
  if (const char* env = std::getenv("AIEDITOR_PREVIEW_ASSETS"); env && *env) return env;
  return (executableDir() / "preview-web").string();
}

/// AIEDITOR_PREVIEW_LOOK_MS: how often pages look for other processes'
/// writes (tests set it far off, to see that this process's wake them).
std::chrono::milliseconds lookAgain() {
  const char* env = std::getenv("AIEDITOR_PREVIEW_LOOK_MS");
  std::int64_t ms = 0;
  if (env && std::from_chars(env, env + std::strlen(env), ms).ec == std::errc() && ms > 0)
    return std::chrono::milliseconds(ms);
  return std::chrono::milliseconds(1000);
}

std::expected<preview::StartPreviewFn, std::string> loadModule() {
  const std::string path = (executableDir() / "aieditor-preview.so").string();
  // Kept loaded for the rest of the process: its threads end with the server.
  void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module) return std::unexpected(std::string("the preview module cannot be loaded: ") + dlerror());
  auto start = reinterpret_cast<preview::StartPreviewFn>(dlsym(module, preview::kStartPreviewSymbol));
  if (!start) return std::unexpected(path + " has no " + preview::kStartPreviewSymbol);
  return start;
}

PreviewReply error(int status, const std::string& message) { return {status, json{{"error", message}}.dump()}; }

/// A query parameter, or null when absent or empty.
const std::string* param(const std::map<std::string, std::string>& query, const char* name) {
  auto found = query.find(name);
  return found == query.end() || found->second.empty() ? nullptr : &found->second;
}

/// Percent-encodes a query value (ids are plain, but nothing is assumed).
std::string encoded(std::string_view value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

}  // namespace

std::expected<std::unique_ptr<PreviewHost>, std::string> PreviewHost::start(std::string databasePath,
                                                                            std::chrono::milliseconds busyTimeout) {
  auto startServer = loadModule();
  if (!startServer) return std::unexpected(startServer.error());
  auto secret = randomHex(32);
  if (!secret) return std::unexpected("the preview's secret: " + secret.error());
  std::unique_ptr<PreviewHost> host(new PreviewHost(std::move(databasePath), busyTimeout, std::move(*secret)));
  std::string why;
  preview::PreviewConfig config{.assetsDir = assetsDir(), .secret = host->secret_, .lookAgain = lookAgain()};
  host->server_.reset((*startServer)(config, *host, why));
  if (!host->server_) return std::unexpected(why);
  log::info("preview on 127.0.0.1:" + std::to_string(host->server_->port()));
  return host;
}

PreviewHost::PreviewHost(std::string databasePath, std::chrono::milliseconds busyTimeout, std::string secret)
    : databasePath_(std::move(databasePath)), busyTimeout_(busyTimeout), secret_(std::move(secret)) {}

PreviewHost::~PreviewHost() { server_.reset(); }

std::string PreviewHost::url(const p::PreviewOpenParams& params) const {
  std::string url =
      "http://127.0.0.1:" + std::to_string(server_->port()) + "/" + secret_ + "/?session=" + encoded(params.sessionId);
  if (params.componentId) url += "&component=" + encoded(*params.componentId);
  if (params.version) url += "&version=" + std::to_string(*params.version);
  return url;
}

void PreviewHost::sessionChanged(const std::string& sessionId) { server_->sessionChanged(sessionId); }

void PreviewHost::allowHost(const std::string& host) { server_->allowHost(host); }

PreviewReply PreviewHost::fetch(std::string_view route, const std::map<std::string, std::string>& query) {
  std::lock_guard lock(storeMutex_);
  if (!store_) {
    auto opened = Store::open(databasePath_, busyTimeout_);
    if (!opened) return error(503, "storage: " + opened.error().message);
    store_ = std::move(*opened);
  }
  if (!param(query, "session")) return error(400, "session: required: the id of a session");
  if (route == "component") return component(*store_, query);
  if (route == "versions") return versions(*store_, query);
  if (route == "state") return state(*store_, query);
  return error(404, "not found");
}

PreviewReply PreviewHost::component(Store& store, const std::map<std::string, std::string>& query) {
  const std::string& sessionId = *param(query, "session");
  std::string componentId;
  if (const std::string* given = param(query, "component")) {
    componentId = *given;
  } else {
    auto current = store.currentComponentId(sessionId);
    if (!current) return error(503, "storage: " + current.error().message);
    if (!*current) return error(404, "component: session " + sessionId + " has no component yet");
    componentId = **current;
  }
  std::optional<std::int64_t> version;
  if (const std::string* text = param(query, "version")) {
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (ec != std::errc() || end != text->data() + text->size() || number < 1)
      return error(400, "version: " + *text + " is not a version number (1 or more)");
    version = number;
  }
  auto found = store.getComponent(sessionId, componentId, version);
  if (!found) return error(503, "storage: " + found.error().message);
  if (!*found)
    return error(404, version ? "version: component " + componentId + " has no version " + std::to_string(*version)
                              : "component: no component " + componentId + " in session " + sessionId);
  return {200, p::toJSON(p::ComponentResult{std::move(**found)}).dump()};
}

PreviewReply PreviewHost::versions(Store& store, const std::map<std::string, std::string>& query) {
  const std::string* componentId = param(query, "component");
  if (!componentId) return error(400, "component: required: the id of a component");
  auto history = store.componentHistory(*param(query, "session"), *componentId);
  if (!history)
    return error(history.error().kind == StoreError::Kind::NotFound ? 404 : 503,
                 "component: " + history.error().message);
  json versions = json::array();
  for (const p::ComponentVersion& version : *history) {
    json entry = p::toJSON(version);
    entry.erase("jsx");
    entry.erase("css");
    versions.push_back(std::move(entry));
  }
  return {200, json{{"componentId", *componentId}, {"versions", std::move(versions)}}.dump()};
}

PreviewReply PreviewHost::state(Store& store, const std::map<std::string, std::string>& query) {
  const std::string& sessionId = *param(query, "session");
  auto current = store.currentComponentId(sessionId);
  if (!current) return error(503, "storage: " + current.error().message);
  auto components = store.listComponents(sessionId);
  if (!components) return error(503, "storage: " + components.error().message);
  json list = json::array();
  for (const p::Component& c : *components) list.push_back({{"id", c.id}, {"name", c.name}, {"version", c.version}});
  return {200, json{{"sessionId", sessionId},
                    {"currentComponentId", *current ? json(**current) : json(nullptr)},
                    {"components", std::move(list)}}
                   .dump()};
}

}  // namespace aieditor::server
