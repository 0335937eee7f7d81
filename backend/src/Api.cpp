// Route matching (404, 405 with Allow) and Bearer authentication before a handler runs.
#include "Api.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "AccessCache.h"
#include "EventHub.h"
#include "Tokens.h"
#include "common/Ids.h"

namespace aieditor::backend {
namespace {
/// Access tokens remembered at once: far more than a node's clients, small in memory.
constexpr std::size_t kAccessCacheCapacity = 100'000;
}  // namespace

void sendError(httplib::Response& res, int status, std::string_view code, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(), "application/json");
}

Api::Api(Storage& storage, ApiOptions options)
    : storage_(storage),
      options_(options),
      routes_(apiRoutes()),
      events_(std::make_unique<EventHub>()),
      accessCache_(std::make_unique<AccessCache>(options.accessRecheck, kAccessCacheCapacity)) {
  for (const auto& route : routes_)
    patterns_.emplace_back(route.pattern, std::regex::ECMAScript | std::regex::optimize);
  storage_.setChangeListener([hub = events_.get()](const ChangeNotice& notice) { hub->publish(notice); });
}

Api::~Api() { storage_.setChangeListener(nullptr); }

void Api::closeStreams() const { events_->close(); }

bool Api::authenticate(Call& call) const {
  // RFC 6750 §3: every refusal names the scheme, so a client knows to refresh.
  auto refuse = [&call](const std::string& why) {
    call.response.set_header("WWW-Authenticate", R"(Bearer error="invalid_token")");
    sendError(call.response, 401, "invalid_token", why);
    return false;
  };
  const std::string header = call.request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.empty()) return refuse("Authorization: missing; send \"Bearer <access_token>\"");
  if (header.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      }))
    return refuse("Authorization: expected \"Bearer <access_token>\"");
  call.accessToken = hashToken(std::string_view(header).substr(kScheme.size()));
  const Timestamp now = server::now();
  if (auto known = accessCache_->find(call.accessToken, now)) return call.user = std::move(*known), true;
  auto grant = storage_.userForAccessToken(call.accessToken, now);
  if (grant) {
    accessCache_->remember(call.accessToken, *grant, now);
    return call.user = std::move(grant->user), true;
  }
  if (grant.error().failure == Failure::NotFound)
    return refuse("the access token is unknown, expired or revoked; refresh it at POST /api/auth/token");
  sendError(call.response, 503, "unavailable", grant.error().message);
  return false;
}

void Api::handle(const httplib::Request& req, httplib::Response& res) const {
  // HEAD is GET without the body (RFC 9110 §9.3.2); httplib leaves the body out.
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::string allowed;
  const Route* route = nullptr;
  std::smatch match;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(req.path, m, patterns_[i])) continue;
    if (routes_[i].method == method) {
      route = &routes_[i];
      match = std::move(m);
      break;
    }
    allowed += (allowed.empty() ? "" : ", ") + routes_[i].method;
  }
  if (!route && allowed.empty()) return sendError(res, 404, "not_found", "no route " + req.path);
  if (!route) {
    res.set_header("Allow", allowed);
    return sendError(res, 405, "method_not_allowed", req.method + " " + req.path + ": allowed: " + allowed);
  }
  Call call{req, res, User{}, {}, {}};
  for (std::size_t i = 1; i < match.size(); ++i) call.captures.push_back(match[i].str());
  if (route->needsUser && !authenticate(call)) return;
  route->handler(*this, call);
}

}  // namespace aieditor::backend
