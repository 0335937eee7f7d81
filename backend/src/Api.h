// The REST API: routes, sign-in and the JSON of every reply, over a Storage.
// Transport-free apart from cpp-httplib's Request/Response values: the server
// (HttpServer) owns sockets, limits and threads and hands every request here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "Storage.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace aieditor::backend {

/// A test hook (AIEDITOR_BACKEND_CRASH): where POST /api/batch ends the
/// process with SIGKILL, as a power cut would.
enum class CrashPoint { None, BatchBeforeCommit, BatchAfterCommit };

struct ApiOptions {
  std::chrono::seconds accessTtl{900};         ///< how long an access token lives
  std::chrono::milliseconds heartbeat{15000};  ///< the longest an event stream stays silent
  std::size_t maxStreams = 32;                 ///< open /api/events streams (each holds a connection)
  CrashPoint crashAt = CrashPoint::None;
  /// How long a checked access token is trusted without reading storage
  /// again: the longest a revocation takes to reach this server. 0 reads
  /// it on every request.
  std::chrono::milliseconds accessRecheck{0};
};

/// Sends `{"error":{"code","message"}}` with `status`.
void sendError(httplib::Response&, int status, std::string_view code, const std::string& message);

class EventHub;
class AccessCache;

class Api {
 public:
  /// Listens to the storage's changes for /api/events until destroyed.
  Api(Storage&, ApiOptions);
  ~Api();
  /// Answers one request whose body has been read (limits checked before).
  void handle(const httplib::Request&, httplib::Response&) const;

  /// What a handler sees: the request, the signed-in user, the path's captures.
  struct Call {
    const httplib::Request& request;
    httplib::Response& response;
    User user;
    TokenHash accessToken;  ///< the hash of the Bearer token that signed the user in
    std::vector<std::string> captures;
  };
  using Handler = std::function<void(const Api&, Call&)>;
  struct Route {
    std::string method;
    std::string pattern;  ///< an ECMAScript regex over the whole path
    bool needsUser = true;
    Handler handler;
  };

  Storage& storage() const { return storage_; }
  const ApiOptions& options() const { return options_; }
  EventHub& events() const { return *events_; }
  /// Ends every event stream (the server is stopping), so draining does not wait on them.
  void closeStreams() const;

 private:
  /// Fills the call's user from its Bearer token; false when a 401 (or 503) was sent.
  bool authenticate(Call&) const;
  Storage& storage_;
  ApiOptions options_;
  std::vector<Route> routes_;
  std::vector<std::regex> patterns_;  ///< routes_' patterns, compiled once
  std::unique_ptr<EventHub> events_;
  std::unique_ptr<AccessCache> accessCache_;
};

/// The route table (ApiRoutes.cpp).
std::vector<Api::Route> apiRoutes();
/// GET /api/events (EventStream.cpp).
void streamEvents(const Api&, Api::Call&);

}  // namespace aieditor::backend
