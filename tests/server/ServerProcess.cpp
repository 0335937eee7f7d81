#include "ServerProcess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "aieditor/protocol/Framing.h"

namespace aieditor::test {

namespace {
// Only a hung server hits this; a passing test never waits this long.
constexpr auto kSafetyLimit = std::chrono::seconds(60);

void writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "aieditor-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  REQUIRE(made != nullptr);
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
  std::filesystem::remove_all(path_, ec);
}

ServerProcess::ServerProcess(Options options) : framed_(options.framed) {
  int in[2], out[2], err[2];
  REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
  // Everything the child needs is built before the fork: another thread of
  // this process may hold the allocator's lock at that moment (ASan's, most
  // often), and a child that allocates before exec would wait on it forever.
  const char* binary = options.binary.empty() ? AIEDITOR_BINARY : options.binary.c_str();
  std::vector<char*> argv{const_cast<char*>(binary)};
  for (auto& arg : options.args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view text(*entry);
    if (!options.environment.contains(std::string(text.substr(0, text.find('='))))) environment.emplace_back(text);
  }
  for (const auto& [key, value] : options.environment) environment.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    if (options.beforeExec) options.beforeExec();
    ::execve(binary, argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  reader_ = std::thread([this] { readLoop(); });
  errReader_ = std::thread([this] {
    char buffer[4096];
    for (ssize_t n; (n = ::read(err_, buffer, sizeof buffer)) != 0;) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      std::lock_guard lock(mutex_);
      stderr_.append(buffer, static_cast<std::size_t>(n));
    }
    std::lock_guard lock(mutex_);
    errEof_ = true;
    changed_.notify_all();
  });
}

ServerProcess::~ServerProcess() {
  if (!exitCode_) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  closeStdin();
  if (reader_.joinable()) reader_.join();
  if (errReader_.joinable()) errReader_.join();
  ::close(out_);
  ::close(err_);
}

void ServerProcess::readLoop() {
  protocol::FrameDecoder decoder;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(out_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!framed_) {
      std::lock_guard lock(mutex_);
      raw_.append(buffer, static_cast<std::size_t>(n));
      changed_.notify_all();
      continue;
    }
    decoder.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    while (decoder.ready()) {
      auto event = decoder.take();
      auto* body = std::get_if<std::string>(&event);
      std::lock_guard lock(mutex_);
      if (!body) {
        others_.push_back("{\"frameError\":true}");
        continue;
      }
      json message = json::parse(*body, nullptr, false);
      if (message.is_object() && message.contains("method")) notifications_.push_back(*body);
      else if (message.is_object() && message.contains("id") && !message["id"].is_null())
        responses_[message["id"].dump()] = *body;
      else others_.push_back(*body);
    }
    changed_.notify_all();
  }
  std::lock_guard lock(mutex_);
  eof_ = true;
  changed_.notify_all();
}

bool ServerProcess::waitUntil(const std::function<bool()>& ready) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, kSafetyLimit, [&] { return ready() || eof_; }) && ready();
}

json ServerProcess::initialize(const json& initializationOptions) {
  json result = ok("initialize", {{"processId", ::getpid()},
                                  {"clientInfo", {{"name", "tests"}}},
                                  {"initializationOptions", initializationOptions}});
  notify("initialized", json::object());
  return result;
}

long ServerProcess::send(const std::string& method, const json& params) {
  long id;
  {
    std::lock_guard lock(mutex_);
    id = nextId_++;
  }
  writeFrame(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
  return id;
}

json ServerProcess::waitResponse(long id) { return waitResponse(json(id)); }

json ServerProcess::waitResponse(const json& id) {
  const std::string key = id.dump();
  if (!waitUntil([&] { return responses_.contains(key); })) {
    FAIL("no response to request " << key << "; server stderr:\n" << stderrText());
  }
  std::lock_guard lock(mutex_);
  json response = json::parse(responses_[key]);
  responses_.erase(key);
  return response;
}

std::optional<json> ServerProcess::tryWaitResponse(long id) {
  const std::string key = json(id).dump();
  if (!waitUntil([&] { return responses_.contains(key); })) return std::nullopt;
  return waitResponse(id);
}

bool ServerProcess::hasResponse(long id) {
  std::lock_guard lock(mutex_);
  return responses_.contains(json(id).dump());
}

json ServerProcess::call(const std::string& method, const json& params) { return waitResponse(send(method, params)); }

json ServerProcess::ok(const std::string& method, const json& params) {
  json response = call(method, params);
  INFO(method << " " << params.dump().substr(0, 400) << " -> " << response.dump().substr(0, 800));
  REQUIRE(response.contains("result"));
  return response["result"];
}

json ServerProcess::error(const std::string& method, const json& params) {
  json response = call(method, params);
  INFO(method << " " << params.dump().substr(0, 400) << " -> " << response.dump().substr(0, 800));
  REQUIRE(response.contains("error"));
  return response["error"];
}

void ServerProcess::notify(const std::string& method, const json& params) {
  writeFrame(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
}

void ServerProcess::writeRaw(const std::string& bytes) { writeAll(in_, bytes); }

void ServerProcess::writeFrame(const std::string& body) { writeRaw(protocol::encodeFrame(body)); }

json ServerProcess::waitNotification(const std::string& method, const std::function<bool(const json&)>& match,
                                     std::size_t from, std::size_t* index) {
  std::optional<json> found;
  auto scan = [&] {
    for (std::size_t i = from; i < notifications_.size(); ++i) {
      json message = json::parse(notifications_[i]);
      if (message["method"] == method && (!match || match(message["params"]))) {
        found = message["params"];
        if (index) *index = i;
        return true;
      }
    }
    return false;
  };
  if (!waitUntil(scan)) FAIL("no " << method << " notification; server stderr:\n" << stderrText());
  return *found;
}

std::vector<json> ServerProcess::notifications(const std::string& method) {
  std::lock_guard lock(mutex_);
  std::vector<json> out;
  for (const auto& body : notifications_) {
    json message = json::parse(body);
    if (message["method"] == method) out.push_back(message["params"]);
  }
  return out;
}

std::size_t ServerProcess::notificationCount() {
  std::lock_guard lock(mutex_);
  return notifications_.size();
}

json ServerProcess::waitOther() {
  if (!waitUntil([&] { return !others_.empty(); })) FAIL("no batch/other frame; stderr:\n" << stderrText());
  std::lock_guard lock(mutex_);
  json message = json::parse(others_.front());
  others_.erase(others_.begin());
  return message;
}

std::string ServerProcess::waitForOutput(const std::string& needle) {
  if (!waitUntil([&] { return raw_.find(needle) != std::string::npos; }))
    FAIL("no \"" << needle << "\" in the output:\n" << output() << "\nstderr:\n" << stderrText());
  return output();
}

std::string ServerProcess::output() {
  std::lock_guard lock(mutex_);
  return raw_;
}

void ServerProcess::waitForEndOfOutput() {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, kSafetyLimit, [&] { return eof_ && errEof_; })) FAIL("the process kept its output open");
}

void ServerProcess::interrupt() { ::kill(pid_, SIGINT); }

void ServerProcess::closeStdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

int ServerProcess::wait() {
  if (exitCode_) return *exitCode_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // The reader threads may not have drained the pipes yet: what the process
  // wrote just before it exited (its last log lines) belongs to its output.
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, kSafetyLimit, [&] { return eof_ && errEof_; });
  return *exitCode_;
}

void ServerProcess::kill9() {
  ::kill(pid_, SIGKILL);
  wait();
}

void prepareDatabase(const std::string& db, const std::function<void(ServerProcess&)>& prepare) {
  ServerProcess server({{"--db", db}, {}});
  server.initialize(json::object());
  prepare(server);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  REQUIRE(server.wait() == 0);
}

ServerFixture::ServerFixture() { server.initialize(json::object()); }

std::string asanOptionsWithoutQuarantine() {
  const char* inherited = std::getenv("ASAN_OPTIONS");
  return std::string(inherited ? inherited : "") + (inherited && *inherited ? ":" : "") + "quarantine_size_mb=0";
}

std::string ServerProcess::stderrText() {
  std::lock_guard lock(mutex_);
  return stderr_;
}

}  // namespace aieditor::test
