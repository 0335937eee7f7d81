// The streaming benchmark's network side, included by driver.cpp:
//
// - FakeUpstream: an HTTP/1.1 server on 127.0.0.1 (ephemeral port) on its own
//   thread, speaking OpenAI's chat-completions streaming format as
//   tests/server/FakeUpstream.cpp does (200, text/event-stream, Connection:
//   close, one `data:` event per write). Content chunk i carries the marker
//   «i», and the time just before its write() is recorded, so a receiver can
//   time each chunk from the moment it left the upstream.
// - streamCompletion: the client half of the C++ relay floor; it POSTs to the
//   upstream and hands each chunk's content over as its event arrives.
//
// Plain POSIX sockets; every read waits at most its timeout.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using SteadyTime = std::chrono::steady_clock::time_point;

inline std::string chunkMarker(int i) { return "«" + std::to_string(i) + "»"; }

/// The chunk numbers whose markers appear in `text` (several if chunks were merged).
inline std::vector<int> findMarkers(std::string_view text) {
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

inline bool waitFd(int fd, short events, int timeoutMs) {
  pollfd p{fd, events, 0};
  int r;
  do r = ::poll(&p, 1, std::max(timeoutMs, 0));
  while (r < 0 && errno == EINTR);
  return r > 0;
}

inline bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && waitFd(fd, POLLOUT, 1000)) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

inline void noDelay(int fd) {  // each chunk leaves at once, as a real upstream's do
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

inline int remainingMs(SteadyTime deadline) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
}

/// Reads from `fd` into `buf` until `done(buf)` (which may consume what it has
/// handled) or the deadline; false on EOF, error or timeout.
inline bool readUntil(int fd, std::string& buf, SteadyTime deadline, const std::function<bool(std::string&)>& done) {
  char chunk[1 << 14];
  while (!done(buf)) {
    if (!waitFd(fd, POLLIN, remainingMs(deadline))) return false;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

// ---------------------------------------------------------------- the stream

/// One `data:` event of a chat.completion.chunk, as the API sends it.
inline std::string openAiEvent(nlohmann::json choices, nlohmann::json usage = nullptr) {
  nlohmann::json c = {{"id", "chatcmpl-bench"}, {"object", "chat.completion.chunk"}, {"created", 1694268190},
                      {"model", "gpt-bench"},   {"system_fingerprint", "fp_bench"},   {"choices", std::move(choices)}};
  if (!usage.is_null()) c["usage"] = std::move(usage);
  return "data: " + c.dump() + "\n\n";
}

inline std::string openAiDelta(nlohmann::json delta, nlohmann::json finish = nullptr) {
  return openAiEvent({{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}}});
}

// ---------------------------------------------------------------- the upstream

class FakeUpstream {
 public:
  FakeUpstream(int chunks, std::chrono::milliseconds pause) : chunks_(chunks), pause_(pause) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_ < 0 || ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_, 8) != 0 ||
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      error_ = "cannot listen on 127.0.0.1: " + std::string(std::strerror(errno));
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeUpstream() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_ >= 0) ::close(listen_);
  }
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  int port() const { return port_; }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string error() {
    std::lock_guard lock(mutex_);
    return error_;
  }

  /// The next finished stream: when each content chunk was written, by chunk
  /// number (unset for chunks never sent). Nothing when none ends in time.
  std::optional<std::vector<SteadyTime>> takeStream(int timeoutMs) {
    std::unique_lock lock(mutex_);
    if (!ended_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return !streams_.empty(); })) return std::nullopt;
    auto s = std::move(streams_.front());
    streams_.pop_front();
    return s;
  }

 private:
  void fail(std::string why) {
    std::lock_guard lock(mutex_);
    error_ = std::move(why);
  }

  void serve() {  // one connection at a time: each stream has the upstream to itself
    while (!stop_) {
      if (!waitFd(listen_, POLLIN, 100)) continue;
      int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval limit{5, 0};  // a client that stops reading cannot hold the thread
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
      answer(fd);
      ::close(fd);
    }
  }

  void answer(int fd) {
    // The request: headers, then Content-Length bytes of body (read so that close() sends FIN, not RST).
    std::string req;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto headEnd = [](const std::string& b) { return b.find("\r\n\r\n"); };
    if (!readUntil(fd, req, deadline, [&](std::string& b) { return headEnd(b) != std::string::npos; }))
      return fail("the fake upstream got no request head");
    std::size_t bodyAt = headEnd(req) + 4, length = 0;
    std::string head = req.substr(0, bodyAt);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto at = head.find("\r\ncontent-length:"); at != std::string::npos) length = std::strtoull(head.c_str() + at + 17, nullptr, 10);
    readUntil(fd, req, deadline, [&](std::string& b) { return b.size() >= bodyAt + length; });
    std::string requestLine = req.substr(0, req.find("\r\n"));
    if (!requestLine.starts_with("POST /v1/chat/completions ")) {
      sendAll(fd, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
      return fail("the fake upstream got an unexpected request: " + requestLine);
    }
    std::vector<SteadyTime> sent(static_cast<std::size_t>(chunks_));
    stream(fd, sent);
    std::lock_guard lock(mutex_);
    streams_.push_back(std::move(sent));
    ended_.notify_all();
  }

  /// The response: head and role chunk, then the marked chunks `pause_` apart, then the end.
  void stream(int fd, std::vector<SteadyTime>& sent) {
    noDelay(fd);
    if (!sendAll(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n") ||
        !sendAll(fd, openAiDelta({{"role", "assistant"}, {"content", ""}})))
      return;
    for (int i = 0; i < chunks_ && !stop_; ++i) {
      std::string event = openAiDelta({{"content", chunkMarker(i) + " tok "}});  // built before the clock starts
      std::this_thread::sleep_for(pause_);
      sent[static_cast<std::size_t>(i)] = std::chrono::steady_clock::now();
      if (!sendAll(fd, event)) return;
    }
    sendAll(fd, openAiDelta(nlohmann::json::object(), "stop"));
    sendAll(fd, openAiEvent(nlohmann::json::array(), {{"prompt_tokens", 11}, {"completion_tokens", chunks_}, {"total_tokens", 11 + chunks_}}));
    sendAll(fd, "data: [DONE]\n\n");
    ::shutdown(fd, SHUT_WR);
  }

  int chunks_;
  std::chrono::milliseconds pause_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable ended_;
  std::deque<std::vector<SteadyTime>> streams_;
  std::string error_;
};

// ---------------------------------------------------------------- the relay's client half

/// choices[0].delta.content of one event's data, or "".
inline std::string deltaContent(const std::string& data) {
  auto j = nlohmann::json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return "";
  const auto& delta = j["choices"][0].value("delta", nlohmann::json::object());
  auto content = delta.find("content");
  return content != delta.end() && content->is_string() ? content->get<std::string>() : "";
}

/// POSTs a streaming chat request to the upstream on `port` and calls
/// `onContent` with each non-empty delta as its event arrives. False (and
/// `error`) unless the stream ends with `data: [DONE]` within `timeoutMs`.
inline bool streamCompletion(int port, const std::function<void(const std::string&)>& onContent, int timeoutMs,
                             std::string& error) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    error = "cannot connect to the fake upstream";
    if (fd >= 0) ::close(fd);
    return false;
  }
  noDelay(fd);
  std::string body = R"({"model":"gpt-bench","messages":[{"role":"user","content":"relay"}],"stream":true})";
  sendAll(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              "Accept: text/event-stream\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  bool inBody = false, done = false;
  // Handles every whole event in buf; true once the stream has ended.
  auto consume = [&](std::string& buf) {
    if (!inBody) {
      auto end = buf.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      if (!buf.starts_with("HTTP/1.1 200")) {
        error = "upstream answered " + buf.substr(0, buf.find("\r\n"));
        return true;
      }
      buf.erase(0, end + 4);
      inBody = true;
    }
    for (auto end = buf.find("\n\n"); end != std::string::npos && !done; end = buf.find("\n\n")) {
      std::string data = buf.substr(0, end);
      buf.erase(0, end + 2);
      if (!data.starts_with("data: ")) continue;
      data.erase(0, 6);
      done = data == "[DONE]";
      if (std::string text = deltaContent(data); !text.empty()) onContent(text);
    }
    return done;
  };
  std::string buf;
  bool ok = readUntil(fd, buf, deadline, consume) && error.empty();
  if (!ok && error.empty()) error = "the upstream stream broke off or timed out";
  ::close(fd);
  return ok;
}

}  // namespace bench
