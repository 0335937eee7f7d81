// The stdio transport: LSP frames on stdin in, on stdout out.
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <memory>

#include "aieditor/protocol/Framing.h"
#include "common/Log.h"
#include "rpc/EventLoopImpl.h"
#include "rpc/StdioTransport.h"

namespace aieditor::server {

namespace {

/// Frames and replies at least this large are the rare ones whose memory is
/// given back to the system once they are handled.
constexpr std::size_t kLargeMessage = 1u << 20;

/// glibc raises its mmap threshold each time a mapped block is freed (up to
/// 32 MiB), after which large blocks come from the heap and stay in it when
/// freed. A fixed threshold keeps every large block mapped, so freeing it
/// returns it to the system.
void giveLargeBlocksBack() { ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(kLargeMessage / 4)); }

class StdioConnection {
 public:
  StdioConnection(EventLoop& loop, LspServer& server)
      : loop_(loop), server_(server), in_(loop.impl().io, ::dup(STDIN_FILENO)) {
    struct stat st{};
    // epoll refuses regular files; they never block, so read them directly.
    regularFile_ = ::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);
  }

  void start() { regularFile_ ? readFile() : read(); }

 private:
  void read() {
    in_.async_read_some(asio::buffer(chunk_), [this](const asio::error_code& ec, std::size_t n) {
      if (n > 0) deliver(n);
      if (ec) return finish(ec == asio::error::eof ? "" : ec.message());
      read();
    });
  }

  void readFile() {
    const ssize_t n = ::read(STDIN_FILENO, chunk_.data(), chunk_.size());
    if (n < 0 && errno == EINTR) return loop_.post([this] { readFile(); });
    if (n <= 0) return finish(n < 0 ? std::strerror(errno) : "");
    deliver(static_cast<std::size_t>(n));
    loop_.post([this] { readFile(); });
  }

  void deliver(std::size_t n) {
    decoder_.feed(std::string_view(chunk_.data(), n));
    while (decoder_.ready()) {
      auto event = decoder_.take();
      if (auto* body = std::get_if<std::string>(&event)) {
        server_.receive(*body);
        // The parsed document of a large message leaves many small freed
        // blocks in the heap; hand their pages back.
        if (body->size() >= kLargeMessage) {
          *body = std::string();
          ::malloc_trim(0);
        }
      } else {
        const auto& error = std::get<protocol::FrameError>(event);
        log::warn("skipped a bad frame: " + error.message);
        server_.rejectFrame(error.message);
      }
    }
  }

  void finish(const std::string& error) {
    if (!error.empty()) log::error("reading stdin failed: " + error);
    if (decoder_.pending() > 0)
      log::warn("input ended inside a frame; " + std::to_string(decoder_.pending()) + " bytes dropped");
    loop_.stop();
  }

  EventLoop& loop_;
  LspServer& server_;
  asio::posix::stream_descriptor in_;
  bool regularFile_ = false;
  std::array<char, 1 << 16> chunk_{};
  protocol::FrameDecoder decoder_;
};

/// Writes whole frames to stdout, retrying short writes and EINTR.
void writeStdout(const std::string& frame) {
  std::size_t written = 0;
  while (written < frame.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, frame.data() + written, frame.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log::error(std::string("writing stdout failed: ") + std::strerror(errno));
      return;
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

int serveStdio(const ServerOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error value, not a death
  giveLargeBlocksBack();
  EventLoop loop;
  // Frames produced in one turn of the loop (a reply and its status
  // notifications) leave in one write: fewer syscalls, one wake-up for the
  // client.
  std::string outbox;
  auto flush = [&] {
    writeStdout(outbox);
    outbox.clear();
    if (outbox.capacity() >= kLargeMessage) outbox.shrink_to_fit();  // a large reply's buffer is not kept
  };
  auto server = std::make_unique<LspServer>(options, loop, [&](std::string body) {
    const bool first = outbox.empty();
    outbox += protocol::encodeFrame(body);
    if (first) loop.post(flush);
  });
  server->onExit = [&] { loop.stop(); };
  loop.onInterrupt([&](int signal) {
    log::warn("stopping on signal " + std::to_string(signal));
    loop.stop();
  });
  StdioConnection connection(loop, *server);
  connection.start();
  loop.run();
  // Replies still streaming are saved as interrupted; the last writes and
  // their replies go into the outbox.
  const int code = server->close();
  server.reset();
  flush();
  return code;
}

}  // namespace aieditor::server
