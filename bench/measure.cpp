#include "measure.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "floors.h"
#include "process.h"
#include "requests.h"
#include "rounds.h"
#include "text.h"

namespace bench {

namespace fs = std::filesystem;

namespace {

const std::string kSession = "bench-session";

std::string serversLog(const Config& cfg) { return cfg.work + "/servers.stderr"; }
/// The database of aieditor's growing session, opened again by measureOpen.
std::string sessionDb(const Config& cfg) { return cfg.work + "/bench.db"; }
std::string jsonFileDir(const Config& cfg) { return cfg.work + "/json-sessions"; }

void removeDb(const std::string& path) {
  for (auto suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
}

/// Spawn → initialize response, `runs` times after one uncounted run; the
/// median RSS after initialize, the server's version, or why it failed.
ColdStart coldStarts(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                     const json& params, const std::string& stderrPath, int timeoutMs, int runs, bool graceful) {
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

/// One aieditor process whose session grows through the sizes: at each, it
/// is prefilled by its own pipelined adds, then measured.
class GrowingSession {
 public:
  GrowingSession(const Config& cfg, std::string name, const std::string& binary, const std::string& db, SessionRun& out)
      : cfg_(cfg), name_(std::move(name)), out_(out) {
    removeDb(db);
    auto s = start({binary, "--db", db}, {}, initializeParams(db), serversLog(cfg), 10000);
    if (s.child && s.error.empty()) {
      out_.version = s.result.value("/serverInfo/version"_json_pointer, std::string{});
      child_ = std::move(s.child);
    } else {
      out_.error = s.error;
      if (s.child) s.child->stop(false);
    }
  }
  ~GrowingSession() {
    if (child_) child_->stop(true);
  }
  GrowingSession(const GrowingSession&) = delete;
  GrowingSession& operator=(const GrowingSession&) = delete;

  /// Grows the session to `target` (unless a prefill failed), then measures
  /// sequential adds (one floor sample after each) and pipelined ones there.
  void measureAt(long target) {
    if (!child_ || failedPrefill_) return;
    Child& c = *child_;
    auto make = [&](std::int64_t rid, long) { return addRequest(rid, kSession, counter_++); };
    // Prefill to the target size, pipelined, in chunks (recording the cost per chunk).
    while (size_ < target) {
      long chunk = std::min<long>(target - size_, cfg_.smoke ? 500 : 10000);
      auto p = pipeline(c, chunk, cfg_.window, id_, make, 30000);
      size_ += p.done;
      if (p.done >= 1000) out_.growth.emplace_back(size_, 1e6 / p.rate());
      if (p.done < chunk || p.errors) {
        out_.error = "prefill: " + p.firstError;
        failedPrefill_ = true;
        return;
      }
    }
    say(format("  {} size {}: {} sequential adds, then {} pipelined", name_, size_, cfg_.rttSamples, cfg_.thrCount));
    SizePoint pt;
    pt.size = size_;
    {
      FloorProbe probe(cfg_);  // one floor sample after each add, so both see the same disk
      pt.rtt = sequential(c, cfg_.rttSamples, 0, id_, make, 10000, [&] { probe.sample(pt.floor); });
    }
    size_ += static_cast<long>(pt.rtt.ms.n());
    pt.thrStart = size_;
    pt.thr = pipeline(c, cfg_.thrCount, cfg_.window, id_, make, 30000);
    size_ += pt.thr.done;
    out_.points.push_back(pt);
    if (!pt.rtt.firstError.empty()) out_.error = pt.rtt.firstError;
    if (!pt.thr.firstError.empty()) out_.error = pt.thr.firstError;
  }

 private:
  const Config& cfg_;
  std::string name_;
  SessionRun& out_;
  std::optional<Child> child_;
  std::int64_t id_ = 10;
  long size_ = 0;
  long counter_ = 0;
  bool failedPrefill_ = false;
};

/// The file the JSON-file reference would have written after `target` adds.
void writeJsonSession(const std::string& dir, const std::string& sid, long target) {
  json j = {{"id", sid}, {"title", content(0).substr(0, 60)}, {"createdAt", "2026-01-01T00:00:00.000Z"},
            {"updatedAt", "2026-01-01T00:00:00.000Z"}, {"messages", json::array()}};
  auto& msgs = j["messages"];
  for (long i = 0; i < target; ++i)
    msgs.push_back({{"id", format("0193a1b2-0000-7000-8000-{:012d}", i)}, {"sessionId", sid},
                    {"role", i % 2 ? "assistant" : "user"}, {"content", content(i)},
                    {"createdAt", "2026-01-01T00:00:00.000Z"}, {"status", "complete"}});
  std::ofstream(dir + "/" + sid + ".json") << j.dump();
}

bool haveJsonFileServer(const Config& cfg) {
  return !cfg.node.empty() && !cfg.reference.empty() && fs::exists(cfg.reference) &&
         fs::exists(fs::path(cfg.reference).parent_path().parent_path() / "node_modules" / "vscode-jsonrpc");
}

}  // namespace

ColdStart measureColdStart(const Config& cfg) {
  say(format("cold start: aieditor x{}", cfg.coldRuns));
  std::string db = cfg.work + "/cold.db";
  removeDb(db);
  // Run 0 creates the database and is not counted.
  return coldStarts({cfg.server, "--db", db}, {}, initializeParams(db), serversLog(cfg), 10000, cfg.coldRuns, true);
}

ColdStart measureCopilotColdStart(const Config& cfg) {
  if (cfg.copilot.empty() || !fs::exists(cfg.copilot)) {
    ColdStart missing;
    missing.error = "not installed (run bench/run.sh without --no-npm)";
    return missing;
  }
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
  return coldStarts({cfg.copilot, "--stdio"}, env, params, cfg.work + "/copilot.stderr", 60000, cfg.copilotRuns, false);
}

void measureSessions(const Config& cfg, SessionRun& aieditor, SessionRun& referenceServer) {
  say(cfg.hasReferenceServer()
          ? "aieditor and the reference server, side by side: messages/add round trip and throughput as the session grows"
          : "aieditor: messages/add round trip and throughput as the session grows");
  GrowingSession ours(cfg, "aieditor", cfg.server, sessionDb(cfg), aieditor);
  std::optional<GrowingSession> theirs;
  if (cfg.hasReferenceServer())
    theirs.emplace(cfg, "reference server", cfg.referenceServer, cfg.work + "/reference-server.db", referenceServer);
  for (long target : cfg.sizes) {
    ours.measureAt(target);
    if (theirs) theirs->measureAt(target);
  }
}

SessionRun measureJsonFileServer(const Config& cfg) {
  SessionRun out;
  if (!haveJsonFileServer(cfg)) {
    out.error = "not installed (vscode-jsonrpc missing under bench/node_modules)";
    return out;
  }
  say("reference: JSON-file server (vscode-jsonrpc), same sizes");
  const std::string dir = jsonFileDir(cfg);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (long target : cfg.sizes) {
    std::string sid = format("ref-{}", target);
    // A fresh reference process on a file of exactly `target` messages, with the
    // session loaded (an assistant loads it when the chat is opened), so the first
    // add does not carry the JSON.parse of the whole file.
    auto fresh = [&]() -> std::optional<Child> {
      writeJsonSession(dir, sid, target);
      auto s = start({cfg.node, cfg.reference, dir}, {}, initializeParams(""), serversLog(cfg), 20000);
      if (!s.child || !s.error.empty()) {
        out.error = s.error;
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
    out.points.push_back(pt);
    if (!pt.rtt.firstError.empty()) out.error = pt.rtt.firstError;
    if (!pt.thr.firstError.empty()) out.error = pt.thr.firstError;
  }
  return out;
}

Opening measureOpen(const Config& cfg, const SessionRun& aieditor) {
  Opening out;
  out.size = aieditor.points.empty() ? 0 : aieditor.points.back().size;
  say(format("session/open of the largest session, x{}", cfg.openRuns));
  for (int i = 0; i < cfg.openRuns && !aieditor.points.empty(); ++i) {
    auto s = start({cfg.server, "--db", sessionDb(cfg)}, {}, initializeParams(sessionDb(cfg)), serversLog(cfg), 10000);
    if (!s.child || !s.error.empty()) {
      out.error = s.error;
      if (s.child) s.child->stop(false);
      break;
    }
    Child& c = *s.child;
    auto t0 = Clock::now();
    c.send(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "session/open"}, {"params", {{"sessionId", kSession}, {"limit", 50}}}}.dump());
    auto r = c.awaitResponse(2, 60000);
    double t = msSince(t0);
    if (!r || r->contains("error") || (*r)["result"]["messages"].size() != 50) {
      out.error = r ? r->dump().substr(0, 300) : "no response (" + c.error + ")";
      c.stop(false);
      break;
    }
    out.ms.add(t);
    out.rssAdded.push_back(rssKiB(c.pid) - s.rss);
    c.stop(true);
  }
  return out;
}

Opening measureJsonFileOpen(const Config& cfg, const SessionRun& jsonFile) {
  Opening out;
  if (jsonFile.points.empty()) return out;
  const SizePoint& largest = jsonFile.points.back();
  out.size = largest.size + largest.thr.done;
  for (int i = 0; i < cfg.openRuns && haveJsonFileServer(cfg); ++i) {
    auto s = start({cfg.node, cfg.reference, jsonFileDir(cfg)}, {}, initializeParams(""), serversLog(cfg), 20000);
    if (!s.child || !s.error.empty()) {
      if (s.child) s.child->stop(false);
      break;
    }
    Child& c = *s.child;
    auto t0 = Clock::now();
    c.send(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "session/open"},
                {"params", {{"sessionId", format("ref-{}", largest.size)}, {"limit", 50}}}}.dump());
    auto r = c.awaitResponse(2, 120000);
    double t = msSince(t0);
    if (!r || r->contains("error")) {
      c.stop(false);
      break;
    }
    out.ms.add(t);
    out.rssAdded.push_back(rssKiB(c.pid) - s.rss);
    c.stop(true);
  }
  return out;
}

}  // namespace bench
