// The real aieditor binary as a child process, spoken to over pipes with LSP
// framing. Waits are on condition variables fed by a reader thread; the time
// limits are only there so a broken server fails the test instead of hanging.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace aieditor::test {

using nlohmann::json;

/// A fresh temporary directory, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// ASAN_OPTIONS for a child whose resident memory a test measures: the
/// inherited options plus no quarantine, so memory freed goes back as in a
/// normal build instead of waiting for reuse (ignored outside ASan builds).
std::string asanOptionsWithoutQuarantine();

class ServerProcess {
 public:
  struct Options {
    std::vector<std::string> args;                   ///< after the binary, e.g. {"--db", path}
    std::map<std::string, std::string> environment;  ///< added to the inherited one
    bool framed = true;  ///< false: stdout is plain text (the CLI's commands)
    /// Runs in the child between fork and exec (async-signal-safe calls only),
    /// e.g. to drop privileges so that file permissions apply.
    std::function<void()> beforeExec = nullptr;
    /// The executable; empty: the tier's AIEDITOR_BINARY.
    std::string binary = {};
  };
  explicit ServerProcess(Options);
  ~ServerProcess();

  /// initialize + initialized; returns the initialize result.
  json initialize(const json& initializationOptions);
  /// Sends a request and waits for its response object (with result or error).
  json call(const std::string& method, const json& params);
  /// The result of a call that must succeed (fails the test otherwise).
  json ok(const std::string& method, const json& params);
  /// The error object of a call that must fail.
  json error(const std::string& method, const json& params);
  /// Sends a request without waiting; returns its id.
  long send(const std::string& method, const json& params);
  json waitResponse(long id);
  /// Whether the response to `id` has arrived (it stays to be waited for).
  bool hasResponse(long id);
  json waitResponse(const json& id);
  /// The response to `id`, or nothing once the process has closed its output
  /// (or the safety limit passed) without one; never fails the test.
  std::optional<json> tryWaitResponse(long id);
  void notify(const std::string& method, const json& params);
  void writeRaw(const std::string& bytes);
  /// A whole frame, as sent.
  void writeFrame(const std::string& body);

  /// Waits for the first notification after `from` (an index into all
  /// notifications) with this method that satisfies `match`.
  json waitNotification(const std::string& method, const std::function<bool(const json&)>& match = {},
                        std::size_t from = 0, std::size_t* index = nullptr);
  std::vector<json> notifications(const std::string& method);
  std::size_t notificationCount();
  /// Waits for any frame that is not a notification or a known id (e.g. a batch).
  json waitOther();

  /// Plain-text mode: waits until stdout contains `needle`; all of it so far.
  std::string waitForOutput(const std::string& needle);
  std::string output();
  /// Waits until the process has closed stdout and stderr.
  void waitForEndOfOutput();
  void interrupt();

  void closeStdin();
  /// Waits for the process to end and its output to be read; its exit code
  /// (or 128+signal).
  int wait();
  void kill9();
  pid_t pid() const { return pid_; }
  std::string stderrText();

 private:
  void readLoop();
  /// Waits until `ready` holds (under the lock); false on the safety limit.
  bool waitUntil(const std::function<bool()>& ready);

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  std::thread reader_, errReader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  // Frame bodies as received (JSON text keeps json.hpp out of this header).
  std::map<std::string, std::string> responses_;  ///< by id JSON text
  std::vector<std::string> notifications_;
  std::vector<std::string> others_;
  std::string stderr_;
  bool framed_ = true;
  std::string raw_;  ///< stdout as text, when not framed
  bool eof_ = false;
  bool errEof_ = false;
  long nextId_ = 1;
  std::optional<int> exitCode_;
};

/// Starts a server on `db` (which makes the file), runs `prepare` against it,
/// and ends it cleanly with shutdown and exit: a database left as a user's.
void prepareDatabase(const std::string& db, const std::function<void(ServerProcess&)>& prepare);

/// A server on a fresh database in a temporary directory, initialized.
struct ServerFixture {
  TempDir dir;
  ServerProcess server{{{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}}};
  ServerFixture();
};

}  // namespace aieditor::test
