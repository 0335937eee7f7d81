#include "streaming.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "FakeUpstream.h"
#include "process.h"
#include "requests.h"
#include "text.h"

namespace bench {

namespace fs = std::filesystem;
using aieditor::test::FakeExchange;
using aieditor::test::FakeResponse;
using aieditor::test::FakeUpstream;

namespace {

constexpr int kStorageFailed = -32001;  // a write that failed (here: the lock outlasted the busy timeout)

// ---------------------------------------------------------------- marked replies

std::string chunkMarker(int i) { return "«" + std::to_string(i) + "»"; }

/// The chunk numbers whose markers appear in `text` (several if chunks were merged).
std::vector<int> findMarkers(std::string_view text) {
  static const std::string open = "«", close = "»";
  std::vector<int> out;
  for (auto at = text.find(open); at != std::string_view::npos; at = text.find(open, at + 1)) {
    std::size_t digits = at + open.size(), end = digits;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    if (end > digits && text.substr(end, close.size()) == close)
      out.push_back(std::stoi(std::string(text.substr(digits, end - digits))));
  }
  return out;
}

/// The upstream's answer to every request: the API's stream (a role chunk,
/// `chunks` content chunks `pauseMs` apart, content chunk i carrying «i», then
/// the finish_reason and usage events and `data: [DONE]`), one event per
/// write() except the end, which goes out with the last chunk at once.
FakeResponse markedReply(int chunks, int pauseMs) {
  std::vector<std::string> deltas;
  for (int i = 0; i < chunks; ++i) deltas.push_back(chunkMarker(i) + " tok ");
  auto events = aieditor::test::openAiStream(deltas, "gpt-bench", 11, chunks);
  FakeResponse r;
  r.chunks.assign(events.begin(), events.begin() + 1 + chunks);
  for (auto end = events.begin() + 1 + chunks; end != events.end(); ++end) r.chunks.back() += *end;
  r.gap = std::chrono::milliseconds(pauseMs);
  return r;
}

using Arrival = std::pair<int, Clock::time_point>;  // (marker, when its chat/delta was parsed)

/// Each marker in a chat/delta, with the time it was parsed.
void noteArrivals(const json& delta, std::vector<Arrival>& arrivals) {
  auto now = Clock::now();
  for (int m : findMarkers(delta.value("/params/delta"_json_pointer, std::string{}))) arrivals.emplace_back(m, now);
}

bool isDelta(const json& j) { return j.is_object() && j.value("method", "") == "chat/delta"; }
/// A response's id, or nothing for any other message.
std::optional<std::int64_t> responseId(const json& j) {
  if (!j.is_object() || !j.contains("id") || j.contains("method") || !j["id"].is_number()) return std::nullopt;
  return j["id"].get<std::int64_t>();
}

/// The samples of one reply: each arrival minus the write() of its chunk
/// (content chunk i is the exchange's chunk i + 1, after the role chunk).
/// Why the exchange cannot be used, or "".
std::string addSamples(const std::vector<Arrival>& arrivals, const std::optional<FakeExchange>& exchange, int chunks,
                       Stats& all, Stats* last) {
  if (!exchange) return "the fake upstream finished no stream";
  if (exchange->request.method != "POST" || exchange->request.path != "/v1/chat/completions")
    return "the fake upstream got an unexpected request: " + exchange->request.method + " " + exchange->request.path;
  const auto& written = exchange->chunkWritten;
  for (auto [m, t] : arrivals) {
    auto chunk = static_cast<std::size_t>(m) + 1;
    if (m < 0 || chunk >= written.size() || written[chunk] == Clock::time_point{}) continue;
    double ms = msBetween(written[chunk], t);
    all.add(ms);
    if (last && m == chunks - 1) last->add(ms);
  }
  return "";
}

/// One reply streamed from the fake upstream: sends `chat/send` and times
/// each chunk marker in each `chat/delta` until the response. Why it failed, or "".
std::string streamOnce(Child& c, FakeUpstream& up, std::int64_t id, const std::string& session, int chunks, Streamed& out) {
  std::vector<Arrival> arrivals;
  c.send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "chat/send"},
              {"params", {{"sessionId", session}, {"text", "A pricing card with three tiers"}}}}.dump());
  auto r = c.awaitResponse(id, 60000, [&](const json& j) {
    if (isDelta(j)) noteArrivals(j, arrivals);
  });
  if (!r || r->contains("error")) return r ? r->dump().substr(0, 300) : "no chat/send response (" + c.error + ")";
  if (auto why = addSamples(arrivals, up.takeExchange(std::chrono::seconds(10)), chunks, out.all, &out.last); !why.empty())
    return why;
  if (arrivals.size() != static_cast<std::size_t>(chunks)) return format("{} of {} chunk markers arrived", arrivals.size(), chunks);
  return "";
}

/// aieditor (or the reference server) on a fresh database with its `openai`
/// provider pointed at the upstream, with `sessions` opened.
std::optional<Child> startChatServer(const Config& cfg, const std::string& binary, const std::string& db,
                                     const FakeUpstream& up, const std::vector<std::string>& sessions, std::string& error) {
  for (auto suffix : {"", "-wal", "-shm"}) fs::remove(db + suffix);
  json params = initializeParams(db);
  params["initializationOptions"].update({{"provider", "openai"}, {"baseUrl", up.url() + "/v1"}, {"model", "gpt-bench"}});
  // A dummy key, and no config file from the home directory.
  std::map<std::string, std::string> env = {{"OPENAI_API_KEY", "sk-bench-dummy"}, {"XDG_CONFIG_HOME", cfg.work + "/no-config"}};
  auto s = start({binary, "--db", db}, env, params, cfg.work + "/servers.stderr", 10000);
  if (!s.child || !s.error.empty()) {
    error = s.error;
    if (s.child) s.child->stop(false);
    return std::nullopt;
  }
  std::int64_t id = 50;
  for (const auto& session : sessions) {
    s.child->send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "session/open"}, {"params", {{"sessionId", session}}}}.dump());
    auto r = s.child->awaitResponse(id++, 10000);
    if (!r || r->contains("error")) {
      error = r ? "session/open: " + r->dump().substr(0, 300) : "no session/open response (" + s.child->error + ")";
      s.child->stop(false);
      return std::nullopt;
    }
  }
  return std::move(s.child);
}

/// Another process's write lock on a database: BEGIN IMMEDIATE on the
/// driver's own SQLite connection, held until release() (or destruction),
/// which rolls it back: nothing is written.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    // Never creates the file: the server made it.
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      error_ = "cannot open " + path + ": " + sqlite3_errmsg(db_);
      return;
    }
    sqlite3_busy_timeout(db_, 10000);  // the server may be finishing a write
    char* message = nullptr;
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, &message) != SQLITE_OK) {
      error_ = std::string("BEGIN IMMEDIATE failed: ") + (message ? message : "?");
      sqlite3_free(message);
      return;
    }
    held_ = true;
  }
  ~WriteLock() {
    release();
    sqlite3_close(db_);
  }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

  const std::string& error() const { return error_; }
  void release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
  std::string error_;
};

/// The replies under the lock, one after another: each chat/send is sent once
/// the previous reply's last chunk has arrived; its response is not awaited.
/// Stops at the first reply whose chunks do not all come within the wait.
void streamWhileLocked(const Config& cfg, Child& c, FakeUpstream& up, std::map<std::int64_t, json>& responses, Locked& out) {
  const int chunks = cfg.streamChunks;
  const auto wait = std::chrono::milliseconds(cfg.lockWaitMs + chunks * cfg.chunkPauseMs);
  for (int k = 0; k < cfg.lockedStreams; ++k) {
    const std::int64_t id = 200 + k;
    const std::string session = format("bench-lock-{}", k);
    c.send(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "chat/send"},
                {"params", {{"sessionId", session}, {"text", "A pricing card with three tiers"}}}}.dump());
    responses[id] = nullptr;
    ++out.replies;
    std::vector<Arrival> arrivals;
    bool lastArrived = false;
    c.pump(Clock::now() + wait, [&](const json& j) {
      if (isDelta(j) && j.value("/params/sessionId"_json_pointer, std::string{}) == session) {
        noteArrivals(j, arrivals);
        lastArrived = lastArrived || (!arrivals.empty() && arrivals.back().first == chunks - 1);
      } else if (auto rid = responseId(j); rid && responses.contains(*rid)) {
        responses[*rid] = j;  // e.g. -32001 once the busy timeout has passed
      }
      return lastArrived;
    });
    if (!lastArrived) {
      out.blocked = true;
      std::string within = num(static_cast<double>(wait.count()) / 1000, 1) + " s";
      out.blockedWhy = arrivals.empty() ? "no chat/delta within " + within
                                        : format("{} of {} chunks within {}", arrivals.size(), chunks, within);
      return;
    }
    if (auto why = addSamples(arrivals, up.takeExchange(std::chrono::seconds(10)), chunks, out.all, nullptr); !why.empty()) {
      out.error = why;
      return;
    }
    ++out.streamed;
  }
}

/// Every chat/send's response, once the lock is released: a result, or
/// -32001 (the prompt's write outlasted the busy timeout and is saved later).
void collectResponses(Child& c, std::map<std::int64_t, json>& responses, Locked& out) {
  auto missing = [&] {
    return std::ranges::count_if(responses, [](const auto& r) { return r.second.is_null(); });
  };
  if (missing() > 0)
    c.pump(Clock::now() + std::chrono::seconds(30), [&](const json& j) {
      if (auto rid = responseId(j); rid && responses.contains(*rid)) responses[*rid] = j;
      return missing() == 0;
    });
  for (auto& [id, r] : responses) {
    if (r.is_null()) {
      if (out.error.empty()) out.error = "no chat/send response within 30 s of the lock's release (" + c.error + ")";
    } else if (!r.contains("error")) {
      ++out.saved;
    } else if (r["error"].value("code", 0) == kStorageFailed) {
      ++out.savedLater;
    } else if (out.error.empty()) {
      out.error = "chat/send: " + r.dump().substr(0, 300);
    }
  }
}

}  // namespace

Streaming measureStreaming(const Config& cfg) {
  Streaming out;
  say(format("streaming: {} replies of {} chunks ({} ms apart) from a fake OpenAI upstream, aieditor{} in turn",
             cfg.streams, cfg.streamChunks, cfg.chunkPauseMs,
             cfg.hasReferenceServer() ? ", the C++ relay and the reference server" : " and the C++ relay"));
  FakeUpstream up, theirs;  // the reference server has its own, so a failure of either cannot mix their streams
  up.setFallback(markedReply(cfg.streamChunks, cfg.chunkPauseMs));
  theirs.setFallback(markedReply(cfg.streamChunks, cfg.chunkPauseMs));
  auto ai = startChatServer(cfg, cfg.server, cfg.work + "/chat.db", up, {"bench-chat"}, out.error);
  auto relay = Child::spawn({cfg.self, "--relay", std::to_string(up.port())}, {}, cfg.work + "/relay.stderr");
  if (!relay) out.relayError = "cannot spawn the relay";
  std::optional<Child> ref;
  if (cfg.hasReferenceServer())
    ref = startChatServer(cfg, cfg.referenceServer, cfg.work + "/chat-reference.db", theirs, {"bench-chat"},
                          out.referenceServerError);
  // Taking turns, all see the same machine; after a failure a stream may
  // still be in flight, so aieditor and the relay (which share the upstream) both stop.
  for (int i = 0; i < cfg.streams && out.error.empty() && out.relayError.empty(); ++i) {
    out.error = streamOnce(*ai, up, 100 + i, "bench-chat", cfg.streamChunks, out.aieditor);
    if (out.error.empty()) out.relayError = streamOnce(*relay, up, 100 + i, "relay", cfg.streamChunks, out.relay);
    if (ref && out.referenceServerError.empty())
      out.referenceServerError = streamOnce(*ref, theirs, 100 + i, "bench-chat", cfg.streamChunks, out.referenceServer);
  }
  if (ai) ai->stop(out.error.empty());
  if (relay) relay->stop(false);
  if (ref) ref->stop(out.referenceServerError.empty());
  return out;
}

Locked measureUnderLock(const Config& cfg, bool referenceServer) {
  Locked out;
  out.ran = true;
  say(format("streaming while another process holds the database's write lock: {}, {} replies",
             referenceServer ? "the reference server" : "aieditor", cfg.lockedStreams));
  FakeUpstream up;
  up.setFallback(markedReply(cfg.streamChunks, cfg.chunkPauseMs));
  const std::string server = referenceServer ? cfg.referenceServer : cfg.server;
  const std::string db = cfg.work + (referenceServer ? "/chat-lock-reference.db" : "/chat-lock.db");
  std::vector<std::string> sessions = {"bench-lock-warm"};  // opened now: opening a new session writes it
  for (int k = 0; k < cfg.lockedStreams; ++k) sessions.push_back(format("bench-lock-{}", k));
  auto c = startChatServer(cfg, server, db, up, sessions, out.error);
  if (!c) return out;
  // One reply before the lock: the provider's first use (libcurl loads) is not measured.
  Streamed warm;
  if (out.error = streamOnce(*c, up, 150, "bench-lock-warm", cfg.streamChunks, warm); !out.error.empty()) {
    c->stop(false);
    return out;
  }
  std::map<std::int64_t, json> responses;  // chat/send id → its response (null until it comes)
  {
    WriteLock lock(db);
    if (!lock.error().empty()) {
      out.error = "the driver's lock: " + lock.error();
      c->stop(false);
      return out;
    }
    auto heldAt = Clock::now();
    streamWhileLocked(cfg, *c, up, responses, out);
    lock.release();
    out.heldMs = msSince(heldAt);
  }
  collectResponses(*c, responses, out);
  c->stop(out.error.empty());
  return out;
}

}  // namespace bench
