// The boundary between the editor server and the preview's HTTP server.
//
// The HTTP side (PreviewHttp.cpp, cpp-httplib) is built as a module of its own,
// aieditor-preview.so, that PreviewHost loads on the first preview/open:
// cpp-httplib pulls in OpenSSL, zlib and brotli, which every start of the
// editor server would otherwise pay for (as with libcurl, see
// providers/CurlLibrary.h), though most sessions never open a preview.
//
// The module is transport only: the secret, the Host check, the page's files,
// server-sent events. What it serves of the database it asks its
// PreviewSource for, as JSON text; it links nothing of the server.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace aieditor::server::preview {

/// One answer of the data routes.
struct PreviewReply {
  int status = 200;
  std::string json;  ///< the body; on an error {"error": "..."} naming what was wrong
};

/// The preview's data, as JSON text. Called on the HTTP server's worker
/// threads, several at once: implementations lock what they share.
class PreviewSource {
 public:
  virtual ~PreviewSource() = default;
  /// `route`: "component" (query: session, component?, version?), "versions"
  /// (session, component) or "state" (session: its current component and
  /// the latest version of each).
  virtual PreviewReply fetch(std::string_view route, const std::map<std::string, std::string>& query) = 0;
};

struct PreviewConfig {
  std::string assetsDir;  ///< the built page: index.html, frame.html, page.js, frame.js, page.css
  std::string secret;     ///< the first path segment of every URL; anything else is 404
  /// How often an event stream reads its session's state unasked, for
  /// writes by other processes (a second editor, `aieditor chat`); writes of
  /// this process wake it at once.
  std::chrono::milliseconds lookAgain{1000};
};

class PreviewServer {
 public:
  /// Stops listening, ends the event streams and joins every thread.
  virtual ~PreviewServer() = default;
  /// The port it listens on, on 127.0.0.1.
  virtual int port() const = 0;
  /// Something of `sessionId` was written: the pages following it read its
  /// state again and get an event if it changed. Any thread; never blocks.
  virtual void sessionChanged(const std::string& sessionId) = 0;
  /// Accepts `host` ("name:port") as a Host header from now on, besides
  /// 127.0.0.1:PORT and localhost:PORT: a proxy's or a forwarded port's, which
  /// the editor named (preview/open's proxyHost). Any thread.
  virtual void allowHost(const std::string& host) = 0;
};

/// The module's one export: starts the server on 127.0.0.1 on a free port,
/// or returns null with `error` set. `source` must outlive the server.
using StartPreviewFn = PreviewServer* (*)(const PreviewConfig&, PreviewSource& source, std::string& error);
inline constexpr const char* kStartPreviewSymbol = "aieditor_start_preview";

}  // namespace aieditor::server::preview
