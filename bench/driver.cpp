// Benchmark driver for aieditor (see bench/run.sh and issue 6).
//
// It spawns the servers as child processes and talks to them over pipes with
// LSP Content-Length framing, exactly as an editor does. Every figure is
// measured in this one run next to its reference; nothing here asserts a time.
//
//   driver --server BIN [--copilot BIN] [--node BIN --reference JS]
//          --work DIR --out FILE --command TEXT [--smoke]
//   driver --echo                 framed echo on stdio (the pipe floor)
//   driver --relay PORT           the C++ relay floor: chat/send → fake upstream → chat/delta
//
// Every wait is bounded: a reply that does not come within its timeout ends
// that measurement (recorded as failed), and a global alarm ends the run.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "upstream.h"  // the fake OpenAI upstream and the relay's HTTP client

extern char** environ;

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;


// g++ 12 has no <format>: a small stand-in. "{}" formats any argument;
// "{:SPEC}" passes SPEC to printf (e.g. {:.1f}, {:6.1f}, {:012d}).
template <class T>
std::string fmtOne(std::string_view spec, const T& v) {
  char buf[128];
  if constexpr (std::is_convertible_v<T, std::string_view>) {
    return std::string(std::string_view(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    std::string f = "%" + std::string(spec.empty() ? "g" : spec);
    std::snprintf(buf, sizeof buf, f.c_str(), static_cast<double>(v));
    return buf;
  } else {
    std::string f = "%" + std::string(spec.empty() ? "d" : spec);
    f.insert(f.size() - 1, "ll");
    std::snprintf(buf, sizeof buf, f.c_str(), static_cast<long long>(v));
    return buf;
  }
}

inline void fmtRest(std::string& out, std::string_view f) { out += f; }

template <class T, class... Rest>
void fmtRest(std::string& out, std::string_view f, const T& v, const Rest&... rest) {
  auto open = f.find('{');
  auto close = f.find('}', open);
  out += f.substr(0, open);
  std::string_view spec = f.substr(open + 1, close - open - 1);
  if (spec.starts_with(':')) spec.remove_prefix(1);
  out += fmtOne(spec, v);
  fmtRest(out, f.substr(close + 1), rest...);
}

template <class... Args>
std::string format(std::string_view f, const Args&... args) {
  std::string out;
  fmtRest(out, f, args...);
  return out;
}

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string frame(std::string_view body) { return format("Content-Length: {}\r\n\r\n{}", body.size(), body); }

// ---------------------------------------------------------------- statistics

struct Stats {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  bool empty() const { return v.empty(); }
  std::size_t n() const { return v.size(); }
  double pct(double p) const {  // nearest rank
    if (v.empty()) return NAN;
    auto s = v;
    std::ranges::sort(s);
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
    return s[std::clamp<std::size_t>(rank, 1, s.size()) - 1];
  }
  double median() const { return pct(50); }
};

// ---------------------------------------------------------------- children

std::vector<pid_t> g_children;  // process groups to end if the run times out

void onAlarm(int) {
  for (pid_t p : g_children) ::kill(-p, SIGKILL);
  const char msg[] = "\nbench: global time limit reached; children killed\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(3);
}

long rssKiB(pid_t pid) {
  std::ifstream in(format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

struct Child {
  pid_t pid = -1;
  int in = -1;   // child's stdin (we write)
  int out = -1;  // child's stdout (we read)
  std::string rbuf;
  std::string error;  // why the last read failed

  static std::optional<Child> spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                    const std::string& stderrPath) {
    int inPipe[2], outPipe[2];
    if (::pipe2(inPipe, O_CLOEXEC) != 0 || ::pipe2(outPipe, O_CLOEXEC) != 0) return std::nullopt;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, inPipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, stderrPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);

    std::map<std::string, std::string> all;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) all[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (auto& [k, v] : env) all[k] = v;
    std::vector<std::string> envStrings;
    for (auto& [k, v] : all) envStrings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : envStrings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argvCopy = argv;
    for (auto& s : argvCopy) args.push_back(s.data());
    args.push_back(nullptr);

    Child c;
    int rc = posix_spawn(&c.pid, args[0], &fa, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(inPipe[0]);
    ::close(outPipe[1]);
    if (rc != 0) {
      ::close(inPipe[1]);
      ::close(outPipe[0]);
      return std::nullopt;
    }
    g_children.push_back(c.pid);
    c.in = inPipe[1];
    c.out = outPipe[0];
    return c;
  }

  bool writeAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(in, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {
          pollfd p{in, POLLOUT, 0};
          ::poll(&p, 1, 1000);
          continue;
        }
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool send(std::string_view body) { return writeAll(frame(body)); }

  /// A complete frame from rbuf, if one is there.
  std::optional<std::string> takeFrame() {
    auto end = rbuf.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    std::size_t len = 0;
    bool found = false;
    std::istringstream headers(rbuf.substr(0, end));
    std::string line;
    while (std::getline(headers, line)) {
      std::string lower = line;
      std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.starts_with("content-length:")) {
        len = std::strtoull(line.c_str() + 15, nullptr, 10);
        found = true;
      }
    }
    if (!found) {  // should not happen; skip the header block
      rbuf.erase(0, end + 4);
      return takeFrame();
    }
    if (rbuf.size() < end + 4 + len) return std::nullopt;
    std::string body = rbuf.substr(end + 4, len);
    rbuf.erase(0, end + 4 + len);
    return body;
  }

  /// Reads what is available (waiting at most timeoutMs). False on EOF/timeout.
  bool fill(int timeoutMs) {
    pollfd p{out, POLLIN, 0};
    int r = ::poll(&p, 1, timeoutMs);
    if (r == 0) {
      error = "timeout";
      return false;
    }
    if (r < 0) return errno == EINTR;
    char buf[1 << 16];
    ssize_t n = ::read(out, buf, sizeof buf);
    if (n <= 0) {
      error = "server closed its stdout";
      return false;
    }
    rbuf.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  std::optional<std::string> readFrame(int timeoutMs) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
      if (auto f = takeFrame()) return f;
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (left <= 0) {
        error = "timeout";
        return std::nullopt;
      }
      if (!fill(left)) return std::nullopt;
    }
  }

  /// Waits for the response with this id, skipping notifications; `onOther`
  /// sees every other message.
  std::optional<json> awaitResponse(std::int64_t id, int timeoutMs,
                                    const std::function<void(const json&)>& onOther = {}) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      auto f = readFrame(std::max(left, 1));
      if (!f) return std::nullopt;
      json j = json::parse(*f, nullptr, false);
      if (j.is_object() && j.contains("id") && !j.contains("method") && j["id"].is_number() && j["id"] == id) return j;
      if (j.is_object() && j.contains("id") && j.contains("method") && !j["id"].is_null()) {
        // A request from the server (copilot asks for configuration): answer null.
        send(json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", nullptr}}.dump());
      }
      if (onOther) onOther(j);
    }
  }

  /// Ends the child: a polite shutdown/exit when asked, then SIGKILL to its group.
  void stop(bool polite) {
    if (pid <= 0) return;
    if (polite) {
      send(R"({"jsonrpc":"2.0","id":999999999,"method":"shutdown"})");
      awaitResponse(999999999, 5000);
      send(R"({"jsonrpc":"2.0","method":"exit"})");
    }
    ::close(in);
    in = -1;
    int status = 0;
    auto deadline = Clock::now() + std::chrono::seconds(polite ? 5 : 0);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(-pid, SIGKILL);  // anything the child left in its group
    std::erase(g_children, pid);
    ::close(out);
    out = -1;
    pid = -1;
  }
};

// ---------------------------------------------------------------- echo / relay modes

int echoMain() {
  Child self;
  self.out = STDIN_FILENO;
  self.in = STDOUT_FILENO;
  for (;;) {
    auto f = self.readFrame(60000);
    if (!f) return 0;
    // Answer like a server: the same id, a result of comparable size.
    auto idPos = f->find("\"id\":");
    std::string id = "0";
    if (idPos != std::string::npos) id = f->substr(idPos + 5, f->find_first_of(",}", idPos) - idPos - 5);
    std::string reply = R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + *f + "}";
    if (!self.writeAll(frame(reply))) return 0;
  }
}

/// The floor of the streaming metric: a trivial C++ chat server. For each
/// framed request it streams from the fake upstream over loopback TCP, writes
/// each chunk's content as a framed chat/delta at once, then answers.
int relayMain(int port) {
  Child self;
  self.out = STDIN_FILENO;
  self.in = STDOUT_FILENO;
  for (;;) {
    auto f = self.readFrame(60000);
    if (!f) return 0;
    json request = json::parse(*f, nullptr, false);
    json id = request.is_object() ? request.value("id", json()) : json();
    std::string error;
    bool ok = bench::streamCompletion(port, [&](const std::string& text) {
      self.send(json{{"jsonrpc", "2.0"}, {"method", "chat/delta"},
                     {"params", {{"sessionId", "relay"}, {"messageId", "relay-reply"}, {"delta", text}}}}.dump());
    }, 30000, error);
    json reply = {{"jsonrpc", "2.0"}, {"id", id}};
    if (ok) reply["result"] = json::object();
    else reply["error"] = {{"code", -32003}, {"message", error}};
    if (!self.send(reply.dump())) return 0;
  }
}

// ---------------------------------------------------------------- configuration

struct Config {
  bool smoke = false;
  std::string self, server, copilot, node, reference, work, out, command;
  // sizes
  std::vector<long> sizes;  // session sizes for the round trip (ascending)
  int rttSamples = 0;       // sequential adds per size
  int thrCount = 0;         // pipelined adds per size
  int window = 1000;        // requests in flight
  int coldRuns = 0, copilotRuns = 0, openRuns = 0;
  double refCapSeconds = 0;  // time cap per reference measurement
  int streams = 0;           // replies from the fake upstream, to aieditor and as many to the relay floor
  int streamChunks = 0;      // content chunks per reply
  int chunkPauseMs = 2;      // between chunks, so each goes out alone
};

std::string content(long i) {
  return format(
      "Message {}: make the pricing card's header a little darker, add a subscribe button under the three tiers "
      "and keep the layout responsive on small screens.",
      i);
}

std::string addRequest(std::int64_t id, const std::string& session, long i) {
  json j = {{"jsonrpc", "2.0"},
            {"id", id},
            {"method", "messages/add"},
            {"params",
             {{"sessionId", session}, {"message", {{"role", i % 2 ? "assistant" : "user"}, {"content", content(i)}}}}}};
  return j.dump();
}

json initializeParams(const std::string& db) {
  json p = {{"processId", ::getpid()}, {"clientInfo", {{"name", "aieditor-bench"}, {"version", "1"}}},
            {"capabilities", json::object()}};
  if (!db.empty()) p["initializationOptions"] = {{"databasePath", db}};
  return p;
}

struct Started {
  std::optional<Child> child;
  double initMs = NAN;
  long rss = -1;
  json result;
  std::string error;
};

/// Spawns and initializes; the clock runs from just before spawn to the
/// parsed initialize response.
Started start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, const json& params,
              const std::string& stderrPath, int timeoutMs) {
  Started s;
  auto t0 = Clock::now();
  s.child = Child::spawn(argv, env, stderrPath);
  if (!s.child) {
    s.error = "spawn failed: " + argv[0];
    return s;
  }
  s.child->send(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", params}}.dump());
  auto r = s.child->awaitResponse(1, timeoutMs);
  if (!r) {
    s.error = "no initialize response (" + s.child->error + ")";
    s.child->stop(false);
    s.child.reset();
    return s;
  }
  s.initMs = msSince(t0);
  s.rss = rssKiB(s.child->pid);
  if (r->contains("error")) {
    s.error = "initialize error: " + (*r)["error"].dump();
  } else {
    s.result = (*r)["result"];
  }
  s.child->send(R"({"jsonrpc":"2.0","method":"initialized","params":{}})");
  return s;
}

/// Spawn → initialize response, `runs` times after one uncounted run; the
/// median RSS after initialize, the server's version, or why it failed.
struct ColdStart {
  Stats times;
  long rssMedian = -1;
  std::string version, error;
};

ColdStart measureColdStart(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                           const json& params, const std::string& stderrPath, int timeoutMs, int runs,
                           bool graceful) {
  ColdStart out;
  std::vector<long> rss;
  for (int i = 0; i <= runs; ++i) {
    auto s = start(argv, env, params, stderrPath, timeoutMs);
    if (!s.child || !s.error.empty()) {
      out.error = s.error;
      if (s.child) s.child->stop(false);
      break;
    }
    if (i > 0) {
      out.times.add(s.initMs);
      rss.push_back(s.rss);
    }
    out.version = s.result.value("/serverInfo/version"_json_pointer, std::string{});
    s.child->stop(graceful);
  }
  std::ranges::sort(rss);
  if (!rss.empty()) out.rssMedian = rss[rss.size() / 2];
  return out;
}

// ---------------------------------------------------------------- measurements

struct Pipelined {
  long done = 0, errors = 0;
  double seconds = 0;
  std::string firstError;
  double rate() const { return seconds > 0 ? static_cast<double>(done) / seconds : NAN; }
};

/// `total` requests, at most `window` in flight; ids from nextId up.
Pipelined pipeline(Child& c, long total, int window, std::int64_t& nextId,
                   const std::function<std::string(std::int64_t id, long i)>& make, int stallTimeoutMs) {
  Pipelined r;
  int flags = ::fcntl(c.in, F_GETFL);
  ::fcntl(c.in, F_SETFL, flags | O_NONBLOCK);
  std::string out;
  long sent = 0;
  auto t0 = Clock::now();
  while (r.done < total) {
    while (sent < total && sent - r.done < window && out.size() < (1 << 16)) {
      out += frame(make(nextId++, sent));
      ++sent;
    }
    pollfd p[2] = {{c.out, POLLIN, 0}, {c.in, static_cast<short>(out.empty() ? 0 : POLLOUT), 0}};
    int n = ::poll(p, 2, stallTimeoutMs);
    if (n == 0) {
      r.firstError = r.firstError.empty() ? "stalled: no progress for " + std::to_string(stallTimeoutMs) + " ms" : r.firstError;
      break;
    }
    if (n < 0) continue;
    if (!out.empty() && (p[1].revents & (POLLOUT | POLLERR))) {
      ssize_t w = ::write(c.in, out.data(), out.size());
      if (w > 0) out.erase(0, static_cast<std::size_t>(w));
      else if (w < 0 && errno != EAGAIN && errno != EINTR) {
        r.firstError = "write failed";
        break;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP)) {
      if (!c.fill(0)) {
        r.firstError = "server closed its stdout";
        break;
      }
      while (auto f = c.takeFrame()) {
        json j = json::parse(*f, nullptr, false);
        if (!j.is_object() || !j.contains("id") || j.contains("method")) continue;
        ++r.done;
        if (j.contains("error")) {
          ++r.errors;
          if (r.firstError.empty()) r.firstError = j["error"].dump();
        }
      }
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ::fcntl(c.in, F_SETFL, flags);
  return r;
}

struct Sequential {
  Stats ms;
  long errors = 0;
  std::string firstError;
};

/// Up to `count` sequential round trips, stopping early after capSeconds.
Sequential sequential(Child& c, int count, double capSeconds, std::int64_t& nextId,
                      const std::function<std::string(std::int64_t id, long i)>& make, int timeoutMs,
                      const std::function<void()>& between = {}) {
  Sequential s;
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (capSeconds > 0 && i >= 5 && msSince(start) > capSeconds * 1000) break;
    std::int64_t id = nextId++;
    std::string body = make(id, i);
    auto t0 = Clock::now();
    c.send(body);
    auto r = c.awaitResponse(id, timeoutMs);
    double ms = msSince(t0);
    if (!r) {
      s.firstError = "no response (" + c.error + ")";
      ++s.errors;
      break;
    }
    if (r->contains("error")) {
      ++s.errors;
      if (s.firstError.empty()) s.firstError = (*r)["error"].dump();
    }
    s.ms.add(ms);
    if (between) between();  // untimed: e.g. a floor sample, interleaved
  }
  return s;
}

// ---------------------------------------------------------------- streaming

struct Streamed {
  Stats all;   // every chunk
  Stats last;  // the last chunk of each reply: it races the end of the reply (the save)
};

/// One reply streamed from the fake upstream: sends `chat/send` and, for each
/// chunk marker in each `chat/delta`, records its arrival minus the upstream's
/// write() of that chunk (merged chunks each get their own sample). Returns
/// why it failed, or "".
std::string streamOnce(Child& c, bench::FakeUpstream& up, std::int64_t id, const std::string& session, int chunks,
                       Streamed& out) {
  std::vector<std::pair<int, Clock::time_point>> arrivals;
  c.send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "chat/send"},
              {"params", {{"sessionId", session}, {"text", "A pricing card with three tiers"}}}}.dump());
  auto r = c.awaitResponse(id, 60000, [&](const json& j) {
    if (!j.is_object() || j.value("method", "") != "chat/delta") return;
    auto now = Clock::now();
    for (int m : bench::findMarkers(j.value("/params/delta"_json_pointer, std::string{}))) arrivals.emplace_back(m, now);
  });
  if (!r || r->contains("error")) return r ? r->dump().substr(0, 300) : "no chat/send response (" + c.error + ")";
  auto sent = up.takeStream(10000);
  if (!sent) return "the fake upstream finished no stream " + up.error();
  for (auto [m, t] : arrivals)
    if (m >= 0 && static_cast<std::size_t>(m) < sent->size() && (*sent)[m] != Clock::time_point{}) {
      double ms = std::chrono::duration<double, std::milli>(t - (*sent)[m]).count();
      out.all.add(ms);
      if (m == chunks - 1) out.last.add(ms);
    }
  if (arrivals.size() != static_cast<std::size_t>(chunks)) return format("{} of {} chunk markers arrived", arrivals.size(), chunks);
  return "";
}

// ---------------------------------------------------------------- floors

struct Floors {
  Stats pipe, fdatasync, sqlite;
};

/// The floor: a C++ echo over a pipe (same framing, same request), one
/// SQLite INSERT+COMMIT (WAL, synchronous=FULL, warmed up: its WAL has wrapped
/// once, so commits overwrite it instead of growing it), and, as the disk's
/// own minimum, one fdatasync of a 200-byte overwrite (no size change, so no
/// metadata to write), all on the same disk
/// as the servers' files. A sample takes one of each, so the floor can be
/// interleaved with a measurement and see the same disk: a virtual or shared
/// disk's latency drifts within a run.
class FloorProbe {
 public:
  explicit FloorProbe(const Config& cfg) : work_(cfg.work) {
    echo_ = Child::spawn({cfg.self, "--echo"}, {}, cfg.work + "/echo.stderr");
    fd_ = ::open((work_ + "/fdatasync.probe").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd_ >= 0) {  // allocated and synced once: the samples overwrite it
      const std::string block(4096, 'r');
      (void)!::write(fd_, block.data(), block.size());
      ::fsync(fd_);
    }
    std::string path = work_ + "/floor.db";
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
    if (sqlite3_open(path.c_str(), &db_) == SQLITE_OK) {
      sqlite3_exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                        "CREATE TABLE m(seq INTEGER PRIMARY KEY, session_id TEXT, content TEXT)", nullptr, nullptr, nullptr);
      sqlite3_prepare_v2(db_, "INSERT INTO m(session_id, content) VALUES('floor', ?1)", -1, &insert_, nullptr);
      // Past the first checkpoint (1000 WAL pages): from then on the WAL is
      // reused, the steady state. While a WAL grows, each sync also writes
      // the file's new size.
      for (int i = 0; i < 1100 && insert_; ++i) commitOne();
    }
  }
  ~FloorProbe() {
    if (echo_) echo_->stop(false);
    if (fd_ >= 0) ::close(fd_);
    fs::remove(work_ + "/fdatasync.probe");
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(work_ + "/floor.db" + suffix);
  }
  FloorProbe(const FloorProbe&) = delete;
  FloorProbe& operator=(const FloorProbe&) = delete;

  void sample(Floors& f) {
    if (echo_) {
      auto s = sequential(*echo_, 1, 0, id_, [](std::int64_t id, long i) { return addRequest(id, "floor", i); }, 10000);
      if (!s.ms.empty()) f.pipe.add(s.ms.v[0]);
    }
    if (fd_ >= 0) {
      static const std::string rec(200, 'r');
      (void)!::pwrite(fd_, rec.data(), rec.size(), 0);
      auto t0 = Clock::now();
      ::fdatasync(fd_);
      f.fdatasync.add(msSince(t0));
    }
    if (insert_) {
      auto t0 = Clock::now();
      commitOne();
      f.sqlite.add(msSince(t0));
    }
  }

 private:
  void commitOne() {
    std::string c = content(n_++);
    sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_text(insert_, 1, c.c_str(), static_cast<int>(c.size()), SQLITE_TRANSIENT);
    sqlite3_step(insert_);
    sqlite3_reset(insert_);
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }

  std::string work_;
  std::optional<Child> echo_;
  int fd_ = -1;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::int64_t id_ = 1;
  long n_ = 0;
};

// ---------------------------------------------------------------- machine

std::string sh(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "unknown";
}

// ---------------------------------------------------------------- formatting

std::string num(double x, int prec = 2) {
  if (std::isnan(x)) return "n/a";
  if (std::abs(x) >= 1000) {
    std::string s = format("{:.0f}", x);
    for (int i = static_cast<int>(s.size()) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, x);
  return buf;
}
std::string ms(double x) { return std::isnan(x) ? "n/a" : num(x, x < 1 ? 3 : 2) + " ms"; }
std::string mib(long kib) { return kib < 0 ? "n/a" : num(static_cast<double>(kib) / 1024.0, 1) + " MiB"; }
std::string ratio(double a, double b) {
  if (std::isnan(a) || std::isnan(b) || a < 0 || b <= 0) return "n/a";
  double r = a / b;
  if (r > 0 && r < 0.1) return "1/" + num(1 / r, 0);
  return num(r, 2) + "×";
}

struct Row {
  std::string metric, value, reference, ratio, target, met;
};

std::string table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::string s = "|";
  for (auto& h : head) s += " " + h + " |";
  s += "\n|";
  for (std::size_t i = 0; i < head.size(); ++i) s += "---|";
  s += "\n";
  for (auto& r : rows) {
    s += "|";
    for (auto& c : r) s += " " + c + " |";
    s += "\n";
  }
  return s;
}

std::string metText(std::optional<bool> met) { return !met ? "n/a" : *met ? "**met**" : "not met"; }

// ---------------------------------------------------------------- the run

int run(const Config& cfg) {
  fs::create_directories(cfg.work);
  const std::string log = cfg.work + "/servers.stderr";
  const auto runStart = Clock::now();
  std::vector<std::string> notes;
  auto say = [&](const std::string& s) { std::cerr << format("[{:6.1f}s] {}\n", msSince(runStart) / 1000, s); };

  // ---- floors
  say("floors: pipe echo, fdatasync, SQLite insert+commit");
  Floors floors;
  {
    FloorProbe probe(cfg);
    for (int i = 0, n = cfg.smoke ? 100 : 1000; i < n; ++i) probe.sample(floors);
  }

  // ---- cold start
  say(format("cold start: aieditor x{}", cfg.coldRuns));
  std::string coldDb = cfg.work + "/cold.db";
  for (auto suffix : {"", "-wal", "-shm"}) fs::remove(coldDb + suffix);
  // Run 0 creates the database and is not counted.
  ColdStart aiStart = measureColdStart({cfg.server, "--db", coldDb}, {}, initializeParams(coldDb), log, 10000,
                                  cfg.coldRuns, true);
  Stats& aiCold = aiStart.times;
  long aiRssMed = aiStart.rssMedian;
  std::string& aiVersion = aiStart.version;
  std::string& aiColdError = aiStart.error;

  ColdStart cpStart;
  if (!cfg.copilot.empty() && fs::exists(cfg.copilot)) {
    say(format("cold start: copilot-language-server x{}", cfg.copilotRuns));
    std::string home = cfg.work + "/copilot-home";
    fs::create_directories(home);
    std::map<std::string, std::string> env = {{"HOME", home}, {"XDG_CONFIG_HOME", home + "/.config"},
                                              {"XDG_STATE_HOME", home + "/.state"}, {"XDG_CACHE_HOME", home + "/.cache"}};
    json params = initializeParams("");
    params["initializationOptions"] = {{"editorInfo", {{"name", "aieditor-bench"}, {"version", "1"}}},
                                       {"editorPluginInfo", {{"name", "aieditor-bench"}, {"version", "1"}}}};
    params["rootUri"] = nullptr;
    params["workspaceFolders"] = nullptr;
    // Run 0 warms the page cache; each is killed at once, since it would
    // otherwise try to reach GitHub.
    cpStart = measureColdStart({cfg.copilot, "--stdio"}, env, params, cfg.work + "/copilot.stderr", 60000,
                          cfg.copilotRuns, false);
  } else {
    cpStart.error = "not installed (run bench/run.sh without --no-npm)";
  }
  Stats& cpCold = cpStart.times;
  long cpRssMed = cpStart.rssMedian;
  std::string& cpVersion = cpStart.version;
  std::string& cpError = cpStart.error;

  // ---- aieditor: round trip and throughput while one session grows
  struct SizePoint {
    long size = 0;
    Sequential rtt;
    Pipelined thr;
    long thrStart = 0;  // session size when the pipelined run began
    Floors floor;       // interleaved with the round trips: the disk's latency drifts
  };
  std::vector<SizePoint> ai, ref;
  std::vector<std::pair<long, double>> aiGrowth;  // (session size at chunk end, µs per message pipelined)
  const std::string benchDb = cfg.work + "/bench.db";
  for (auto suffix : {"", "-wal", "-shm"}) fs::remove(benchDb + suffix);
  const std::string session = "bench-session";
  std::string aiAddError;
  {
    say("aieditor: messages/add round trip and throughput as the session grows");
    auto s = start({cfg.server, "--db", benchDb}, {}, initializeParams(benchDb), log, 10000);
    if (s.child && s.error.empty()) {
      Child& c = *s.child;
      std::int64_t id = 10;
      long size = 0;
      long counter = 0;
      auto make = [&](std::int64_t rid, long) { return addRequest(rid, session, counter++); };
      for (long target : cfg.sizes) {
        // Prefill to the target size, pipelined, in chunks (recording the cost per chunk).
        while (size < target) {
          long chunk = std::min<long>(target - size, cfg.smoke ? 500 : 10000);
          auto p = pipeline(c, chunk, cfg.window, id, make, 30000);
          size += p.done;
          if (p.done >= 1000) aiGrowth.emplace_back(size, 1e6 / p.rate());
          if (p.done < chunk || p.errors) {
            aiAddError = "prefill: " + p.firstError;
            break;
          }
        }
        if (!aiAddError.empty()) break;
        say(format("  size {}: {} sequential adds, then {} pipelined", size, cfg.rttSamples, cfg.thrCount));
        SizePoint pt;
        pt.size = size;
        {
          FloorProbe probe(cfg);  // one floor sample after each add, so both see the same disk
          pt.rtt = sequential(c, cfg.rttSamples, 0, id, make, 10000, [&] { probe.sample(pt.floor); });
        }
        size += static_cast<long>(pt.rtt.ms.n());
        pt.thrStart = size;
        pt.thr = pipeline(c, cfg.thrCount, cfg.window, id, make, 30000);
        size += pt.thr.done;
        ai.push_back(pt);
        if (!pt.rtt.firstError.empty()) aiAddError = pt.rtt.firstError;
        if (!pt.thr.firstError.empty()) aiAddError = pt.thr.firstError;
      }
      c.stop(true);
    } else {
      aiAddError = s.error;
      if (s.child) s.child->stop(false);
    }
  }

  // ---- reference: the JSON-file server at the same sizes (prefilled by writing its file)
  std::string refDir = cfg.work + "/json-sessions";
  std::string refError;
  bool haveRef = !cfg.node.empty() && !cfg.reference.empty() && fs::exists(cfg.reference) &&
                 fs::exists(fs::path(cfg.reference).parent_path().parent_path() / "node_modules" / "vscode-jsonrpc");
  if (haveRef) {
    say("reference: JSON-file server (vscode-jsonrpc), same sizes");
    fs::remove_all(refDir);
    fs::create_directories(refDir);
    for (long target : cfg.sizes) {
      std::string sid = format("ref-{}", target);
      // The file the reference would have written after `target` adds.
      auto writeFile = [&] {
        json j = {{"id", sid}, {"title", content(0).substr(0, 60)}, {"createdAt", "2026-01-01T00:00:00.000Z"},
                  {"updatedAt", "2026-01-01T00:00:00.000Z"}, {"messages", json::array()}};
        auto& msgs = j["messages"];
        for (long i = 0; i < target; ++i)
          msgs.push_back({{"id", format("0193a1b2-0000-7000-8000-{:012d}", i)}, {"sessionId", sid},
                          {"role", i % 2 ? "assistant" : "user"}, {"content", content(i)},
                          {"createdAt", "2026-01-01T00:00:00.000Z"}, {"status", "complete"}});
        std::ofstream(refDir + "/" + sid + ".json") << j.dump();
      };
      // A fresh reference process on a file of exactly `target` messages, with the
      // session loaded (an assistant loads it when the chat is opened), so the first
      // add does not carry the JSON.parse of the whole file.
      auto fresh = [&]() -> std::optional<Child> {
        writeFile();
        auto s = start({cfg.node, cfg.reference, refDir}, {}, initializeParams(""), log, 20000);
        if (!s.child || !s.error.empty()) {
          refError = s.error;
          if (s.child) s.child->stop(false);
          return std::nullopt;
        }
        s.child->send(json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "session/open"},
                           {"params", {{"sessionId", sid}, {"limit", 50}}}}.dump());
        s.child->awaitResponse(5, 120000);
        return std::move(s.child);
      };
      std::int64_t id = 10;
      long counter = target;
      auto make = [&](std::int64_t rid, long) { return addRequest(rid, sid, counter++); };
      SizePoint pt;
      pt.size = target;
      auto c = fresh();
      if (!c) break;
      say(format("  size {}: up to {} sequential adds (cap {:.0f} s)", target, cfg.rttSamples, cfg.refCapSeconds));
      pt.rtt = sequential(*c, cfg.rttSamples, cfg.refCapSeconds, id, make, 120000);
      c->stop(true);
      // Pipelined: one window's worth at most (the file grows with every message),
      // and no more than fits in the time cap.
      double perMsg = pt.rtt.ms.median();
      long count = std::min<long>(cfg.thrCount, cfg.window);
      if (perMsg > 0) count = std::min<long>(count, std::max<long>(20, static_cast<long>(cfg.refCapSeconds * 1000 / perMsg)));
      c = fresh();
      if (!c) break;
      say(format("  size {}: {} pipelined adds", target, count));
      pt.thrStart = target;
      pt.thr = pipeline(*c, count, static_cast<int>(count), id, make, 120000);
      c->stop(true);
      ref.push_back(pt);
      if (!pt.rtt.firstError.empty()) refError = pt.rtt.firstError;
      if (!pt.thr.firstError.empty()) refError = pt.thr.firstError;
    }
  } else {
    refError = "not installed (vscode-jsonrpc missing under bench/node_modules)";
  }

  // ---- opening the largest session
  long openSize = ai.empty() ? 0 : ai.back().size;
  Stats aiOpen, refOpen;
  std::vector<long> aiOpenRss, refOpenRss;
  std::string openError;
  say(format("session/open of the largest session, x{}", cfg.openRuns));
  for (int i = 0; i < cfg.openRuns && !ai.empty(); ++i) {
    auto s = start({cfg.server, "--db", benchDb}, {}, initializeParams(benchDb), log, 10000);
    if (!s.child || !s.error.empty()) {
      openError = s.error;
      if (s.child) s.child->stop(false);
      break;
    }
    Child& c = *s.child;
    auto t0 = Clock::now();
    c.send(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "session/open"}, {"params", {{"sessionId", session}, {"limit", 50}}}}.dump());
    auto r = c.awaitResponse(2, 60000);
    double t = msSince(t0);
    if (!r || r->contains("error") || (*r)["result"]["messages"].size() != 50) {
      openError = r ? r->dump().substr(0, 300) : "no response (" + c.error + ")";
      c.stop(false);
      break;
    }
    aiOpen.add(t);
    aiOpenRss.push_back(rssKiB(c.pid) - s.rss);
    c.stop(true);
  }
  long refOpenSize = ref.empty() ? 0 : ref.back().size + ref.back().thr.done;
  for (int i = 0; i < cfg.openRuns && haveRef && !ref.empty(); ++i) {
    auto s = start({cfg.node, cfg.reference, refDir}, {}, initializeParams(""), log, 20000);
    if (!s.child || !s.error.empty()) {
      if (s.child) s.child->stop(false);
      break;
    }
    Child& c = *s.child;
    auto t0 = Clock::now();
    c.send(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "session/open"},
                {"params", {{"sessionId", format("ref-{}", ref.back().size)}, {"limit", 50}}}}.dump());
    auto r = c.awaitResponse(2, 120000);
    double t = msSince(t0);
    if (!r || r->contains("error")) {
      c.stop(false);
      break;
    }
    refOpen.add(t);
    refOpenRss.push_back(rssKiB(c.pid) - s.rss);
    c.stop(true);
  }
  auto medianL = [](std::vector<long> v) {
    if (v.empty()) return -1L;
    std::ranges::sort(v);
    return v[v.size() / 2];
  };

  // ---- streaming: fake OpenAI upstream → chat/delta, aieditor and the C++ relay floor taking turns
  Streamed aiDelta, relayDelta;
  std::string chatError, relayError;
  say(format("streaming: {} replies of {} chunks ({} ms apart) from a fake OpenAI upstream, aieditor and the C++ relay in turn",
             cfg.streams, cfg.streamChunks, cfg.chunkPauseMs));
  {
    bench::FakeUpstream up(cfg.streamChunks, std::chrono::milliseconds(cfg.chunkPauseMs));
    std::string chatDb = cfg.work + "/chat.db";
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(chatDb + suffix);
    json params = initializeParams(chatDb);
    params["initializationOptions"].update({{"provider", "openai"}, {"baseUrl", up.baseUrl()}, {"model", "gpt-bench"}});
    // A dummy key, and no config file from the home directory.
    std::map<std::string, std::string> env = {{"OPENAI_API_KEY", "sk-bench-dummy"}, {"XDG_CONFIG_HOME", cfg.work + "/no-config"}};
    auto s = start({cfg.server, "--db", chatDb}, env, params, log, 10000);
    auto relay = Child::spawn({cfg.self, "--relay", std::to_string(up.port())}, {}, cfg.work + "/relay.stderr");
    if (!up.error().empty()) chatError = up.error();
    else if (!s.child || !s.error.empty()) chatError = s.error;
    if (!relay) relayError = "cannot spawn the relay";
    if (chatError.empty()) {
      s.child->send(json{{"jsonrpc", "2.0"}, {"id", 50}, {"method", "session/open"}, {"params", {{"sessionId", "bench-chat"}}}}.dump());
      if (!s.child->awaitResponse(50, 10000)) chatError = "no session/open response (" + s.child->error + ")";
    }
    // Taking turns, both see the same machine; after a failure a stream may
    // still be in flight, so both stop (the upstream serves one at a time).
    for (int i = 0; i < cfg.streams && chatError.empty() && relayError.empty(); ++i) {
      chatError = streamOnce(*s.child, up, 100 + i, "bench-chat", cfg.streamChunks, aiDelta);
      if (chatError.empty()) relayError = streamOnce(*relay, up, 100 + i, "relay", cfg.streamChunks, relayDelta);
    }
    if (s.child) s.child->stop(chatError.empty());
    if (relay) relay->stop(false);
  }

  // ================================================================ report
  say("writing the report");
  auto at = [](const std::vector<SizePoint>& v, std::size_t i) -> const SizePoint* { return i < v.size() ? &v[i] : nullptr; };
  double pipeP50 = floors.pipe.median(), syncP50 = floors.fdatasync.median(), sqliteP50 = floors.sqlite.median();

  std::vector<std::vector<std::string>> rows;
  auto row = [&](std::string metric, std::string value, std::string reference, std::string r, std::string target,
                 std::optional<bool> met) { rows.push_back({metric, value, reference, r, target, metText(met)}); };
  auto opt = [](bool known, bool v) { return known ? std::optional<bool>(v) : std::nullopt; };

  double aiColdMed = aiCold.median(), cpColdMed = cpCold.median();
  row(format("cold start: spawn → initialize response, median of {}", aiCold.n()), ms(aiColdMed),
      cpCold.empty() ? "copilot-language-server: " + cpError : format("{} (copilot-language-server, median of {})", ms(cpColdMed), cpCold.n()),
      ratio(aiColdMed, cpColdMed), "≤ 5 ms", opt(!aiCold.empty(), aiColdMed <= 5));
  row("RSS after initialize (median)", mib(aiRssMed), cpRssMed < 0 ? "n/a" : mib(cpRssMed) + " (copilot-language-server)",
      ratio(static_cast<double>(aiRssMed), static_cast<double>(cpRssMed)), "≤ 10 MiB",
      opt(aiRssMed >= 0, aiRssMed >= 0 && aiRssMed <= 10 * 1024));
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(ai, i);
    double p50 = a ? a->rtt.ms.median() : NAN;
    // The floor interleaved with this size's adds (the disk's latency drifts during a run).
    const Floors& fl = a ? a->floor : floors;
    // The issue's floor: pipe round trip + one SQLite insert and commit with
    // fdatasync. The bare fdatasync (the disk's minimum) is shown beside it.
    double floorHere = fl.pipe.median() + fl.sqlite.median();
    double bareHere = fl.pipe.median() + fl.fdatasync.median();
    row(format("`messages/add` p50, session of {} (n={})", num(static_cast<double>(a ? a->size : cfg.sizes[i]), 0), a ? a->rtt.ms.n() : 0), ms(p50),
        format("{} (floor: pipe {} + SQLite commit {}); vs pipe + bare fdatasync ({}): {}", ms(floorHere),
               ms(fl.pipe.median()), ms(fl.sqlite.median()), ms(bareHere), ratio(p50, bareHere)),
        ratio(p50, floorHere), "≤ 1.5× floor", opt(a != nullptr, p50 <= 1.5 * floorHere));
    double p99 = a ? a->rtt.ms.pct(99) : NAN;
    double floor99 = fl.pipe.pct(99) + fl.sqlite.pct(99);
    row(format("`messages/add` p99, session of {}", num(static_cast<double>(a ? a->size : cfg.sizes[i]), 0)), ms(p99),
        format("{} (pipe p99 + SQLite commit p99)", ms(floor99)), ratio(p99, floor99), "—", std::nullopt);
  }
  {
    auto* a0 = at(ai, 0);
    auto* aN = at(ai, cfg.sizes.size() - 1);
    double f = a0 && aN ? aN->rtt.ms.median() / a0->rtt.ms.median() : NAN;
    auto* r0 = at(ref, 0);
    auto* rN = at(ref, cfg.sizes.size() - 1);
    double rf = r0 && rN ? rN->rtt.ms.median() / r0->rtt.ms.median() : NAN;
    row(format("flatness: p50 at {} ÷ p50 at {}", num(static_cast<double>(cfg.sizes.back()), 0), num(static_cast<double>(cfg.sizes.front()), 0)),
        std::isnan(f) ? "n/a" : num(f, 2) + "×", std::isnan(rf) ? "n/a" : num(rf, 1) + "× (JSON-file server)", "—", "≤ 1.2×",
        opt(!std::isnan(f), f <= 1.2));
  }
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(ai, i);
    auto* r = at(ref, i);
    double ar = a ? a->thr.rate() : NAN, rr = r ? r->thr.rate() : NAN;
    row(format("pipelined durable adds, {} in flight, session of {}", cfg.window, num(static_cast<double>(cfg.sizes[i]), 0)),
        std::isnan(ar) ? "n/a" : num(ar, 0) + " msg/s",
        std::isnan(rr) ? "JSON-file server: " + (refError.empty() ? std::string("n/a") : refError)
                       : format("{} msg/s (JSON-file server, n={})", num(rr, rr < 100 ? 1 : 0), r->thr.done),
        ratio(ar, rr), "≥ 20,000 msg/s", opt(a != nullptr, ar >= 20000));
  }
  double aiOpenMed = aiOpen.median(), refOpenMed = refOpen.median();
  row(format("`session/open` first page (50) of {} messages, fresh process", num(static_cast<double>(openSize), 0)), ms(aiOpenMed),
      refOpen.empty() ? "n/a" : format("{} (JSON-file server, {} messages)", ms(refOpenMed), num(static_cast<double>(refOpenSize), 0)),
      ratio(aiOpenMed, refOpenMed), "≤ 5 ms", opt(!aiOpen.empty(), aiOpenMed <= 5));
  long aiOpenAdd = medianL(aiOpenRss), refOpenAdd = medianL(refOpenRss);
  row("RSS added by that `session/open`", aiOpenRss.empty() ? "n/a" : mib(aiOpenAdd),
      refOpenRss.empty() ? "n/a" : mib(refOpenAdd) + " (JSON-file server)",
      ratio(static_cast<double>(aiOpenAdd), static_cast<double>(refOpenAdd)), "—", std::nullopt);
  const Stats &da = aiDelta.all, &fa = relayDelta.all;
  constexpr double kDeltaP99TargetMs = 1;  // issue 6: chat/delta overhead p99
  row(format("chat/delta overhead p50 (fake OpenAI upstream → client; n={})", da.n()), ms(da.median()),
      format("{} (C++ relay floor, n={})", ms(fa.median()), fa.n()), ratio(da.median(), fa.median()), "—", std::nullopt);
  row("chat/delta overhead p99 (fake OpenAI upstream → client)", ms(da.pct(99)), format("{} (C++ relay floor)", ms(fa.pct(99))),
      ratio(da.pct(99), fa.pct(99)), format("p99 ≤ {} ms", kDeltaP99TargetMs), opt(!da.empty(), da.pct(99) <= kDeltaP99TargetMs));
  row(format("chat/delta overhead, last chunk of a reply, median (n={})", aiDelta.last.n()), ms(aiDelta.last.median()),
      format("{} (C++ relay floor)", ms(relayDelta.last.median())), ratio(aiDelta.last.median(), relayDelta.last.median()),
      "—", std::nullopt);

  std::string mainTable = table({"metric", "aieditor", "reference", "ratio", "target", "target met?"}, rows);

  std::string floorTable = table(
      {"floor (same disk, same run)", "p50", "p99", "n"},
      {{"pipe round trip, C++ echo, same framing and request", ms(pipeP50), ms(floors.pipe.pct(99)), std::to_string(floors.pipe.n())},
       {"SQLite INSERT + COMMIT, WAL, synchronous=FULL", ms(sqliteP50), ms(floors.sqlite.pct(99)), std::to_string(floors.sqlite.n())},
       {"bare fdatasync of a 200-byte overwrite", ms(syncP50), ms(floors.fdatasync.pct(99)), std::to_string(floors.fdatasync.n())},
       {"pipe + SQLite commit (the target's floor)", ms(pipeP50 + sqliteP50), "", ""},
       {"pipe + bare fdatasync", ms(pipeP50 + syncP50), "", ""}});
  std::vector<std::vector<std::string>> driftRows;
  for (auto& p : ai)
    driftRows.push_back({num(static_cast<double>(p.size), 0), ms(p.floor.pipe.median()), ms(p.floor.fdatasync.median()),
                         ms(p.floor.fdatasync.pct(99)), ms(p.floor.sqlite.median()), ms(p.floor.sqlite.pct(99))});
  std::string driftTable = table({"floor interleaved with the adds at size", "pipe p50", "bare fdatasync p50", "bare fdatasync p99",
                                  "SQLite commit p50", "SQLite commit p99"},
                                 driftRows);

  std::vector<std::vector<std::string>> rttRows;
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(ai, i);
    auto* r = at(ref, i);
    rttRows.push_back({num(static_cast<double>(cfg.sizes[i]), 0), a ? ms(a->rtt.ms.median()) : "n/a",
                       a ? ms(a->rtt.ms.pct(99)) : "n/a", a ? std::to_string(a->rtt.ms.n()) : "0",
                       r ? ms(r->rtt.ms.median()) : "n/a", r ? ms(r->rtt.ms.pct(99)) : "n/a",
                       r ? std::to_string(r->rtt.ms.n()) : "0",
                       a && r ? ratio(r->rtt.ms.median(), a->rtt.ms.median()) : "n/a"});
  }
  std::string rttTable = table({"session size", "aieditor p50", "aieditor p99", "n", "JSON-file p50", "JSON-file p99", "n",
                                "JSON-file ÷ aieditor (p50)"},
                               rttRows);

  std::vector<std::vector<std::string>> growthRows;
  auto range = [](const SizePoint* p) {
    return p ? num(static_cast<double>(p->thrStart), 0) + " → " + num(static_cast<double>(p->thrStart + p->thr.done), 0) : "n/a";
  };
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(ai, i);
    auto* r = at(ref, i);
    growthRows.push_back({num(static_cast<double>(cfg.sizes[i]), 0), a ? num(1e6 / a->thr.rate(), 1) + " µs" : "n/a", range(a),
                          r ? num(1e6 / r->thr.rate(), 0) + " µs" : "n/a", range(r),
                          a && r ? ratio(1e6 / r->thr.rate(), 1e6 / a->thr.rate()) : "n/a"});
  }
  std::string growthTable = table({"session size", "aieditor µs/message", "aieditor sizes covered", "JSON-file µs/message",
                                   "JSON-file sizes covered", "JSON-file ÷ aieditor"},
                                  growthRows);
  std::vector<std::vector<std::string>> fillRows;
  for (auto& [size, us] : aiGrowth) fillRows.push_back({num(static_cast<double>(size), 0), num(us, 1) + " µs", num(1e6 / us, 0)});
  std::string fillTable = table({"aieditor session size at end of prefill chunk", "µs per message", "msg/s"}, fillRows);

  // notes; aieditor's own failures also fail the run (the references may be missing)
  const std::size_t notesBefore = notes.size();
  if (!aiColdError.empty()) notes.push_back("aieditor cold start failed: " + aiColdError);
  if (!aiAddError.empty()) notes.push_back("aieditor messages/add: " + aiAddError);
  if (!openError.empty()) notes.push_back("aieditor session/open: " + openError);
  if (!chatError.empty()) notes.push_back("aieditor chat/send: " + chatError);
  if (!relayError.empty()) notes.push_back("C++ relay floor: " + relayError);
  for (auto& p : ai)
    if (p.rtt.errors || p.thr.errors)
      notes.push_back(format("aieditor at size {}: {} error replies", p.size, p.rtt.errors + p.thr.errors));
  const bool aieditorFailed = notes.size() > notesBefore;
  if (!cpError.empty()) notes.push_back("copilot-language-server: " + cpError);
  if (!refError.empty()) notes.push_back("JSON-file reference: " + refError);
  // A shared host's neighbours show up first in the pipe floor (two process
  // wake-ups and nothing else). Its best samples tell what the machine does
  // when quiet; where its median is far above them, the host was busy and the
  // figures measured under it say more about the host than the server.
  const double quietPipe = floors.pipe.pct(1);
  auto busy = [&](double pipeMedian, const std::string& when) {
    if (pipeMedian > 3 * quietPipe)
      notes.push_back(format("the host was busy {}: the pipe floor's median was {}, against {} at its quietest", when,
                             ms(pipeMedian), ms(quietPipe)));
  };
  busy(pipeP50, "at the start of the run (floors, cold start)");
  for (auto& p : ai)
    busy(p.floor.pipe.median(), format("during the round trips at size {}", num(static_cast<double>(p.size), 0)));
  if (!fa.empty() && fa.pct(99) > kDeltaP99TargetMs)
    notes.push_back(format("the host was busy during the streaming run: the C++ relay floor alone had a chat/delta p99 of {}, "
                           "over the {} ms target",
                           ms(fa.pct(99)), kDeltaP99TargetMs));

  utsname u{};
  ::uname(&u);
  char date[64];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::string disk = sh("df -hT " + cfg.work + " | tail -1 | awk '{print $1\" (\"$2\", \"$3\")\"}'");
  std::string rota = sh("lsblk -dno NAME,ROTA,MODEL 2>/dev/null | head -3 | tr '\\n' ';'");
  std::string nodeVersion = cfg.node.empty() ? "n/a" : sh(cfg.node + " --version 2>/dev/null");
  std::string commit = sh("git -C " + fs::path(cfg.self).parent_path().string() + " rev-parse --short HEAD 2>/dev/null");
  double totalS = msSince(runStart) / 1000;

  std::ostringstream md;
  md << "# Benchmarks\n\n";
  md << "Generated by `bench/run.sh`" << (cfg.smoke ? " (smoke mode: tiny sizes, the figures mean little)" : "")
     << "; do not edit by hand. Every figure was measured in the same run as its reference; "
        "nothing asserts a time. Issue 6 describes the metrics and targets.\n\n";
  md << "## Machine and run\n\n";
  md << "- date: " << date << "\n";
  md << "- command: `" << cfg.command << "`" << format(" (took {:.0f} s)", totalS) << "\n";
  md << "- commit: " << (commit.empty() ? "unknown" : commit) << "\n";
  md << "- CPU: " << cpuModel() << ", nproc " << std::thread::hardware_concurrency() << "\n";
  md << "- kernel: " << u.sysname << " " << u.release << " " << u.machine << "\n";
  md << "- disk (databases and JSON files): " << disk << "; block devices (name rotational model): " << rota << "\n";
  md << "- aieditor " << aiVersion << " (Release build), SQLite " << sqlite3_libversion() << "; copilot-language-server "
     << (cpVersion.empty() ? "n/a" : cpVersion) << "; Node " << nodeVersion << "\n\n";
  md << "## Results\n\n" << mainTable << "\n";
  md << "## Floors\n\nAt the start of the run:\n\n" << floorTable
     << "\nAnd interleaved with each round-trip measurement, one floor sample after each `messages/add` (the targets use these):\n\n" << driftTable << "\n";
  md << "## `messages/add` round trip by session size\n\n"
        "Sequential requests: each is sent when the previous reply has arrived. The JSON-file reference rewrites the "
        "whole session file (with fsync) on every message; its samples stop after "
     << num(cfg.refCapSeconds, 0) << " s per size, and it starts each size from a freshly written file.\n\n"
     << rttTable << "\n";
  md << "## Per-message cost as the session grows (pipelined, " << cfg.window << " in flight)\n\n" << growthTable << "\n";
  {
    std::string per;
    for (auto& p : ai)
      per += (per.empty() ? "" : ", ") + num(1e6 / p.thr.rate() / 1000 / p.floor.sqlite.median(), 2) + "× at " +
             num(static_cast<double>(p.size), 0);
    if (!per.empty())
      md << "aieditor's pipelined cost per message ÷ one SQLite INSERT+COMMIT (p50, interleaved floor): " << per
         << ". Near 1× means one durable commit per message: pipelined requests are not grouped into shared "
            "commits, so throughput is bounded by the commit (fdatasync) rate.\n\n";
  }
  if (!fillRows.empty()) md << "aieditor while prefilling the session by its own pipelined `messages/add`:\n\n" << fillTable << "\n";
  md << "## Method\n\n";
  md << "- The driver (`bench/driver.cpp`) spawns each server with `posix_spawn` and talks LSP-framed JSON-RPC over "
        "pipes, as an editor does. Times are wall-clock (`steady_clock`) in the driver, from writing a request to "
        "parsing its reply.\n";
  md << "- Cold start: from just before spawn to the parsed `initialize` response; RSS is `VmRSS` of "
        "`/proc/PID/status` right after it. aieditor opens an existing (small) database; the first run, which creates "
        "it, is not counted. copilot-language-server gets the same `initialize` plus the `editorInfo` it asks for, with "
        "HOME in the work directory and no network; it is killed right after, and its first run (page cache) is not "
        "counted.\n";
  md << "- Round trip: `messages/add` of a ~150-character message into one session that grows from 0 to "
     << num(static_cast<double>(cfg.sizes.back()), 0)
     << " by the server's own pipelined `messages/add`; at each size, " << cfg.rttSamples
     << " sequential adds, then " << cfg.thrCount << " pipelined ones. The floor is a C++ echo of the same frame over "
        "the same kind of pipe plus one SQLite INSERT+COMMIT (WAL, synchronous=FULL) on the same disk, as the issue "
        "defines it; the target's ratio is to this floor. The floor's database is warmed up first (1,100 commits, "
        "past the first checkpoint), so its commits overwrite a WAL that has wrapped; aieditor's session of 100 is "
        "measured soon after the server started, whose WAL (deleted by SQLite when the last connection closes) is "
        "laid out in zeros 4 MiB at a time by the server, so its commits do not extend the file either. Beside it, "
        "the disk's own minimum: one bare `fdatasync` of a 200-byte overwrite in an allocated file (no size change, "
        "so no metadata write); each `messages/add` commit writes about three 4 KiB WAL frames (the message row and "
        "its two indexes; the session row is left alone while the session is first in the list) plus SQLite's "
        "bookkeeping, so it cannot reach that minimum. One floor sample is taken after each sequential add, so the "
        "two see the same disk.\n";
  md << "- JSON-file reference (`bench/reference/json-file-server.js`, vscode-jsonrpc): its session file is written "
        "by the driver at each size (the file it would have produced), then it serves the same requests; on each "
        "message it rewrites the whole file (write temporary, fsync, rename). For the pipelined run it is restarted "
        "on a file of exactly the size again, and sends at most one window of requests, fewer when they would not "
        "finish within the time cap; aieditor's pipelined runs are "
     << cfg.thrCount << " requests.\n";
  md << "- Opening: a fresh server process on the database holding the largest session; the time of `session/open "
        "{limit: 50}` and the `VmRSS` it adds. The page cache is warm (the run just wrote the data).\n";
  md << "- Streaming: a fake OpenAI upstream runs on a thread of the driver (`bench/upstream.h`: HTTP/1.1 on "
        "127.0.0.1) and answers `POST /v1/chat/completions` in the API's streaming wire format (200, "
        "`text/event-stream`, `Connection: close`): a role chunk, then "
     << cfg.streamChunks << " `chat.completion.chunk` content events " << cfg.chunkPauseMs
     << " ms apart, each in its own write() with TCP_NODELAY, then the finish_reason and usage events and "
        "`data: [DONE]`. Content chunk i carries the marker «i», and the upstream notes the time just before its "
        "write(). aieditor runs its `openai` provider against it (initializationOptions provider/baseUrl/model, a "
        "dummy OPENAI_API_KEY) and gets "
     << cfg.streams << " `chat/send` in an opened session. A sample is, for each marker found in a `chat/delta`, the "
        "time the driver has read and parsed that notification minus the upstream's write() of that chunk; a delta "
        "that merged several chunks gives each its own sample, so a chunk held back counts its wait. Every chunk "
        "counts (no warm-up is dropped); the last chunk of each reply, which the end of the stream follows at once, "
        "is also shown on its own. The floor is a trivial C++ relay, a separate process like the server "
        "(`driver --relay`): for each framed request it streams from the same upstream over loopback TCP (blocking "
        "reads, one JSON parse per event) and writes each chunk's content at once as a framed `chat/delta` to its "
        "stdout; it is timed by the same code, one relay reply after each aieditor reply, so both see the same "
        "machine. The floor is thus loopback TCP + parse + pipe + two process wake-ups; what aieditor adds is "
        "libcurl, the hand-off from its transfer thread to the event loop, and the notification's JSON.\n";
  if (!notes.empty()) {
    md << "\n## Notes from this run\n\n";
    for (auto& n : notes) md << "- " << n << "\n";
  }

  std::cout << "\n" << mainTable << "\n" << floorTable << "\n" << driftTable << "\n" << rttTable << "\n" << growthTable << "\n";
  for (auto& n : notes) std::cout << "note: " << n << "\n";
  fs::create_directories(fs::path(cfg.out).parent_path());
  std::ofstream(cfg.out) << md.str();
  std::cout << format("\nwrote {} ({:.0f} s)\n", cfg.out, totalS);
  return aieditorFailed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--echo") return echoMain();
  if (args.size() == 2 && args[0] == "--relay") {
    ::signal(SIGPIPE, SIG_IGN);
    return relayMain(std::atoi(args[1].c_str()));
  }

  Config cfg;
  cfg.self = fs::absolute(argv[0]).string();
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto next = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::cerr << "missing value for " << args[i] << "\n";
        std::exit(2);
      }
      return args[++i];
    };
    if (args[i] == "--smoke") cfg.smoke = true;
    else if (args[i] == "--server") cfg.server = next();
    else if (args[i] == "--copilot") cfg.copilot = next();
    else if (args[i] == "--node") cfg.node = next();
    else if (args[i] == "--reference") cfg.reference = next();
    else if (args[i] == "--work") cfg.work = next();
    else if (args[i] == "--out") cfg.out = next();
    else if (args[i] == "--command") cfg.command = next();
    else {
      std::cerr << "unknown argument " << args[i] << "\n";
      return 2;
    }
  }
  if (cfg.server.empty() || cfg.work.empty() || cfg.out.empty()) {
    std::cerr << "usage: driver --server BIN [--copilot BIN] [--node BIN --reference JS] --work DIR --out FILE "
                 "[--command TEXT] [--smoke]\n";
    return 2;
  }
  cfg.work = fs::absolute(cfg.work).string();
  if (cfg.smoke) {
    cfg.sizes = {20, 500, 2000};
    cfg.rttSamples = 30;
    cfg.thrCount = 300;
    cfg.window = 100;
    cfg.coldRuns = 3;
    cfg.copilotRuns = 1;
    cfg.openRuns = 1;
    cfg.streams = 2;
    cfg.streamChunks = 30;
    cfg.refCapSeconds = 3;
  } else {
    cfg.sizes = {100, 10000, 100000};
    cfg.rttSamples = 500;
    cfg.thrCount = 5000;
    cfg.window = 1000;
    cfg.coldRuns = 20;
    cfg.copilotRuns = 20;
    cfg.openRuns = 5;
    cfg.streams = 5;
    cfg.streamChunks = 200;
    cfg.refCapSeconds = 20;
  }
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGALRM, onAlarm);
  ::alarm(cfg.smoke ? 240 : 1500);  // the run ends by itself whatever happens
  return run(cfg);
}
