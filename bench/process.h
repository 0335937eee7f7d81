// The servers as child processes, spoken to over pipes with LSP
// Content-Length framing, exactly as an editor does. Every read waits at most
// its timeout; a global alarm ends the run and every child's process group.
#pragma once

#include <sys/types.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stats.h"

namespace bench {

using json = nlohmann::json;

/// A body with its Content-Length header.
std::string frame(std::string_view body);
/// VmRSS of /proc/PID/status, or -1.
long rssKiB(pid_t pid);
/// After `seconds`, kills every child's process group and exits with 3.
void limitRunTime(unsigned seconds);

/// One child process and its two pipes; also the driver's own stdio (onStdio)
/// in its echo and relay modes.
struct Child {
  pid_t pid = -1;
  int in = -1;   ///< the child's stdin (we write)
  int out = -1;  ///< the child's stdout (we read)
  std::string rbuf;
  std::string error;  ///< why the last read failed

  /// posix_spawn in its own process group, stderr appended to `stderrPath`.
  static std::optional<Child> spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                    const std::string& stderrPath);
  /// Frames read from stdin, written to stdout.
  static Child onStdio();

  bool writeAll(std::string_view data);
  bool send(std::string_view body) { return writeAll(frame(body)); }

  /// A complete frame from rbuf, if one is there.
  std::optional<std::string> takeFrame();
  /// Reads what is available (waiting at most timeoutMs). False on EOF/timeout.
  bool fill(int timeoutMs);
  std::optional<std::string> readFrame(int timeoutMs);

  /// Hands each message to `handle` until it returns true; false (and
  /// `error`) on EOF or when the deadline passes first. A request from the
  /// server (copilot asks for configuration) is answered with null first.
  bool pump(Clock::time_point deadline, const std::function<bool(const json&)>& handle);
  /// Waits for the response with this id; `onOther` sees every other message.
  std::optional<json> awaitResponse(std::int64_t id, int timeoutMs, const std::function<void(const json&)>& onOther = {});

  /// Ends the child: a polite shutdown/exit when asked, then SIGKILL to its group.
  void stop(bool polite);
};

struct Started {
  std::optional<Child> child;
  double initMs = NAN;  ///< spawn → parsed initialize response
  long rss = -1;        ///< right after it
  json result;
  std::string error;
};

/// Spawns and initializes (then sends initialized); the clock runs from just
/// before spawn to the parsed initialize response.
Started start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, const json& params,
              const std::string& stderrPath, int timeoutMs);

}  // namespace bench
