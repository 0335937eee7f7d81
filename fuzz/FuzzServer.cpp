#include "FuzzServer.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "aieditor/protocol/Framing.h"

namespace aieditor::fuzz {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// A property of the server failed: report it and crash, so libFuzzer keeps the input.
[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

/// AIEDITOR_FUZZ_TRACE=1 prints what the server sends (to check a seed).
bool trace() {
  static const bool on = std::getenv("AIEDITOR_FUZZ_TRACE") != nullptr;
  return on;
}

/// Where this process's databases go: tmpfs when there is one.
const fs::path& scratchDirectory() {
  // Never destroyed: the atexit handler below runs after static destructors.
  static const fs::path& dir = *new fs::path([] {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    fs::path d = base / ("aieditor-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    // No config file, no keys, no network provider from the environment.
    ::setenv("XDG_CONFIG_HOME", d.c_str(), 1);
    ::setenv("AIEDITOR_LOG", "error", 1);
    for (const char* name : {"AIEDITOR_PROVIDER", "AIEDITOR_BASE_URL", "AIEDITOR_MODEL", "OPENAI_API_KEY",
                             "ANTHROPIC_API_KEY", "AIEDITOR_DB"})
      ::unsetenv(name);
    std::atexit([] { std::error_code ignored; fs::remove_all(scratchDirectory(), ignored); });
    return d;
  }());
  return dir;
}

/// The harness's own connection to the database, open for the whole run.
/// Emptying the tables is far cheaper than a new file (schema, migrations,
/// the WAL laid out anew), and while this connection is open, closing the
/// server's does not remove the WAL. Each input still starts from no rows.
class Resetter {
 public:
  ~Resetter() { sqlite3_close(db_); }
  bool open() const { return db_ != nullptr; }
  void attach(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      broken(std::string("cannot open the database to reset it: ") + sqlite3_errmsg(db_));
  }
  void emptyTables() {
    std::vector<std::string> tables;
    exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", &tables);
    std::string sql = "PRAGMA foreign_keys = OFF; BEGIN;";
    for (const auto& table : tables) sql += " DELETE FROM \"" + table + "\";";
    exec(sql + " COMMIT;", nullptr);
  }

 private:
  void exec(const std::string& sql, std::vector<std::string>* firstColumn) {
    char* error = nullptr;
    auto collect = [](void* out, int, char** values, char**) {
      static_cast<std::vector<std::string>*>(out)->emplace_back(values[0] ? values[0] : "");
      return 0;
    };
    if (sqlite3_exec(db_, sql.c_str(), firstColumn ? +collect : nullptr, firstColumn, &error) != SQLITE_OK)
      broken("resetting the database: " + std::string(error ? error : "?"));
  }
  sqlite3* db_ = nullptr;
};

Resetter& resetter() {
  static Resetter instance;
  return instance;
}

}  // namespace

// ---- The scheduler -----------------------------------------------------------

void FuzzScheduler::post(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(work));
  }
  posted_.notify_all();
}

void FuzzScheduler::after(std::chrono::milliseconds delay, std::function<void()> work) {
  std::lock_guard lock(mutex_);
  timers_.emplace(now_ + delay, std::move(work));
}

bool FuzzScheduler::step() {
  std::function<void()> work;
  {
    std::lock_guard lock(mutex_);
    if (!ready_.empty()) {
      work = std::move(ready_.front());
      ready_.pop_front();
    } else if (!timers_.empty()) {
      now_ = std::max(now_, timers_.begin()->first);
      work = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
    } else {
      return false;
    }
  }
  work();
  return true;
}

void FuzzScheduler::waitForPost() {
  std::unique_lock lock(mutex_);
  posted_.wait(lock, [&] { return !ready_.empty(); });
}

void FuzzScheduler::clear() {
  std::deque<std::function<void()>> ready;
  std::multimap<std::chrono::milliseconds, std::function<void()>> timers;
  {
    std::lock_guard lock(mutex_);
    ready.swap(ready_);
    timers.swap(timers_);
  }
}  // destroyed outside the lock: a dropped Reply answers as it goes

// ---- The server --------------------------------------------------------------

FuzzServer::FuzzServer() {
  const fs::path& dir = scratchDirectory();
  databasePath_ = (dir / "fuzz.db").string();
  if (resetter().open()) resetter().emptyTables();
  else
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((databasePath_ + suffix).c_str());

  server::ServerOptions options;
  options.databasePath = databasePath_;
  server_ = std::make_unique<server::LspServer>(options, scheduler_, [this](std::string body) {
    json message = json::parse(body, nullptr, false);
    if (message.is_discarded()) broken("the server sent a body that is not JSON: " + body.substr(0, 200));
    if (trace()) std::fprintf(stderr, "<-- %s\n", body.substr(0, 400).c_str());
    sent_.push_back(std::move(message));
  });
  server_->onExit = [this] { exited_ = true; };
  // A network provider, if the input picks one, has nowhere to go.
  json init = call("initialize", {{"processId", nullptr},
                                  {"initializationOptions",
                                   {{"provider", "offline"}, {"offlineDelayMs", 0}, {"baseUrl", "http://127.0.0.1:9"}}}});
  if (!init.contains("result")) broken("initialize failed: " + init.dump());
  if (!resetter().open()) resetter().attach(databasePath_);  // the server has made the file
  receive(R"({"jsonrpc":"2.0","method":"initialized","params":{}})");
}

FuzzServer::~FuzzServer() {
  server_.reset();
  scheduler_.clear();
}

void FuzzServer::receive(std::string_view body) {
  if (exited_) return;  // the transport stops reading at exit
  server_->receive(body);
  while (scheduler_.step()) {
  }
}

void FuzzServer::feedStream(std::string_view bytes) {
  protocol::FrameDecoder decoder;
  decoder.feed(bytes);
  while (decoder.ready() && !exited_) {
    auto event = decoder.take();
    if (auto* body = std::get_if<std::string>(&event)) receive(*body);
    else server_->rejectFrame(std::get<protocol::FrameError>(event).message);
  }
}

json FuzzServer::call(const std::string& method, const json& params) {
  const std::string id = "fuzz-harness-" + std::to_string(nextId_++);
  const std::size_t from = sent_.size();
  server_->receive(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
  for (;;) {
    for (std::size_t i = from; i < sent_.size(); ++i)
      if (sent_[i].contains("id") && sent_[i]["id"] == id && !sent_[i].contains("method")) return sent_[i];
    // Nothing left to run here: the storage thread still has the write.
    if (!scheduler_.step()) scheduler_.waitForPost();
  }
}

void FuzzServer::settle() {
  if (exited_) return;
  while (scheduler_.step()) {
  }
  // The storage thread answers in submission order, so once a new session's
  // creation is durable, so is every write queued before it.
  call("session/open", {{"sessionId", "fuzz-barrier-" + std::to_string(nextId_)}});
  while (scheduler_.step()) {
  }
}

}  // namespace aieditor::fuzz
