// Every route of the REST API (docs/backend.md): reading the request into the
// protocol's typed records, calling Storage, and writing the reply's JSON.
#include <httplib.h>

#include <charconv>
#include <csignal>
#include <nlohmann/json.hpp>

#include "Api.h"
#include "Requests.h"
#include "Tokens.h"
#include "common/Ids.h"
#include "common/Log.h"

namespace aieditor::backend {
namespace {

using nlohmann::json;
using Call = Api::Call;

constexpr std::int64_t kMaxLimit = 1000;
constexpr std::size_t kMaxBatch = 1000;
constexpr int kMaxNesting = 512;

void sendJSON(Call& call, int status, const json& body) {
  call.response.status = status;
  call.response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

ApiError apiError(const StorageError& error) {
  switch (error.failure) {
    case Failure::BadInput:
      return {400, "invalid_request", error.message};
    case Failure::NotFound:
      return {404, "not_found", error.message};
    case Failure::Conflict:
      return {409, "conflict", error.message};
    case Failure::Unavailable:
      break;
  }
  server::log::error("storage failed: " + error.message);
  return {503, "unavailable", error.message};
}

void sendStorageError(Call& call, const StorageError& error) {
  const ApiError e = apiError(error);
  sendError(call.response, e.status, e.code, e.message);
}

/// The request's JSON body, or a 415/400 sent.
std::optional<json> readBody(Call& call) {
  const std::string type = call.request.get_header_value("Content-Type");
  const std::string mime = type.substr(0, type.find(';'));
  if (mime != "application/json")
    return sendError(call.response, 415, "unsupported_media_type",
                     "Content-Type: expected application/json, got \"" + type + "\""),
           std::nullopt;
  bool tooDeep = false;
  json body = json::parse(
      call.request.body,
      [&tooDeep](int depth, json::parse_event_t, json&) {
        if (depth > kMaxNesting) tooDeep = true;
        return !tooDeep;
      },
      /*allow_exceptions=*/false);
  if (tooDeep)
    return sendError(call.response, 400, "invalid_request",
                     "body: nested deeper than " + std::to_string(kMaxNesting) + " levels"),
           std::nullopt;
  if (body.is_discarded())
    return sendError(call.response, 400, "invalid_request", "body: not valid JSON"), std::nullopt;
  if (!body.is_object())
    return sendError(call.response, 400, "invalid_request", "body: must be a JSON object"), std::nullopt;
  return body;
}

/// An integer query parameter within [min, max], its default when absent, or a 400 sent.
std::optional<std::int64_t> queryInteger(Call& call, const char* name, std::int64_t fallback, std::int64_t min,
                                         std::int64_t max) {
  if (!call.request.has_param(name)) return fallback;
  const std::string text = call.request.get_param_value(name);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    return sendError(
               call.response, 400, "invalid_request",
               std::string(name) + ": must be an integer from " + std::to_string(min) + " to " + std::to_string(max)),
           std::nullopt;
  return value;
}

std::optional<std::string> queryString(Call& call, const char* name) {
  if (!call.request.has_param(name)) return std::nullopt;
  return call.request.get_param_value(name);
}

void sendApiError(Call& call, const ApiError& error) {
  sendError(call.response, error.status, error.code, error.message);
}

/// The session id of the path, checked by the protocol's rule, or a 400 sent.
std::optional<std::string> pathSession(Call& call) {
  auto id = readSessionId(call.captures.at(0), "session_id (path)");
  if (!id) return sendApiError(call, id.error()), std::nullopt;
  return *id;
}

/// The body read by `read` for the path's session, or a 415/400 sent.
template <class T>
std::optional<T> readFor(Call& call, Parsed<T> (*read)(json, const std::string&)) {
  auto session = pathSession(call);
  if (!session) return std::nullopt;
  auto body = readBody(call);
  if (!body) return std::nullopt;
  auto parsed = read(std::move(*body), *session);
  if (!parsed) return sendApiError(call, parsed.error()), std::nullopt;
  return std::move(*parsed);
}

template <class T>
void sendSaved(Call& call, const char* what, const StorageResult<Saved<T>>& saved) {
  if (!saved) return sendStorageError(call, saved.error());
  sendJSON(call, saved->created ? 201 : 200, json{{what, protocol::toBackendJSON(saved->record)}});
}

template <class T>
json records(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(protocol::toBackendJSON(item));
  return out;
}

// ---- Routes --------------------------------------------------------------------------

void health(const Api& api, Call& call) {
  sendJSON(call, 200, {{"status", "ok"}, {"storage", api.storage().engine()}, {"version", AIEDITOR_VERSION}});
}

// RFC 6749 §6: a refresh-token grant answered with a Bearer access token.
void signIn(const Api& api, Call& call) {
  auto body = readBody(call);
  if (!body) return;
  const json& grant = (*body)["grant_type"];
  if (!grant.is_string() || grant.get<std::string>() != "refresh_token")
    return sendError(call.response, 400, "unsupported_grant_type", "grant_type: must be \"refresh_token\"");
  const json& token = (*body)["refresh_token"];
  if (!token.is_string() || token.get<std::string>().empty())
    return sendError(call.response, 400, "invalid_request", "refresh_token: must be a non-empty string");
  auto user = api.storage().userForSignInToken(hashToken(token.get<std::string>()));
  if (!user && user.error().failure == Failure::NotFound)
    return sendError(call.response, 401, "invalid_grant", "refresh_token: unknown or revoked");
  if (!user) return sendStorageError(call, user.error());
  auto access = newToken(kAccessPrefix);
  if (!access) return sendError(call.response, 503, "unavailable", access.error());
  const auto ttl = api.options().accessTtl;
  const auto expiresAt = server::now() + std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  if (auto stored = api.storage().addAccessToken(user->id, hashToken(*access), expiresAt); !stored)
    return sendStorageError(call, stored.error());
  call.response.set_header("Cache-Control", "no-store");
  sendJSON(call, 200,
           {{"access_token", *access}, {"token_type", "Bearer"}, {"expires_in", ttl.count()}, {"user", user->name}});
}

void listSessions(const Api& api, Call& call) {
  auto limit = queryInteger(call, "limit", 50, 1, kMaxLimit);
  if (!limit) return;
  auto page = api.storage().listSessions(call.user.id, *limit, queryString(call, "cursor"));
  if (!page) return sendStorageError(call, page.error());
  json sessions = json::array();
  for (const auto& info : page->sessions)
    sessions.push_back({{"id", info.session.id},
                        {"title", info.session.title},
                        {"created_at", protocol::formatTimestamp(info.session.createdAt)},
                        {"updated_at", protocol::formatTimestamp(info.session.updatedAt)},
                        {"message_count", info.messageCount},
                        {"component_count", info.componentCount},
                        {"current_component_id", info.currentComponentId ? json(*info.currentComponentId) : json()}});
  json out{{"sessions", std::move(sessions)}};
  if (page->nextCursor) out["next_cursor"] = *page->nextCursor;
  sendJSON(call, 200, out);
}

template <class T, auto List>
void listRecords(const Api& api, Call& call, const char* plural) {
  auto session = pathSession(call);
  if (!session) return;
  auto limit = queryInteger(call, "limit", 50, 1, kMaxLimit);
  if (!limit) return;
  auto page = (api.storage().*List)(call.user.id, *session, queryString(call, "before"), *limit);
  if (!page) return sendStorageError(call, page.error());
  sendJSON(call, 200, {{plural, records(page->items)}, {"has_more", page->hasMore}});
}

void listMessages(const Api& api, Call& call) { listRecords<Message, &Storage::listMessages>(api, call, "messages"); }
void listInteractions(const Api& api, Call& call) {
  listRecords<Interaction, &Storage::listInteractions>(api, call, "interactions");
}

void addMessage(const Api& api, Call& call) {
  if (auto in = readFor(call, readMessage)) sendSaved(call, "message", api.storage().addMessage(call.user.id, *in));
}

void addInteraction(const Api& api, Call& call) {
  if (auto in = readFor(call, readInteraction))
    sendSaved(call, "interaction", api.storage().addInteraction(call.user.id, *in));
}

void listComponents(const Api& api, Call& call) {
  auto session = pathSession(call);
  if (!session) return;
  auto components = api.storage().listComponents(call.user.id, *session);
  if (!components) return sendStorageError(call, components.error());
  sendJSON(call, 200, {{"components", records(*components)}});
}

void saveComponent(const Api& api, Call& call) {
  if (auto edit = readFor(call, readComponentEdit))
    sendSaved(call, "component", api.storage().saveComponent(call.user.id, *edit));
}

void deleteComponent(const Api& api, Call& call) {
  auto session = pathSession(call);
  if (!session) return;
  auto component = readSessionId(call.captures.at(1), "component_id (path)");
  if (!component) return sendApiError(call, component.error());
  if (auto deleted = api.storage().deleteComponent(call.user.id, *session, *component); !deleted)
    return sendStorageError(call, deleted.error());
  call.response.status = 204;
}

void componentVersions(const Api& api, Call& call) {
  auto session = pathSession(call);
  if (!session) return;
  auto versions = api.storage().componentVersions(call.user.id, *session, call.captures.at(1));
  if (!versions) return sendStorageError(call, versions.error());
  sendJSON(call, 200, {{"versions", records(*versions)}});
}

Parsed<SetCurrentComponent> readCurrent(json body, const std::string& sessionId) {
  return readCurrentComponent(body, sessionId);
}

void setCurrentComponent(const Api& api, Call& call) {
  auto set = readFor(call, readCurrent);
  if (!set) return;
  if (auto done = api.storage().setCurrentComponent(call.user.id, set->sessionId, set->componentId); !done)
    return sendStorageError(call, done.error());
  sendJSON(call, 200, {{"session_id", set->sessionId}, {"current_component_id", set->componentId}});
}

void deleteSession(const Api& api, Call& call) {
  auto session = pathSession(call);
  if (!session) return;
  if (auto deleted = api.storage().deleteSession(call.user.id, *session); !deleted)
    return sendStorageError(call, deleted.error());
  call.response.status = 204;
}

void changes(const Api& api, Call& call) {
  auto since = queryInteger(call, "since", 0, 0, INT64_MAX);
  if (!since) return;
  auto limit = queryInteger(call, "limit", 500, 1, kMaxLimit);
  if (!limit) return;
  auto page = api.storage().changesSince(call.user.id, *since, *limit);
  if (!page) return sendStorageError(call, page.error());
  json list = json::array();
  for (const auto& change : page->changes) {
    json record = std::visit(
        [](const auto& r) -> json {
          using R = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<R, std::monostate>)
            return nullptr;
          else if constexpr (std::is_same_v<R, CurrentComponent>)
            return {{"component_id", r.componentId}};
          else
            return protocol::toBackendJSON(r);
        },
        change.record);
    list.push_back(
        {{"seq", change.seq}, {"session_id", change.sessionId}, {"kind", change.kind}, {"record", std::move(record)}});
  }
  sendJSON(call, 200,
           {{"changes", std::move(list)}, {"next", page->next}, {"has_more", page->hasMore}, {"latest", page->latest}});
}

// POST /api/batch: many writes, applied in order in one commit, each answered
// as its own route would answer it; one refused write does not stop the rest.
void applyBatch(const Api& api, Call& call) {
  auto body = readBody(call);
  if (!body) return;
  const auto items = body->find("writes");
  if (items == body->end() || !items->is_array() || items->empty() || items->size() > kMaxBatch)
    return sendError(call.response, 400, "invalid_request",
                     "writes: must be an array of 1 to " + std::to_string(kMaxBatch) +
                         " writes {kind, session_id, record}");
  std::vector<json> results(items->size());
  std::vector<Write> writes;
  std::vector<std::size_t> positions;  // of writes in items
  auto refusal = [](const ApiError& e) {
    return json{{"status", e.status}, {"error", {{"code", e.code}, {"message", e.message}}}};
  };
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto write = readWrite((*items)[i], "writes[" + std::to_string(i) + "]");
    if (!write) {
      results[i] = refusal(write.error());
      continue;
    }
    writes.push_back(std::move(*write));
    positions.push_back(i);
  }
  if (api.options().crashAt == CrashPoint::BatchBeforeCommit) std::raise(SIGKILL);
  auto outcomes = api.storage().applyWrites(call.user.id, writes);
  if (!outcomes) return sendStorageError(call, outcomes.error());
  if (api.options().crashAt == CrashPoint::BatchAfterCommit) std::raise(SIGKILL);  // committed, never answered
  for (std::size_t k = 0; k < writes.size(); ++k) {
    const auto& outcome = (*outcomes)[k];
    json& result = results[positions[k]];
    if (!outcome) {
      result = refusal(apiError(outcome.error()));
      continue;
    }
    std::visit(
        [&](const auto& saved) {
          using S = std::decay_t<decltype(saved)>;
          if constexpr (std::is_same_v<S, std::monostate>)
            result = {{"status", std::holds_alternative<SetCurrentComponent>(writes[k]) ? 200 : 204}};
          else
            result = {{"status", saved.created ? 201 : 200}, {"record", protocol::toBackendJSON(saved.record)}};
        },
        *outcome);
  }
  sendJSON(call, 200, {{"results", std::move(results)}});
}

}  // namespace

std::vector<Api::Route> apiRoutes() {
  const std::string session = "/api/sessions/([^/]+)";
  return {
      {"GET", "/healthz", false, health},
      {"POST", "/api/auth/token", false, signIn},
      {"GET", "/api/sessions", true, listSessions},
      {"GET", session + "/messages", true, listMessages},
      {"POST", session + "/messages", true, addMessage},
      {"GET", session + "/interactions", true, listInteractions},
      {"POST", session + "/interactions", true, addInteraction},
      {"GET", session + "/components", true, listComponents},
      {"POST", session + "/components", true, saveComponent},
      {"GET", session + "/components/([^/]+)/versions", true, componentVersions},
      {"DELETE", session + "/components/([^/]+)", true, deleteComponent},
      {"PUT", session + "/current_component", true, setCurrentComponent},
      {"DELETE", session, true, deleteSession},
      {"GET", "/api/changes", true, changes},
      {"POST", "/api/batch", true, applyBatch},
      {"GET", "/api/events", true, streamEvents},
  };
}

}  // namespace aieditor::backend
