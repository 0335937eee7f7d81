#include "editor.h"

#include <filesystem>

namespace bench {

std::unique_ptr<Editor> Editor::start(const SyncConfig& cfg, const std::string& name, const std::string& url,
                                      const std::string& token, std::string& error) {
  // Its own configuration folder: no credentials or sync.url of this user's.
  const std::string config = cfg.work + "/" + name + ".config";
  std::filesystem::create_directories(config);
  std::map<std::string, std::string> env{
      {"AIEDITOR_LOG", "error"}, {"XDG_CONFIG_HOME", config}, {"AIEDITOR_SYNC_URL", ""}, {"AIEDITOR_SYNC_TOKEN", ""}};
  auto child =
      Child::spawn({cfg.server, "--db", cfg.work + "/" + name + ".db"}, env, cfg.work + "/" + name + ".stderr");
  if (!child) return error = "cannot spawn " + cfg.server, nullptr;
  std::unique_ptr<Editor> editor(new Editor);
  editor->child_ = std::move(child);
  json params{{"processId", nullptr}, {"capabilities", json::object()}};
  if (!url.empty()) params["initializationOptions"] = {{"sync", {{"url", url}, {"token", token}}}};
  if (!editor->call("initialize", params, error)) return error = name + ": " + error, nullptr;
  editor->child_->send(R"({"jsonrpc":"2.0","method":"initialized","params":{}})");
  return editor;
}

Editor::~Editor() { stop(); }

void Editor::keep(const json& message) {
  if (message.is_object() && message.contains("method") && !message.contains("id"))
    notifications_.push_back({Clock::now(), message});
}

std::optional<json> Editor::call(const std::string& method, const json& params, std::string& error) {
  const std::int64_t id = nextId_++;
  child_->send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
  auto reply = child_->awaitResponse(id, 60'000, [this](const json& other) { keep(other); });
  if (!reply) return error = method + ": no reply (" + child_->error + ")", std::nullopt;
  if (reply->contains("error")) return error = method + ": " + (*reply)["error"].dump(), std::nullopt;
  return (*reply)["result"];
}

std::optional<Notification> Editor::waitNotification(const std::string& method,
                                                     const std::function<bool(const json&)>& match, std::size_t from,
                                                     int timeoutMs, std::string& error) {
  auto matches = [&](const json& m) { return m["method"] == method && m.contains("params") && match(m["params"]); };
  for (std::size_t i = from; i < notifications_.size(); ++i)
    if (matches(notifications_[i].message)) return notifications_[i];
  std::optional<Notification> found;
  child_->pump(Clock::now() + std::chrono::milliseconds(timeoutMs), [&](const json& m) {
    keep(m);
    if (!matches(m)) return false;
    found = notifications_.back();
    return true;
  });
  if (!found) error = "no " + method + " notification as awaited (" + child_->error + ")";
  return found;
}

void Editor::stop() {
  if (!child_) return;
  child_->stop(true);
  child_.reset();
}

}  // namespace bench
