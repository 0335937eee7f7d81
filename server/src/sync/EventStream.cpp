#include "sync/EventStream.h"

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"
#include "common/Log.h"
#include "sync/BackendHttp.h"
#include "sync/Backoff.h"

namespace aieditor::server {

using nlohmann::json;

void EventParser::feed(std::string_view bytes) {
  partial_.append(bytes);
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = partial_.find_first_of("\r\n", start);
    if (end == std::string::npos) break;
    line(std::string_view(partial_).substr(start, end - start));
    // CRLF is one line end.
    start = end + 1;
    if (partial_[end] == '\r' && start < partial_.size() && partial_[start] == '\n') ++start;
  }
  partial_.erase(0, start);
}

void EventParser::line(std::string_view text) {
  if (text.empty()) {
    if (data_) dispatch_(type_.empty() ? "message" : type_, id_);
    type_.clear();
    data_ = false;
    return;
  }
  if (text.front() == ':') return;  // a comment (": heartbeat")
  const std::size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : text.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "event") type_ = value;
  if (field == "data") data_ = true;
  if (field == "id") id_ = std::string(value);
}

EventStream::EventStream(Options options, std::function<void()> pull)
    : options_(std::move(options)), pull_(std::move(pull)) {
  thread_ = std::thread([this] { run(); });
}

EventStream::~EventStream() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EventStream::reachable() {
  {
    std::lock_guard lock(mutex_);
    reachable_ = true;
  }
  wake_.notify_one();
}

bool EventStream::pause(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stop_.load() || reachable_; });
  reachable_ = false;
  return !stop_;
}

void EventStream::run() {
  int failures = 0;
  while (!stop_) {
    if (listen()) failures = 0;
    if (stop_) return;
    if (!pause(backoffDelay(++failures, options_.backoffBase, options_.backoffCap, options_.settings.retryDelay)))
      return;
  }
}

bool EventStream::listen() {
  const std::string& url = options_.settings.url;
  if (accessToken_.empty()) {
    const json grant{{"grant_type", "refresh_token"}, {"refresh_token", options_.settings.token}};
    auto reply = postJson(url + "/api/auth/token", grant.dump(), "", options_.requestTimeout, stop_);
    json body;
    // The sync thread reports sign-in failures; this one only tries again later.
    if (!reply || reply->status != 200 || protocol::readJson(reply->body, body) || !body.is_object() ||
        !body.contains("access_token") || !body["access_token"].is_string())
      return false;
    accessToken_ = body["access_token"].get<std::string>();
  }
  std::vector<std::string> headers{"Accept: text/event-stream"};
  if (lastEventId_) headers.push_back("Last-Event-ID: " + *lastEventId_);
  bool connected = false;
  EventParser parser([this](const std::string& type, const std::optional<std::string>& id) {
    if (id) lastEventId_ = id;
    if (type == "reset") lastEventId_.reset();  // the stream goes on from the restored latest
    if (type == "change" || type == "reset") pull_();
  });
  auto reply =
      getStream(url + "/api/events", accessToken_, headers, options_.quiet, stop_, [&](std::string_view bytes) {
        if (!connected) {
          connected = true;
          pull_();  // what came while the stream was down
        }
        parser.feed(bytes);
      });
  if (reply && reply->status == 401) accessToken_.clear();  // expired: a fresh one next time
  if (reply && reply->status == 400) lastEventId_.reset();  // a Last-Event-ID it refuses
  if (!reply && !stop_) log::debug("sync: the event stream ended: " + reply.error());
  return connected;
}

}  // namespace aieditor::server
