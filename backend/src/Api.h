// The REST API: routes, sign-in and the JSON of every reply, over a Storage.
// Transport-free apart from cpp-httplib's Request/Response values: the server
// (HttpServer) owns sockets, limits and threads and hands every request here.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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

struct ApiOptions {
  std::chrono::seconds accessTtl{900};  ///< how long an access token lives
};

/// Sends `{"error":{"code","message"}}` with `status`.
void sendError(httplib::Response&, int status, std::string_view code, const std::string& message);

class Api {
 public:
  Api(Storage&, ApiOptions);
  /// Answers one request whose body has been read (limits checked before).
  void handle(const httplib::Request&, httplib::Response&) const;

  /// What a handler sees: the request, the signed-in user, the path's captures.
  struct Call {
    const httplib::Request& request;
    httplib::Response& response;
    User user;
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

 private:
  /// The signed-in user of a request's Bearer token, or a 401 sent.
  std::optional<User> authenticate(const httplib::Request&, httplib::Response&) const;
  Storage& storage_;
  ApiOptions options_;
  std::vector<Route> routes_;
  std::vector<std::regex> patterns_;  ///< routes_' patterns, compiled once
};

/// The route table (ApiRoutes.cpp).
std::vector<Api::Route> apiRoutes();

}  // namespace aieditor::backend
