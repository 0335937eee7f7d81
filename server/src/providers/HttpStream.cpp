#include "providers/HttpStream.h"

#include "aieditor/protocol/JsonText.h"
#include "providers/CurlLibrary.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <random>
#include <system_error>

#include "common/Log.h"

namespace aieditor::server {
namespace {
/// The loaded library; providers call loadCurl() before any transfer starts.
const CurlLibrary& curl() { return **loadCurl(); }
}  // namespace


using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- SSE ---------------------------------------------------------------------

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  for (char c : bytes) {
    // "\r\n" is one line end: the '\n' after a '\r' was already handled.
    if (c == '\n' && lastWasCr_) {
      lastWasCr_ = false;
      continue;
    }
    lastWasCr_ = c == '\r';
    if (c == '\r' || c == '\n') {
      std::string text = std::move(line_);
      line_.clear();
      line(text, out);
    } else {
      line_.push_back(c);
    }
  }
  return out;
}

void SseParser::line(std::string_view text, std::vector<SseEvent>& out) {
  if (text.empty()) {  // a blank line dispatches the event
    if (hasData_) out.push_back({std::move(event_), std::move(data_)});
    event_.clear();
    data_.clear();
    hasData_ = false;
    return;
  }
  if (text.front() == ':') return;  // a comment (keep-alive)
  std::string_view field = text, value;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (hasData_) data_.push_back('\n');
    data_.append(value);
    hasData_ = true;
  } else if (field == "event") {
    event_ = value;
  }  // id and retry do not matter to a one-shot stream
}

// ---- Helpers -----------------------------------------------------------------

std::string upstreamExcerpt(std::string_view text, std::size_t limit, const Redactor& redactor) {
  std::string excerpt = redactor.redact(text);
  if (excerpt.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(excerpt[cut]) & 0xC0) == 0x80) --cut;
    excerpt.resize(cut);
  }
  std::replace_if(excerpt.begin(), excerpt.end(), [](unsigned char c) { return c < 0x20; }, ' ');
  while (!excerpt.empty() && excerpt.back() == ' ') excerpt.pop_back();
  return excerpt;
}

std::string upstreamMessage(std::string_view body, const Redactor& redactor) {
  nlohmann::json value;
  if (!protocol::readJson(body, value) && value.is_object()) {
    auto text = [&](const nlohmann::json& v) -> std::optional<std::string> {
      if (v.is_string()) return redactor.redact(v.get<std::string>());
      return std::nullopt;
    };
    if (auto it = value.find("error"); it != value.end()) {
      if (auto s = text(*it)) return *s;
      if (it->is_object())
        if (auto m = it->find("message"); m != it->end())
          if (auto s = text(*m)) return *s;
    }
    for (const char* key : {"message", "detail"})
      if (auto it = value.find(key); it != value.end())
        if (auto s = text(*it)) return *s;
  }
  std::string excerpt = upstreamExcerpt(body, 300, redactor);
  return excerpt.empty() ? "no details given" : excerpt;
}

milliseconds backoffDelay(const HttpSettings& settings, int retry) {
  thread_local std::mt19937 random{std::random_device{}()};
  double delay = static_cast<double>(settings.retryBaseDelay.count());
  for (int i = 1; i < retry && delay < static_cast<double>(settings.retryMaxDelay.count()); ++i) delay *= 2;
  delay = std::min(delay, static_cast<double>(settings.retryMaxDelay.count()));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return milliseconds(static_cast<std::int64_t>(delay * jitter(random)));
}

namespace {

constexpr milliseconds kPoll{20};
constexpr std::size_t kMaxErrorBody = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// How one attempt ended.
struct AttemptResult {
  std::optional<ProviderError> error;  ///< none: the reply is complete
  bool retryable = false;
  std::optional<milliseconds> retryAfter;
};

/// One streaming request on its worker thread.
class Transfer {
 public:
  Transfer(HttpJob& job, const HttpSettings& settings, Scheduler& scheduler, protocol::CancelToken token,
           std::shared_ptr<StreamHandlers> handlers, const std::atomic<bool>& stopping)
      : job_(job),
        settings_(settings),
        scheduler_(scheduler),
        token_(std::move(token)),
        handlers_(std::move(handlers)),
        stopping_(stopping) {}

  /// Tries, retries, and posts exactly one onDone.
  void run() {
    log::debug("provider " + job_.provider + ": POST " + job_.redactor->redact(job_.url));
    for (int attempt = 1;; ++attempt) {
      AttemptResult result = perform();
      if (!result.error) return finish(job_.decoder->completion());
      ProviderError error = std::move(*result.error);
      error.message = job_.redactor->redact(error.message);
      if (error.kind == ProviderError::Kind::Cancelled || !result.retryable || delivered_ ||
          attempt >= settings_.retryAttempts) {
        if (result.retryable && !delivered_ && attempt > 1)
          error.message += " (gave up after " + std::to_string(attempt) + " attempts)";
        return finish(std::unexpected(std::move(error)));
      }
      milliseconds delay = result.retryAfter ? std::min(*result.retryAfter, settings_.retryMaxDelay)
                                             : backoffDelay(settings_, attempt);
      log::info(error.message + "; retry " + std::to_string(attempt) + " of " +
                std::to_string(settings_.retryAttempts - 1) + " in " + std::to_string(delay.count()) + " ms");
      if (!pause(delay)) return finish(std::unexpected(cancelled()));
    }
  }

 private:
  bool stopped() const { return token_.cancelled() || stopping_.load(); }
  ProviderError cancelled() const { return {ProviderError::Kind::Cancelled, "cancelled"}; }

  /// Posts the reply's held tail, then the one onDone.
  void finish(std::expected<Completion, ProviderError> outcome) {
    if (std::string tail = reply_.finish(); !tail.empty()) deliver(std::move(tail));
    if (outcome) outcome->model = job_.redactor->redact(outcome->model);
    scheduler_.post([handlers = handlers_, outcome = std::move(outcome)]() mutable {
      handlers->onDone(std::move(outcome));
    });
  }

  void deliver(std::string delta) {
    delivered_ = true;
    scheduler_.post(
        [handlers = handlers_, delta = std::move(delta)]() mutable { handlers->onDelta(std::move(delta)); });
  }

  /// Waits `delay` unless stopped first; false when stopped.
  bool pause(milliseconds delay) {
    const auto until = Clock::now() + delay;
    while (Clock::now() < until) {
      if (stopped()) return false;
      std::this_thread::sleep_for(std::min<Clock::duration>(kPoll, until - Clock::now()));
    }
    return !stopped();
  }

  // -- one attempt --

  AttemptResult perform() {
    status_ = 0;
    retryAfter_.reset();
    errorBody_.clear();
    streamError_.reset();
    finished_ = false;
    parser_ = SseParser{};
    reply_.finish();  // what a failed attempt held back is not part of this one
    lastData_ = Clock::now();

    CURL* easy = curl().easy_init();
    CURLM* multi = curl().multi_init();
    if (!easy || !multi) {
      if (easy) curl().easy_cleanup(easy);
      if (multi) curl().multi_cleanup(multi);
      return {ProviderError{ProviderError::Kind::Network, "cannot start a transfer (libcurl)"}, false, {}};
    }
    easy_ = easy;
    curl_slist* headers = nullptr;
    for (const auto& h : job_.headers) headers = curl().slist_append(headers, h.c_str());
    headers = curl().slist_append(headers, "Expect:");  // no 100-continue round trip before the body
    char errorBuffer[CURL_ERROR_SIZE] = {};
    curl().easy_setopt(easy, CURLOPT_URL, job_.url.c_str());
    curl().easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl().easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl().easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(job_.body.size()));
    curl().easy_setopt(easy, CURLOPT_POSTFIELDS, job_.body.c_str());
    curl().easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl().easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connectTimeout.count()));
    curl().easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.totalTimeout.count()));
    curl().easy_setopt(easy, CURLOPT_ERRORBUFFER, errorBuffer);
    curl().easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::onWrite);
    curl().easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl().easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
    curl().easy_setopt(easy, CURLOPT_HEADERDATA, this);
    // Belt and braces: curl also asks this while it transfers.
    curl().easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl().easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &Transfer::onProgress);
    curl().easy_setopt(easy, CURLOPT_XFERINFODATA, this);
    curl().multi_add_handle(multi, easy);

    enum class Stop { None, Cancelled, Stalled } stop = Stop::None;
    CURLcode code = CURLE_OK;
    for (;;) {
      int running = 0;
      curl().multi_perform(multi, &running);
      if (running == 0) {
        int left = 0;
        while (CURLMsg* msg = curl().multi_info_read(multi, &left))
          if (msg->msg == CURLMSG_DONE) code = msg->data.result;
        break;
      }
      if (stopped()) {
        stop = Stop::Cancelled;
        break;
      }
      if (Clock::now() - lastData_ > settings_.idleTimeout) {
        stop = Stop::Stalled;
        break;
      }
      curl().multi_poll(multi, nullptr, 0, static_cast<int>(kPoll.count()), nullptr);
    }
    curl().multi_remove_handle(multi, easy);
    curl().easy_cleanup(easy);
    curl().multi_cleanup(multi);
    curl().slist_free_all(headers);
    easy_ = nullptr;

    const std::string& who = job_.provider;
    if (finished_) return {};
    if (stop == Stop::Cancelled || (code == CURLE_ABORTED_BY_CALLBACK && stopped())) return {cancelled(), false, {}};
    if (streamError_) {
      bool transient = streamError_->kind == ProviderError::Kind::Upstream ||
                       streamError_->kind == ProviderError::Kind::RateLimited;
      return {std::move(*streamError_), transient, {}};
    }
    if (stop == Stop::Stalled)
      return {ProviderError{ProviderError::Kind::Timeout, "provider " + who + " stalled: no data for " +
                                                              std::to_string(settings_.idleTimeout.count()) + " ms"},
              true, {}};
    if (code == CURLE_OPERATION_TIMEDOUT)
      return {ProviderError{ProviderError::Kind::Timeout, "provider " + who + " timed out: " + errorText(code, errorBuffer)},
              true, {}};
    if (code != CURLE_OK) {
      bool transient = code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
                       code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
                       code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE || code == CURLE_SSL_CONNECT_ERROR;
      std::string what = code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST
                             ? "cannot connect to provider " + who + " at " + job_.url
                             : "the connection to provider " + who + " failed";
      return {ProviderError{ProviderError::Kind::Network, what + ": " + errorText(code, errorBuffer)}, transient, {}};
    }
    if (status_ / 100 != 2) return statusFailure();
    if (job_.decoder->complete()) return {};  // ended without its end marker, but whole
    return {ProviderError{ProviderError::Kind::Network,
                          "the stream from provider " + who + " ended before the reply was complete"},
            true, {}};
  }

  static std::string errorText(CURLcode code, const char* buffer) {
    return buffer && *buffer ? std::string(buffer) : std::string(curl().easy_strerror(code));
  }

  AttemptResult statusFailure() const {
    const std::string& who = job_.provider;
    const std::string detail = upstreamMessage(errorBody_, *job_.redactor);
    const std::string http = " (HTTP " + std::to_string(status_) + ")";
    using K = ProviderError::Kind;
    switch (status_) {
      case 401:
      case 403:
        return {ProviderError{K::Auth, "authentication failed for provider " + who + ": check " + job_.keySource +
                                           http + ": " + detail},
                false, {}};
      case 400:
      case 422:
        return {ProviderError{K::BadRequest, "provider " + who + " rejected the request" + http + ": " + detail},
                false, {}};
      case 404:
        return {ProviderError{K::BadRequest, "provider " + who + " has no such endpoint or model" + http +
                                                 ": check baseUrl and model: " + detail},
                false, {}};
      case 429:
        return {ProviderError{K::RateLimited, "provider " + who + " is rate limiting requests" + http + ": " + detail},
                true, retryAfter_};
      case 500:
      case 502:
      case 503:
      case 529:
        return {ProviderError{K::Upstream, "provider " + who + " is unavailable" + http + ": " + detail}, true,
                retryAfter_};
      default:
        return {ProviderError{K::Upstream, "provider " + who + " failed" + http + ": " + detail}, false, {}};
    }
  }

  // -- libcurl callbacks (worker thread) --

  static std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* self) {
    auto& t = *static_cast<Transfer*>(self);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      t.retryAfter_.reset();  // a new response (after a 100 Continue, say)
      return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name = lower(line.substr(0, colon));
    std::string value(line.substr(colon + 1));
    long long number = -1;
    try {
      number = std::stoll(value);
    } catch (...) {  // an HTTP date or garbage: fall back to the backoff
    }
    if (number >= 0 && name == "retry-after-ms") t.retryAfter_ = milliseconds(number);
    else if (number >= 0 && name == "retry-after" && !t.retryAfter_) t.retryAfter_ = milliseconds(number * 1000);
    return size * count;
  }

  static std::size_t onWrite(char* data, std::size_t size, std::size_t count, void* self) {
    auto& t = *static_cast<Transfer*>(self);
    const std::size_t n = size * count;
    t.lastData_ = Clock::now();
    t.bytes_ += n;
    if (t.status_ == 0) curl().easy_getinfo(t.easy_, CURLINFO_RESPONSE_CODE, &t.status_);
    if (t.status_ / 100 != 2) {
      t.errorBody_.append(data, std::min(n, kMaxErrorBody - std::min(kMaxErrorBody, t.errorBody_.size())));
      return n;
    }
    for (auto& event : t.parser_.feed(std::string_view(data, n))) {
      DecodedEvent decoded = t.job_.decoder->decode(event);
      // A key split across two deltas is caught: the redactor holds back a
      // tail that could begin one, until the next delta or the end.
      if (std::string text = t.reply_.feed(decoded.delta); !text.empty()) t.deliver(std::move(text));
      if (decoded.error) {
        t.streamError_ = std::move(decoded.error);
        return 0;  // aborts the transfer
      }
      if (decoded.finished) {
        t.finished_ = true;
        return 0;  // the reply is whole; anything after it does not matter
      }
    }
    return n;
  }

  static int onProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(self)->stopped() ? 1 : 0;
  }

  HttpJob& job_;
  const HttpSettings& settings_;
  Scheduler& scheduler_;
  protocol::CancelToken token_;
  std::shared_ptr<StreamHandlers> handlers_;
  const std::atomic<bool>& stopping_;

  CURL* easy_ = nullptr;
  long status_ = 0;
  std::optional<milliseconds> retryAfter_;
  std::string errorBody_;
  SseParser parser_;
  RedactingStream reply_{*job_.redactor};
  std::optional<ProviderError> streamError_;
  bool finished_ = false;
  bool delivered_ = false;  ///< a delta went out: no more retries
  std::size_t bytes_ = 0;
  Clock::time_point lastData_;
};

}  // namespace

// ---- HttpStreamer --------------------------------------------------------------

HttpProvider::HttpProvider(Scheduler& scheduler, EndpointConfig config)
    : config_(std::move(config)), streamer_(scheduler, config_.http) {}

void HttpProvider::stream(const ProviderRequest& request, protocol::CancelToken token, StreamHandlers handlers) {
  HttpJob job;
  job.provider = name();
  job.keySource = config_.keySource;
  job.redactor = config_.redactor;
  describe(request, request.model.empty() ? config_.model : request.model, job);
  streamer_.start(std::move(job), std::move(token), std::move(handlers));
}

HttpStreamer::HttpStreamer(Scheduler& scheduler, HttpSettings settings)
    : scheduler_(scheduler), settings_(settings) {}

HttpStreamer::~HttpStreamer() {
  stopping_ = true;
  std::vector<Worker> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w.thread.join();
}

void HttpStreamer::reap() {
  std::erase_if(workers_, [](Worker& w) {
    if (!w.finished->load()) return false;
    w.thread.join();
    return true;
  });
}

void HttpStreamer::start(HttpJob job, protocol::CancelToken token, StreamHandlers handlers) {
  if (!job.redactor) job.redactor = std::make_shared<const Redactor>();  // a job built without one
  auto shared = std::make_shared<StreamHandlers>(std::move(handlers));
  std::lock_guard lock(mutex_);
  reap();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  try {
    std::thread thread([this, job = std::move(job), token, shared, finished]() mutable {
      Transfer(job, settings_, scheduler_, token, shared, stopping_).run();
      finished->store(true);
    });
    workers_.push_back({std::move(thread), finished});
  } catch (const std::system_error& e) {
    scheduler_.post([shared, why = std::string(e.what())] {
      shared->onDone(std::unexpected(ProviderError{ProviderError::Kind::Network, "cannot start a transfer: " + why}));
    });
  }
}

}  // namespace aieditor::server
