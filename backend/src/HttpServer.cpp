// cpp-httplib configured for the API: limits, the bounded connection pool, signals.
#include "HttpServer.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <charconv>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "Api.h"
#include "common/Log.h"

namespace aieditor::backend {
namespace {

/// Requests served on one kept-alive connection before it is closed.
constexpr std::size_t kRequestsPerConnection = 100'000;

/// True on the thread that answers connections past the limit.
thread_local bool tRefusing = false;

/// httplib's task queue, bounded: each accepted connection takes one of
/// `limit` workers; a connection arriving when all are busy goes to a single
/// refusing thread, whose requests are answered 503 without being served.
class BoundedPool final : public httplib::TaskQueue {
 public:
  explicit BoundedPool(std::size_t limit) : limit_(limit) {
    for (std::size_t i = 0; i < limit; ++i) workers_.emplace_back([this] { work(jobs_, jobReady_, false); });
    workers_.emplace_back([this] { work(refused_, refusalReady_, true); });
  }
  void enqueue(std::function<void()> fn) override {
    std::condition_variable* ready = nullptr;
    {
      std::lock_guard lock(mutex_);
      const bool served = busy_ + jobs_.size() < limit_;
      (served ? jobs_ : refused_).push_back(std::move(fn));
      ready = served ? &jobReady_ : &refusalReady_;
    }
    // One worker for one connection: waking every idle one (hundreds with a
    // large --max-connections) only for all but one to sleep again cost a
    // storm of futex calls at every connection.
    ready->notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    jobReady_.notify_all();
    refusalReady_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

 private:
  void work(std::deque<std::function<void()>>& queue, std::condition_variable& ready, bool refusing) {
    tRefusing = refusing;
    std::unique_lock lock(mutex_);
    for (;;) {
      ready.wait(lock, [&] { return !queue.empty() || stopping_; });
      if (queue.empty()) return;  // stopping, and nothing left to finish
      auto job = std::move(queue.front());
      queue.pop_front();
      if (!refusing) ++busy_;
      lock.unlock();
      job();
      lock.lock();
      if (!refusing) --busy_;
    }
  }
  const std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable jobReady_, refusalReady_;
  std::deque<std::function<void()>> jobs_, refused_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

/// The refusals made before a body is read: overload, a body without a
/// declared size, and a declared size over the limit. The connection closes after them, so the unread body is
/// never read.
std::optional<int> refuseEarly(const httplib::Request& req, httplib::Response& res, const ServeOptions& options) {
  if (tRefusing) {
    res.set_header("Retry-After", "1");
    res.set_header("Connection", "close");
    sendError(res, 503, "unavailable", "too many connections; retry shortly");
    return 503;
  }
  // cpp-httplib reads a chunked body whole, whatever its size: refused, so
  // every body declares its size and the check below holds.
  if (req.has_header("Transfer-Encoding")) {
    res.set_header("Connection", "close");
    sendError(res, 411, "length_required", "Transfer-Encoding: not accepted; send the body with a Content-Length");
    return 411;
  }
  const std::string length = req.get_header_value("Content-Length");
  std::uint64_t declared = 0;
  const auto ec = std::from_chars(length.data(), length.data() + length.size(), declared).ec;
  const bool tooBig = ec == std::errc::result_out_of_range ||
                      (ec == std::errc() && declared > static_cast<std::uint64_t>(options.maxBody));
  if (tooBig) {
    res.set_header("Connection", "close");
    sendError(res, 413, "payload_too_large",
              "body: Content-Length " + length + " is over the limit of " + std::to_string(options.maxBody) + " bytes");
    return 413;
  }
  return std::nullopt;
}

}  // namespace

int serveHttp(const Api& api, const ServeOptions& options) {
  // Signals are taken by one thread with sigwait; every other thread,
  // including httplib's workers created below, inherits them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server server;
  server.new_task_queue = [&options] { return new BoundedPool(options.maxConnections); };
  // A reply goes out as two writes (headers, body): without TCP_NODELAY the
  // second waits for the client's delayed ACK, 40 ms a request.
  server.set_tcp_nodelay(true);
  server.set_read_timeout(options.ioTimeout);
  server.set_write_timeout(options.ioTimeout);
  server.set_keep_alive_timeout(options.ioTimeout.count());
  // httplib closes a connection after 5 requests by default, to rotate a
  // small pool among connections; here each connection has a worker of its
  // own, so closing only makes busy clients reconnect (a handshake each, and
  // a queue at accept).
  server.set_keep_alive_max_count(kRequestsPerConnection);
  server.set_payload_max_length(static_cast<std::size_t>(options.maxBody));  // a second guard
  server.set_pre_routing_handler([&options](const httplib::Request& req, httplib::Response& res) {
    return refuseEarly(req, res, options) ? httplib::Server::HandlerResponse::Handled
                                          : httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_expect_100_continue_handler([&options](const httplib::Request& req, httplib::Response& res) {
    return refuseEarly(req, res, options).value_or(100);
  });
  const auto handler = [&api](const httplib::Request& req, httplib::Response& res) { api.handle(req, res); };
  server.Get(".*", handler).Post(".*", handler).Put(".*", handler).Delete(".*", handler).Patch(".*", handler);
  server.Options(".*", handler);
  // What httplib answers itself (a malformed request, a body over the limit
  // sent without its size) gets the API's error shape too.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    sendError(res, res.status, res.status == 413 ? "payload_too_large" : "invalid_request",
              "the request was refused by HTTP (status " + std::to_string(res.status) + ")");
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    server::log::error(req.method + " " + req.path + " failed: " + what);
    sendError(res, 500, "internal", "the request failed inside the server");
  });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (server::log::enabled(server::log::Level::Info))
      server::log::info(req.method + " " + req.path + " " + std::to_string(res.status));
  });

  // httplib listens with a backlog of 5 (fixed in Debian's compiled
  // library): clients connecting together (a team starting up, event streams
  // reconnecting) overflow it, and each dropped SYN costs a client a second
  // or more. The listening socket is kept here and given the kernel's cap
  // once bound (listen() again only raises its backlog); the connection limit
  // (503) still bounds the work.
  socket_t listener = INVALID_SOCKET;
  server.set_socket_options([&listener](socket_t socket) {
    httplib::default_socket_options(socket);
    listener = socket;
  });
  const int port = options.port == 0 ? server.bind_to_any_port(options.host)
                                     : (server.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port <= 0) {
    server::log::error("cannot listen on " + options.host + ":" + std::to_string(options.port));
    return 1;
  }
  if (::listen(listener, SOMAXCONN) != 0) server::log::warn("cannot raise the listen backlog; clients may wait to connect");
  std::thread stopper([&server, &signals, &api] {
    int signal = 0;
    sigwait(&signals, &signal);
    api.closeStreams();
    server.stop();
  });
  std::cout << "listening on http://" << options.host << ":" << port << std::endl;
  const bool served = server.listen_after_bind();
  // listen_after_bind returns once stop() ran and the workers finished their
  // requests; wake the stopper if the listener ended on its own.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return served ? 0 : 1;
}

}  // namespace aieditor::backend
