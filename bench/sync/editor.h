// An aieditor server as a child process for the sync benchmark: its own
// database in the work folder, sync on (a backend URL and a sign-in token)
// or off, requests over its pipes, and every notification kept with the time
// it was read, so that a wait never misses one that came earlier.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "process.h"

namespace bench {

struct Notification {
  Clock::time_point at;  ///< when this program read it
  json message;
};

class Editor {
 public:
  /// `aieditor --db WORK/NAME.db`, initialized; sync with `url` as the holder
  /// of `token`, or off when `url` is empty. nullptr and `error` when it fails.
  static std::unique_ptr<Editor> start(const SyncConfig& cfg, const std::string& name, const std::string& url,
                                       const std::string& token, std::string& error);
  ~Editor();
  Editor(const Editor&) = delete;
  Editor& operator=(const Editor&) = delete;

  /// A request's result; nullopt and `error` on an error reply, or none within 60 s.
  std::optional<json> call(const std::string& method, const json& params, std::string& error);
  /// Reads until a notification `method` whose params satisfy `match` (kept
  /// ones from index `from` on first); nullopt and `error` after `timeoutMs`.
  std::optional<Notification> waitNotification(const std::string& method, const std::function<bool(const json&)>& match,
                                               std::size_t from, int timeoutMs, std::string& error);
  std::size_t notificationCount() const { return notifications_.size(); }
  Child& child() { return *child_; }
  std::int64_t& nextId() { return nextId_; }
  /// shutdown and exit, then waits for it (SIGKILL after 5 s).
  void stop();

 private:
  Editor() = default;
  void keep(const json& message);
  std::optional<Child> child_;
  std::int64_t nextId_ = 10;
  std::vector<Notification> notifications_;
};

}  // namespace bench
