// Streaming HTTP for the network providers: libcurl on a worker thread per
// request, a server-sent-events parser, retries with backoff and the
// translation of HTTP failures into ProviderErrors a person can act on.
//
// Threading: `HttpStreamer::start` returns at once. The transfer runs on a
// worker thread the streamer owns (and joins); every callback the provider
// gave (`StreamHandlers`) is posted to the event loop through the Scheduler.
// The worker polls at least every 20 ms, so a cancelled token, a stall past
// the idle timeout or the streamer's destruction ends the transfer promptly.
//
// Retries (connect failure, timeout, 429, 500/502/503/529) happen only while
// no delta has been delivered; after the first token a failure ends the
// reply with what arrived.
//
// Keys: whatever comes back from upstream (each delta, the model's name,
// error text) passes through the job's Redactor on the worker thread, before
// anything is cut short; deltas through a RedactingStream, so a key split
// across two deltas is caught (see Redaction.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/Scheduler.h"
#include "providers/Provider.h"
#include "providers/Redaction.h"

namespace aieditor::server {

/// One server-sent event: its `event:` name (may be empty) and its data lines
/// joined with '\n'.
struct SseEvent {
  std::string event;
  std::string data;
};

/// Splits a byte stream into events as the SSE specification says: lines end
/// in \n, \r\n or \r; a blank line ends an event; ':' lines are comments.
class SseParser {
 public:
  /// Feeds bytes; returns the events they completed.
  std::vector<SseEvent> feed(std::string_view bytes);
  /// Bytes held back because no line or event end has arrived yet.
  std::size_t pending() const { return line_.size() + data_.size(); }

 private:
  void line(std::string_view text, std::vector<SseEvent>& out);
  std::string line_;
  std::string event_;
  std::string data_;
  bool hasData_ = false;
  bool lastWasCr_ = false;
};

struct HttpSettings {
  std::chrono::milliseconds connectTimeout{10'000};
  std::chrono::milliseconds idleTimeout{60'000};  ///< no byte for this long: a stall
  std::chrono::milliseconds totalTimeout{600'000};
  int retryAttempts = 3;  ///< tries in all, the first included
  std::chrono::milliseconds retryBaseDelay{500};
  std::chrono::milliseconds retryMaxDelay{30'000};
};

/// Where a network provider sends its requests, and how.
struct EndpointConfig {
  std::string model;
  std::string baseUrl;    ///< without a trailing slash
  std::string apiKey;     ///< may be empty (local servers need none)
  std::string keySource;  ///< the env var that holds the key, for messages
  HttpSettings http;
  /// Every configured key, scrubbed from all that comes back from upstream.
  std::shared_ptr<const Redactor> redactor = std::make_shared<const Redactor>();
};

/// What one streamed event means to a provider. Decoders run on the worker.
struct DecodedEvent {
  std::string delta;                   ///< text for the editor, may be empty
  bool finished = false;               ///< the reply is complete
  std::optional<ProviderError> error;  ///< the stream carried an error or garbage

  static DecodedEvent text(std::string delta) { return {std::move(delta), false, std::nullopt}; }
  static DecodedEvent end() { return {{}, true, std::nullopt}; }
  static DecodedEvent failure(ProviderError e) { return {{}, false, std::move(e)}; }
};

/// A provider's reading of its own event stream, one per request.
class EventDecoder {
 public:
  virtual ~EventDecoder() = default;
  virtual DecodedEvent decode(const SseEvent&) = 0;
  /// Model and token usage seen so far.
  virtual Completion completion() const = 0;
  /// Whether a stream that ends here (without its end marker) is still whole.
  virtual bool complete() const = 0;
};

/// One streaming request, ready to send.
struct HttpJob {
  std::string provider;   ///< "openai", for messages
  std::string keySource;  ///< "OPENAI_API_KEY", named by auth failures
  std::shared_ptr<const Redactor> redactor;  ///< applied to every delta, model and message
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::string body;
  std::unique_ptr<EventDecoder> decoder;
};

/// The provider's message in an error body ({"error":{"message":..}} and
/// the like), or a short excerpt of the body; redacted.
std::string upstreamMessage(std::string_view body, const Redactor&);

/// At most `limit` bytes of upstream text for a message, on one line:
/// redacted first, then cut (at a character's start), so no cut leaves part
/// of a key behind.
std::string upstreamExcerpt(std::string_view text, std::size_t limit, const Redactor&);

/// How long to wait before retry number `retry` (1-based): exponential from
/// `base`, capped, with jitter in [50%, 100%].
std::chrono::milliseconds backoffDelay(const HttpSettings&, int retry);

class HttpStreamer {
 public:
  HttpStreamer(Scheduler&, HttpSettings);
  /// Stops every transfer (each ends with Kind::Cancelled) and joins them.
  ~HttpStreamer();
  HttpStreamer(const HttpStreamer&) = delete;
  HttpStreamer& operator=(const HttpStreamer&) = delete;

  void start(HttpJob, protocol::CancelToken, StreamHandlers);
  const HttpSettings& settings() const { return settings_; }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  /// Joins workers that have finished (called under mutex_).
  void reap();

  Scheduler& scheduler_;
  HttpSettings settings_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Worker> workers_;
};

/// A provider that streams one HTTP request per reply. Subclasses say what
/// the request is; this base owns the endpoint, the key and the transfers.
class HttpProvider : public Provider {
 public:
  HttpProvider(Scheduler&, EndpointConfig);
  std::string model() const override { return config_.model; }
  void stream(const ProviderRequest&, protocol::CancelToken, StreamHandlers) final;

 protected:
  /// Fills in the URL, headers, body and decoder for `request` and `model`.
  virtual void describe(const ProviderRequest& request, const std::string& model, HttpJob& job) const = 0;
  const EndpointConfig& config() const { return config_; }

 private:
  EndpointConfig config_;
  HttpStreamer streamer_;
};

}  // namespace aieditor::server
