#include "streaming.h"

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

}  // namespace

Streaming measureStreaming(const Config& cfg) {
  Streaming out;
  say(format("streaming: {} replies of {} chunks ({} ms apart) from a fake OpenAI upstream, aieditor{} and the C++ relay in turn",
             cfg.streams, cfg.streamChunks, cfg.chunkPauseMs, cfg.hasReferenceServer() ? ", the reference server" : ""));
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

}  // namespace bench
