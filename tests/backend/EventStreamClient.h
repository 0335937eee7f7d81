// A GET /api/events reader for the tests: libcurl on a thread of its own,
// parsing the text/event-stream into events as they arrive, so a test waits
// on an event (with a generous limit that only a failure reaches).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace aieditor::test {

/// One event of the stream; a comment line (": heartbeat") is an event named ":".
struct StreamEvent {
  std::string event;  ///< "message" when the stream named none
  std::string id;
  std::string data;
};

class EventStreamClient {
 public:
  EventStreamClient(const std::string& baseUrl, const std::string& accessToken,
                    std::optional<std::string> lastEventId = std::nullopt);
  ~EventStreamClient();
  EventStreamClient(const EventStreamClient&) = delete;
  EventStreamClient& operator=(const EventStreamClient&) = delete;

  /// The first event (from the start) that `match` accepts, waiting for it
  /// up to `limit`; nullopt when the stream ended or the limit passed first.
  std::optional<StreamEvent> waitFor(const std::function<bool(const StreamEvent&)>& match,
                                     std::chrono::seconds limit = std::chrono::seconds(30));
  /// Waits for the ": connected" comment the server sends once subscribed.
  bool waitConnected();
  /// Waits for the `count` first `change` events.
  std::vector<StreamEvent> waitForChanges(std::size_t count);
  /// Waits until the server ends the stream; false when the limit passed first.
  bool waitForEnd(std::chrono::seconds limit = std::chrono::seconds(30));

  std::vector<StreamEvent> events() const;
  long status() const;       ///< the HTTP status, once the stream has ended
  std::string body() const;  ///< everything received (an error reply's JSON)

 private:
  void run(std::string url, std::vector<std::string> headers);
  static size_t receive(char* data, size_t size, size_t count, void* self);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string raw_, pending_;
  std::vector<StreamEvent> events_;
  long status_ = 0;
  bool ended_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

/// The seq of a `change` event's data; its id must say the same.
long long changeSeq(const StreamEvent&);

}  // namespace aieditor::test
