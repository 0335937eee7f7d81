// A fake AI provider for the tests: an HTTP/1.1 server on 127.0.0.1 (random
// port) that answers each request with the next scripted response, written
// chunk by chunk, byte for byte, with the faults a real upstream has: error
// statuses, slow trickles, stalls and connection resets. asio stays inside
// FakeUpstream.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace aieditor::test {

struct FakeResponse {
  /// How the connection ends after the last chunk.
  enum class End {
    Close,         ///< a clean close (the body ends there)
    Hold,          ///< stays open and silent until the client leaves
    ResetOnRelease ///< stays open until release(), then a TCP reset
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  ///< added to the defaults
  std::vector<std::string> chunks;                           ///< the body, in writes
  std::chrono::milliseconds gap{0};                          ///< before each chunk after the first
  End end = End::Close;
};

struct FakeRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
};

class FakeUpstream {
 public:
  FakeUpstream();
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  /// http://127.0.0.1:PORT
  std::string url() const;
  /// Responses go out in the order queued; with none left a request gets 500.
  void enqueue(FakeResponse);
  /// Waits until `count` requests have arrived (fails the test on the safety limit).
  std::vector<FakeRequest> waitRequests(std::size_t count);
  std::vector<FakeRequest> requests();
  /// Waits until `count` held connections were closed by the client.
  bool waitClientGone(std::size_t count);
  /// Lets every ResetOnRelease connection reset now.
  void release();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---- The streams, as each API documents them ------------------------------

/// An OpenAI chat.completion.chunk stream: a role chunk, one chunk per delta,
/// a finish_reason chunk, a usage chunk (stream_options.include_usage) and
/// `data: [DONE]`. Each element is one event, so chunks can be paced.
std::vector<std::string> openAiStream(const std::vector<std::string>& deltas, const std::string& model = "gpt-test",
                                      int promptTokens = 11, int completionTokens = 7);
/// One OpenAI content chunk event.
std::string openAiDelta(const std::string& text, const std::string& model = "gpt-test");

/// An Anthropic Messages stream: message_start, content_block_start, ping,
/// content_block_delta per delta, content_block_stop, message_delta,
/// message_stop.
std::vector<std::string> anthropicStream(const std::vector<std::string>& deltas,
                                         const std::string& model = "claude-test", int inputTokens = 25,
                                         int outputTokens = 15);
std::string anthropicDelta(const std::string& text);

}  // namespace aieditor::test
