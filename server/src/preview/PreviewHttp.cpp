// The preview's HTTP server (the aieditor-preview module, see PreviewServer.h):
// cpp-httplib on 127.0.0.1, a free port. Every request passes two checks
// before anything is read: its Host must be 127.0.0.1:PORT or localhost:PORT
// (421 otherwise: a DNS-rebinding page names its own host), and its path must
// begin with the secret (404 otherwise: other local users cannot guess it).
// The editor may name one more Host, a proxy's (preview/open's proxyHost).
// Then: the page, the sandboxed frame (each under its Content-Security-Policy),
// the bundle, the data routes (JSON from the PreviewSource) and the event
// stream, one per page, that tells it when its session changed.
#include <httplib.h>
#include <pthread.h>
#include <sys/socket.h>
#include <csignal>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "preview/PreviewServer.h"

namespace aieditor::server::preview {
namespace {

/// Connection workers. Each open page holds one for its event stream; the
/// rest serve its requests (a browser opens up to six connections at once).
constexpr std::size_t kWorkers = 16;
/// Event streams open at once; past it, 503: the rest of the workers stay
/// free for the pages' other requests (a stream holds its worker).
constexpr int kMaxStreams = 12;

/// The files of the built page (server/preview-web), by the path they are served at.
const std::map<std::string, std::string>& assetTypes() {
  static const std::map<std::string, std::string> types = {
      {"index.html", "text/html; charset=utf-8"},           {"frame.html", "text/html; charset=utf-8"},
      {"assets/page.js", "text/javascript; charset=utf-8"}, {"assets/frame.js", "text/javascript; charset=utf-8"},
      {"assets/page.css", "text/css; charset=utf-8"},
  };
  return types;
}

/// Which sessions were written, as a counter per session, and the streams waiting on them.
class ChangeHub {
 public:
  enum class Wake { Changed, Quiet, Stopping };

  void changed(const std::string& sessionId) {
    {
      std::lock_guard lock(mutex_);
      ++generations_[sessionId];
    }
    wake_.notify_all();
  }
  std::uint64_t generation(const std::string& sessionId) {
    std::lock_guard lock(mutex_);
    auto found = generations_.find(sessionId);
    return found == generations_.end() ? 0 : found->second;
  }
  /// Waits until `sessionId` changes past `seen` (updating it), the server stops, or `quiet` passes.
  Wake wait(const std::string& sessionId, std::uint64_t& seen, std::chrono::milliseconds quiet) {
    std::unique_lock lock(mutex_);
    const bool woke = wake_.wait_for(lock, quiet, [&] { return stopping_ || generations_[sessionId] != seen; });
    if (stopping_) return Wake::Stopping;
    if (!woke) return Wake::Quiet;
    seen = generations_[sessionId];
    return Wake::Changed;
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::uint64_t> generations_;
  bool stopping_ = false;
};

/// Compares in time independent of where the texts differ.
bool sameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string errorJson(std::string_view message) {
  // Messages are ours (no quotes or controls); escaped anyway for safety.
  std::string out = "{\"error\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"}";
}

class HttpPreviewServer final : public PreviewServer {
 public:
  HttpPreviewServer(PreviewConfig config, PreviewSource& source, std::map<std::string, std::string> assets)
      : config_(std::move(config)), source_(source), assets_(std::move(assets)) {}

  ~HttpPreviewServer() override {
    hub_.stop();
    server_.stop();
    if (listener_.joinable()) listener_.join();
  }

  int port() const override { return port_; }
  void sessionChanged(const std::string& sessionId) override { hub_.changed(sessionId); }
  void allowHost(const std::string& host) override {
    std::lock_guard lock(hostsMutex_);
    proxyHosts_.insert(host);
  }

  bool start(std::string& error) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
    // A reply goes out as two writes (headers, body): without TCP_NODELAY the
    // second waits for the client's delayed ACK.
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(100'000);
    server_.set_read_timeout(std::chrono::seconds(5));
    server_.set_write_timeout(std::chrono::seconds(5));
    // httplib listens with a backlog of 5 (fixed in Debian's build); a
    // browser opening six connections at once would overflow it, so the
    // listening socket gets the kernel's cap once bound (as the backend does).
    socket_t listener = INVALID_SOCKET;
    server_.set_socket_options([&listener](socket_t socket) {
      httplib::default_socket_options(socket);
      listener = socket;
    });
    server_.Get(".*", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) {
      error = "the preview cannot listen on 127.0.0.1";
      return false;
    }
    ::listen(listener, SOMAXCONN);
    listener_ = std::thread([this] {
      // The editor's loop takes SIGINT and SIGTERM; the workers inherit them blocked.
      sigset_t signals;
      sigemptyset(&signals);
      sigaddset(&signals, SIGINT);
      sigaddset(&signals, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &signals, nullptr);
      server_.listen_after_bind();
      listenerDone_ = true;
    });
    // httplib's stop() does nothing until the listener runs: the destructor
    // could then wait forever. The listener starts within a thread's start-up.
    while (!server_.is_running() && !listenerDone_) std::this_thread::yield();
    return true;
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    // no-transform: a proxy in between (code-server's /proxy/PORT/ compresses)
    // must pass the event stream on as it comes, not gzip and hold it.
    res.set_header("Cache-Control", "no-store, no-transform");
    res.set_header("X-Content-Type-Options", "nosniff");
    // The URL holds the secret: never sent on as a Referer.
    res.set_header("Referrer-Policy", "no-referrer");
    const std::string host = req.get_header_value("Host");
    const std::string portText = ":" + std::to_string(port_);
    if (!hostAllowed(host, portText)) {
      res.status = 421;
      res.set_content(errorJson("Host: only 127.0.0.1" + portText + " or localhost" + portText + " is served"),
                      "application/json");
      return;
    }
    const std::string prefix = "/" + config_.secret + "/";
    if (req.path.size() < prefix.size() || !sameSecret(std::string_view(req.path).substr(0, prefix.size()), prefix)) {
      return notFound(res);
    }
    const std::string rest = req.path.substr(prefix.size());
    if (rest.empty() || rest == "index.html") return page(res, "index.html", pageCsp());
    if (rest == "frame.html") return frame(res);
    if (rest.starts_with("assets/")) {
      auto found = assets_.find(rest);
      if (found == assets_.end()) return notFound(res);
      // The frame's origin is opaque, so its script is cross-origin to it: without
      // CORS, errors thrown in its code (the component's event handlers) would
      // reach it muted, as "Script error.", with no message to show.
      if (rest == "assets/frame.js") res.set_header("Access-Control-Allow-Origin", "*");
      res.set_content(found->second, assetTypes().at(rest));
      return;
    }
    std::map<std::string, std::string> query;
    for (const auto& [key, value] : req.params) query.emplace(key, value);
    if (rest == "events") return events(query, res);
    if (rest == "api/component" || rest == "api/versions" || rest == "api/state") {
      PreviewReply reply = source_.fetch(std::string_view(rest).substr(4), query);
      res.status = reply.status;
      res.set_content(reply.json, "application/json");
      return;
    }
    notFound(res);
  }

  bool hostAllowed(const std::string& host, const std::string& portText) {
    if (host == "127.0.0.1" + portText || host == "localhost" + portText) return true;
    std::lock_guard lock(hostsMutex_);
    return proxyHosts_.contains(host);
  }

  static void notFound(httplib::Response& res) {
    res.status = 404;
    res.set_content(errorJson("not found"), "application/json");
  }

  void page(httplib::Response& res, const std::string& name, const std::string& csp) {
    res.set_header("Content-Security-Policy", csp);
    res.set_content(assets_.at(name), assetTypes().at(name));
  }

  /// The page itself: its own files and data, nothing from anywhere else.
  static std::string pageCsp() {
    return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; "
           "img-src 'self' data:; base-uri 'none'; form-action 'none'";
  }

  /// The frame the component runs in, under a CSP with a fresh nonce: it is
  /// sandboxed, so its origin is opaque and 'self' names nothing, and its
  /// address is not known here when a proxy serves it. It allows the
  /// runtime's one script (by the nonce, which that script clears before any
  /// component runs), code evaluated from the page's messages, inline
  /// styles, data: images, and no network at all.
  void frame(httplib::Response& res) {
    const std::string nonce = newNonce();
    std::string html = assets_.at("frame.html");
    static constexpr std::string_view kPlaceholder = "{{nonce}}";
    if (auto at = html.find(kPlaceholder); at != std::string::npos) html.replace(at, kPlaceholder.size(), nonce);
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; script-src 'nonce-" + nonce +
                       "' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
                       "connect-src 'none'; base-uri 'none'; form-action 'none'; sandbox allow-scripts");
    res.set_content(html, assetTypes().at("frame.html"));
  }

  /// 128 random bits from the kernel (std::random_device reads getrandom), hex.
  std::string newNonce() {
    std::lock_guard lock(randomMutex_);
    std::string out;
    for (int word = 0; word < 4; ++word) {
      const unsigned bits = random_();
      for (int shift = 0; shift < 32; shift += 4) out += "0123456789abcdef"[(bits >> shift) & 0xF];
    }
    return out;
  }

  /// server-sent events: `state` (the session's components and versions) at
  /// once, and again each time it differs after a write of the session.
  void events(const std::map<std::string, std::string>& query, httplib::Response& res) {
    auto session = query.find("session");
    if (session == query.end() || session->second.empty()) {
      res.status = 400;
      res.set_content(errorJson("session: required: the id of the session to follow"), "application/json");
      return;
    }
    // A slot per open stream, given back when httplib drops the response.
    if (streams_.fetch_add(1) >= kMaxStreams) {
      --streams_;
      res.status = 503;
      res.set_header("Retry-After", "5");
      res.set_content(errorJson("events: " + std::to_string(kMaxStreams) +
                                " previews are open already; close one, then reload this page"),
                      "application/json");
      return;
    }
    struct Stream {
      explicit Stream(std::atomic<int>& streams) : streams(streams) {}
      ~Stream() { --streams; }
      Stream(const Stream&) = delete;
      Stream& operator=(const Stream&) = delete;
      std::atomic<int>& streams;
      std::string sessionId;
      std::uint64_t seen = 0;
      std::string last;  ///< the last state sent
      bool started = false;
    };
    res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer it either
    auto stream = std::make_shared<Stream>(streams_);
    stream->sessionId = session->second;
    res.set_chunked_content_provider("text/event-stream", [this, stream](std::size_t, httplib::DataSink& sink) {
      if (!stream->started) {
        stream->started = true;
        stream->seen = hub_.generation(stream->sessionId);
        return sendState(*stream, sink);
      }
      if (hub_.wait(stream->sessionId, stream->seen, config_.lookAgain) == ChangeHub::Wake::Stopping) {
        sink.done();
        return true;
      }
      if (!sendState(*stream, sink)) return false;
      // A comment line on every look: writing is how a page gone is noticed
      // (the second write after it closed fails), and its slot given back.
      static constexpr std::string_view kComment = ":\n\n";
      return sink.write(kComment.data(), kComment.size());
    });
  }

  template <class Stream>
  bool sendState(Stream& stream, httplib::DataSink& sink) {
    PreviewReply reply = source_.fetch("state", {{"session", stream.sessionId}});
    if (reply.json == stream.last) return true;  // a write that changed no component
    stream.last = reply.json;
    const std::string event =
        std::string(reply.status == 200 ? "event: state" : "event: failed") + "\ndata: " + reply.json + "\n\n";
    return sink.write(event.data(), event.size());
  }

  PreviewConfig config_;
  PreviewSource& source_;
  std::map<std::string, std::string> assets_;
  ChangeHub hub_;
  std::atomic<int> streams_{0};  ///< event streams open
  std::mutex hostsMutex_;
  std::set<std::string> proxyHosts_;  ///< Host headers the editor allowed besides ours
  std::mutex randomMutex_;
  std::random_device random_;  ///< the frames' nonces
  httplib::Server server_;
  std::thread listener_;
  std::atomic<bool> listenerDone_{false};
  int port_ = 0;
};

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace
}  // namespace aieditor::server::preview

extern "C" __attribute__((visibility("default"))) aieditor::server::preview::PreviewServer* aieditor_start_preview(
    const aieditor::server::preview::PreviewConfig& config, aieditor::server::preview::PreviewSource& source,
    std::string& error) {
  using namespace aieditor::server::preview;
  std::map<std::string, std::string> assets;
  for (const auto& [name, type] : assetTypes()) {
    const std::string file = config.assetsDir + "/" + name.substr(name.find('/') + 1);
    auto text = readFile(file);
    if (!text) {
      error = "the preview's page is not built: " + file +
              " is missing (build the preview-web target, or set AIEDITOR_PREVIEW_ASSETS to its folder)";
      return nullptr;
    }
    assets.emplace(name, std::move(*text));
  }
  try {
    auto server = std::make_unique<HttpPreviewServer>(config, source, std::move(assets));
    if (!server->start(error)) return nullptr;
    return server.release();
  } catch (const std::exception& e) {
    error = std::string("the preview cannot start: ") + e.what();
    return nullptr;
  }
}
