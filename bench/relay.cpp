#include "relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <string>

#include "process.h"

namespace bench {

namespace {

// ---------------------------------------------------------------- plain POSIX sockets

bool waitFd(int fd, short events, int timeoutMs) {
  pollfd p{fd, events, 0};
  int r;
  do r = ::poll(&p, 1, std::max(timeoutMs, 0));
  while (r < 0 && errno == EINTR);
  return r > 0;
}

bool sendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && waitFd(fd, POLLOUT, 1000)) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Reads from `fd` into `buf` until `done(buf)` (which may consume what it has
/// handled) or the deadline; false on EOF, error or timeout.
bool readUntil(int fd, std::string& buf, Clock::time_point deadline, const std::function<bool(std::string&)>& done) {
  char chunk[1 << 14];
  while (!done(buf)) {
    if (!waitFd(fd, POLLIN, msUntil(deadline))) return false;
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

// ---------------------------------------------------------------- the relay's client half

/// choices[0].delta.content of one event's data, or "".
std::string deltaContent(const std::string& data) {
  auto j = json::parse(data, nullptr, false);
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return "";
  const auto& delta = j["choices"][0].value("delta", json::object());
  auto content = delta.find("content");
  return content != delta.end() && content->is_string() ? content->get<std::string>() : "";
}

/// POSTs a streaming chat request to the upstream on `port` and calls
/// `onContent` with each non-empty delta as its event arrives. False (and
/// `error`) unless the stream ends with `data: [DONE]` within `timeoutMs`.
bool streamCompletion(int port, const std::function<void(const std::string&)>& onContent, int timeoutMs,
                      std::string& error) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
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
  int one = 1;  // the request leaves at once, as the server's does
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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

}  // namespace

int echoMain() {
  Child self = Child::onStdio();
  for (;;) {
    auto f = self.readFrame(60000);
    if (!f) return 0;
    // Answer like a server: the same id, a result of comparable size.
    auto idPos = f->find("\"id\":");
    std::string id = "0";
    if (idPos != std::string::npos) id = f->substr(idPos + 5, f->find_first_of(",}", idPos) - idPos - 5);
    std::string reply = R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":)" + *f + "}";
    if (!self.writeAll(frame(reply))) return 0;
  }
}

int relayMain(int port) {
  Child self = Child::onStdio();
  for (;;) {
    auto f = self.readFrame(60000);
    if (!f) return 0;
    json request = json::parse(*f, nullptr, false);
    json id = request.is_object() ? request.value("id", json()) : json();
    std::string error;
    bool ok = streamCompletion(port, [&](const std::string& text) {
      self.send(json{{"jsonrpc", "2.0"}, {"method", "chat/delta"},
                     {"params", {{"sessionId", "relay"}, {"messageId", "relay-reply"}, {"delta", text}}}}.dump());
    }, 30000, error);
    json reply = {{"jsonrpc", "2.0"}, {"id", id}};
    if (ok) reply["result"] = json::object();
    else reply["error"] = {{"code", -32003}, {"message", error}};
    if (!self.send(reply.dump())) return 0;
  }
}

}  // namespace bench
