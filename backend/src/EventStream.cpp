// GET /api/events: server-sent events (text/event-stream), one `change` event
// per committed change of the signed-in user, `id:` its seq. A stream starts
// at the user's latest change, or after Last-Event-ID, reading the change log
// for what it missed; then it follows the EventHub, and reads the log again
// whenever the hub cannot prove it has every change.
#include <httplib.h>

#include <charconv>
#include <limits>
#include <utility>
#include <nlohmann/json.hpp>

#include "Api.h"
#include "EventHub.h"
#include "common/Ids.h"
#include "common/Log.h"

namespace aieditor::backend {
namespace {

constexpr std::int64_t kLogPage = 200;

std::string changeEvent(std::int64_t seq, const std::string& sessionId, const std::string& kind) {
  return "event: change\nid: " + std::to_string(seq) + "\ndata: " +
         nlohmann::json{{"seq", seq}, {"session_id", sessionId}, {"kind", kind}}.dump() + "\n\n";
}

/// One open stream: where it is, and its slot among the server's streams.
struct Stream {
  const Api& api;
  std::int64_t userId;
  TokenHash accessToken;
  std::int64_t lastSent;
  bool readLog;          ///< the next step reads the change log before waiting
  std::string greeting;  ///< sent first, before any wait
  std::chrono::steady_clock::time_point tokenCheckDue = std::chrono::steady_clock::now() + api.options().heartbeat;
  ~Stream() { api.events().closeStream(); }

  /// The stream lives no longer than its access token: it ends once the token
  /// expires or its user is revoked (checked once a heartbeat period), and the
  /// client reconnects with a fresh token and Last-Event-ID.
  bool tokenStillValid() {
    if (std::chrono::steady_clock::now() < tokenCheckDue) return true;
    tokenCheckDue = std::chrono::steady_clock::now() + api.options().heartbeat;
    auto grant = api.storage().userForAccessToken(accessToken, server::now());
    return grant || grant.error().failure != Failure::NotFound;
  }

  /// One step: what is new (or a heartbeat), written to the sink. False ends
  /// the stream (the client went away, or the storage failed: it reconnects
  /// with Last-Event-ID and loses nothing).
  bool step(httplib::DataSink& sink) {
    if (!greeting.empty()) {
      const std::string first = std::exchange(greeting, {});
      return sink.write(first.data(), first.size());
    }
    std::string out;
    if (!readLog) {
      auto wake = api.events().waitAfter(userId, lastSent, api.options().heartbeat);
      if (wake.closing || !tokenStillValid()) return sink.done(), true;
      for (const auto& notice : wake.notices) out += changeEvent(notice.seq, notice.sessionId, notice.kind);
      if (!wake.notices.empty()) lastSent = wake.notices.back().seq;
      const bool quiet = wake.notices.empty() && !wake.readLog;
      if (quiet) out += ": heartbeat\n\n";
      // A quiet period also reads the log, in case a notice was lost on the way.
      readLog = wake.readLog || quiet;
    }
    if (readLog) {
      auto page = api.storage().changesSince(userId, lastSent, kLogPage);
      if (!page) {
        server::log::warn("event stream: reading changes failed: " + page.error().message);
        return false;
      }
      for (const auto& change : page->changes) out += changeEvent(change.seq, change.sessionId, change.kind);
      lastSent = std::max(lastSent, page->next);
      readLog = page->hasMore;
    }
    return out.empty() || sink.write(out.data(), out.size());
  }
};

}  // namespace

void streamEvents(const Api& api, Api::Call& call) {
  std::optional<std::int64_t> lastEventId;
  if (call.request.has_header("Last-Event-ID")) {
    const std::string text = call.request.get_header_value("Last-Event-ID");
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0)
      return sendError(call.response, 400, "invalid_request",
                       "Last-Event-ID: must be the id (a seq, a non-negative integer) of an event of this stream");
    lastEventId = value;
  }
  // Where the user's change log ends now: nothing after the last seq.
  auto now = api.storage().changesSince(call.user.id, std::numeric_limits<std::int64_t>::max() - 1, 1);
  if (!now) return sendError(call.response, 503, "unavailable", now.error().message);
  if (!api.events().openStream(api.options().maxStreams)) {
    call.response.set_header("Retry-After", "5");
    return sendError(call.response, 503, "unavailable",
                     "too many open event streams (" + std::to_string(api.options().maxStreams) + "); retry shortly");
  }
  // Built in place: its destructor gives the slot back.
  auto stream = std::make_shared<Stream>(api, call.user.id, call.accessToken, now->latest, false,
                                         "retry: 2000\n: connected\n\n");
  if (lastEventId && *lastEventId <= now->latest) {
    stream->lastSent = *lastEventId;
    stream->readLog = true;
  } else if (lastEventId) {
    // The client has seen changes this backend no longer has: it was restored
    // from a backup. Say so, so the client pushes what it holds again.
    stream->greeting += "event: reset\ndata: " +
                        nlohmann::json{{"last_event_id", *lastEventId}, {"latest", now->latest}}.dump() + "\n\n";
  }
  call.response.set_header("Cache-Control", "no-cache");
  call.response.set_header("X-Accel-Buffering", "no");  // proxies (nginx) must not buffer the stream
  call.response.set_chunked_content_provider(
      "text/event-stream", [stream](std::size_t, httplib::DataSink& sink) { return stream->step(sink); });
}

}  // namespace aieditor::backend
