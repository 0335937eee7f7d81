// A fake AI provider: an HTTP/1.1 server on 127.0.0.1 (random port) that
// answers each request with the next scripted response, written chunk by
// chunk, byte for byte, in the providers' real streaming wire formats (OpenAI
// chat.completion.chunk and Anthropic Messages server-sent events), with the
// faults a real upstream has: error statuses, slow trickles, stalls and
// connection resets.
//
// Two users share it, the server tests and the benchmark driver (bench/), so
// it needs no test framework. What the benchmark adds: a fallback response for
// every request once the script is empty, TCP_NODELAY on every connection (a
// chunk leaves in its own segment at once, as a real upstream's do), and for
// each finished response the time just before each chunk's write(), so a
// receiver can time a chunk from the moment it left the upstream.
//
// asio stays inside FakeUpstream.cpp; its io thread serves every connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
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

/// One request and what was done with it, once its response has ended.
struct FakeExchange {
  FakeRequest request;
  /// Just before each chunk's write(), by chunk index; unset for a chunk never written.
  std::vector<std::chrono::steady_clock::time_point> chunkWritten;
};

class FakeUpstream {
 public:
  FakeUpstream();
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  /// http://127.0.0.1:PORT
  std::string url() const;
  int port() const;
  /// Responses go out in the order queued.
  void enqueue(FakeResponse);
  /// What every request gets while nothing is queued; by default a 500
  /// saying the script is empty.
  void setFallback(FakeResponse);
  /// Waits until `count` requests have arrived; every request so far, fewer
  /// than `count` only when the safety limit (30 s) passed first.
  std::vector<FakeRequest> waitRequests(std::size_t count);
  std::vector<FakeRequest> requests();
  /// Waits until `count` held connections were closed by the client.
  bool waitClientGone(std::size_t count);
  /// Lets every ResetOnRelease connection reset now.
  void release();
  /// The oldest exchange not taken yet whose response has ended; nothing
  /// when none ends within `timeout`.
  std::optional<FakeExchange> takeExchange(std::chrono::milliseconds timeout);

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
