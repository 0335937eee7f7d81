#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>

#include "text.h"

extern char** environ;

namespace bench {

namespace {

std::vector<pid_t> g_children;  // process groups to end if the run times out

void onAlarm(int) {
  for (pid_t p : g_children) ::kill(-p, SIGKILL);
  const char msg[] = "\nbench: global time limit reached; children killed\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  _exit(3);
}

}  // namespace

std::string frame(std::string_view body) { return format("Content-Length: {}\r\n\r\n{}", body.size(), body); }

long rssKiB(pid_t pid) {
  std::ifstream in(format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

void limitRunTime(unsigned seconds) {
  ::signal(SIGALRM, onAlarm);
  ::alarm(seconds);
}

std::optional<Child> Child::spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
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

Child Child::onStdio() {
  Child self;
  self.out = STDIN_FILENO;
  self.in = STDOUT_FILENO;
  return self;
}

bool Child::writeAll(std::string_view data) {
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

std::optional<std::string> Child::takeFrame() {
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

bool Child::fill(int timeoutMs) {
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

std::optional<std::string> Child::readFrame(int timeoutMs) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    if (auto f = takeFrame()) return f;
    int left = msUntil(deadline);
    if (left <= 0) {
      error = "timeout";
      return std::nullopt;
    }
    if (!fill(left)) return std::nullopt;
  }
}

bool Child::pump(Clock::time_point deadline, const std::function<bool(const json&)>& handle) {
  for (;;) {
    auto f = readFrame(std::max(msUntil(deadline), 1));
    if (!f) return false;
    json j = json::parse(*f, nullptr, false);
    if (j.is_object() && j.contains("id") && j.contains("method") && !j["id"].is_null())
      send(json{{"jsonrpc", "2.0"}, {"id", j["id"]}, {"result", nullptr}}.dump());
    if (handle(j)) return true;
  }
}

std::optional<json> Child::awaitResponse(std::int64_t id, int timeoutMs, const std::function<void(const json&)>& onOther) {
  std::optional<json> response;
  pump(Clock::now() + std::chrono::milliseconds(timeoutMs), [&](const json& j) {
    if (j.is_object() && j.contains("id") && !j.contains("method") && j["id"].is_number() && j["id"] == id) {
      response = j;
      return true;
    }
    if (onOther) onOther(j);
    return false;
  });
  return response;
}

void Child::stop(bool polite) {
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

}  // namespace bench
