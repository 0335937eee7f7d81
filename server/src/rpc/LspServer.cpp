#include "rpc/LspServer.h"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/Log.h"
#include "providers/Providers.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::Reply;
using protocol::RpcError;
namespace p = protocol;
using nlohmann::json;

std::string defaultDatabasePath() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/aieditor/aieditor.db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/aieditor/aieditor.db";
}

LspServer::LspServer(ServerOptions options, Scheduler& scheduler, protocol::Sink out)
    : options_(std::move(options)), scheduler_(scheduler), dispatcher_(std::move(out)) {
  dispatcher_.setGate([this](std::string_view method) -> std::optional<RpcError> {
    if (shutdown_) return RpcError{ErrorCode::InvalidRequest, "the server is shutting down; only exit is accepted"};
    if (!workspace_ && method != "initialize")
      return RpcError{ErrorCode::ServerNotInitialized, "the server is not initialized: send initialize first"};
    return std::nullopt;
  });
  bindMethods();
}

LspServer::~LspServer() = default;

void LspServer::receive(std::string_view body) { dispatcher_.receive(body); }
void LspServer::rejectFrame(std::string_view why) { dispatcher_.rejectFrame(why); }

void LspServer::delta(const p::ChatDelta& delta) { dispatcher_.notify("chat/delta", p::toJSON(delta)); }
void LspServer::status(const p::PersistenceStatus& status) {
  dispatcher_.notify("persistence/status", p::toJSON(status));
}
void LspServer::waiting() {
  if (flushOutput) flushOutput();
}

template <class Params, class Handler>
void LspServer::bind(const char* method, Handler handler) {
  dispatcher_.onRequest(method, [this, handler](const json& params, Reply reply, p::CancelToken) {
    Params typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return reply.error({ErrorCode::InvalidParams, parsed.error().message()});
    Result<json> result = handler(*workspace_, typed);
    if (result) reply.result(*result);
    else reply.error(result.error());
  });
}

template <class Params, class Record>
void LspServer::bindDeferred(const char* method, const char* key,
                             void (Workspace::*add)(const Params&, std::function<void(Result<Record>)>)) {
  dispatcher_.onRequest(method, [this, key, add](const json& params, Reply reply, p::CancelToken) {
    Params typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return reply.error({ErrorCode::InvalidParams, parsed.error().message()});
    // The answer waits for the commit that makes the write durable.
    auto pending = std::make_shared<Reply>(std::move(reply));
    ((*workspace_).*add)(typed, [pending, key](Result<Record> result) {
      if (result) pending->result(json{{key, p::toJSON(*result)}});
      else pending->error(result.error());
    });
  });
}

namespace {
/// Applies `f` to a success (std::expected's transform arrives in GCC 13).
template <class T, class F>
Result<json> mapResult(Result<T>&& result, F f) {
  if (!result) return std::unexpected(std::move(result.error()));
  if constexpr (std::is_void_v<T>) return f();
  else return f(*result);
}

/// Wraps a list of wire records under `key`.
template <class T>
json listOf(const char* key, const std::vector<T>& items) {
  json array = json::array();
  for (const auto& item : items) array.push_back(p::toJSON(item));
  return json{{key, std::move(array)}};
}
}  // namespace

void LspServer::bindMethods() {
  dispatcher_.onRequest("initialize", [this](const json& params, Reply reply, p::CancelToken) {
    if (workspace_) return reply.error({ErrorCode::InvalidRequest, "initialize was already received"});
    p::InitializeParams typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return reply.error({ErrorCode::InvalidParams, parsed.error().message()});
    const auto& init = typed.initializationOptions;
    WorkspaceOptions options;
    options.databasePath = init.databasePath.value_or(options_.databasePath.value_or(defaultDatabasePath()));
    auto provider = makeProvider(init, scheduler_);
    if (!provider) return reply.error({ErrorCode::InvalidParams, provider.error()});
    initOptions_ = init;
    workspace_ = std::make_unique<Workspace>(std::move(options), std::move(*provider), scheduler_, *this);
    workspace_->openStore();
    if (typed.clientInfo) log::info("client " + typed.clientInfo->name);
    reply.result(p::toJSON(p::InitializeResult{AIEDITOR_VERSION, workspace_->databasePath(),
                                               workspace_->provider().name()}));
  });
  dispatcher_.onNotification("initialized", [](const json&) {});
  dispatcher_.onRequest("shutdown", [this](const json&, Reply reply, p::CancelToken) {
    if (!workspace_->flushPending()) log::error("shutdown with writes still pending; they are retried until exit");
    shutdown_ = true;
    reply.result(nullptr);
  });
  dispatcher_.onNotification("exit", [this](const json&) {
    if (onExit) onExit(exitCode());
  });
  dispatcher_.onNotification("$/cancelRequest", [this](const json& params) {
    p::CancelParams typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return log::warn("ignored $/cancelRequest: " + parsed.error().message());
    if (!dispatcher_.cancel(typed.id)) log::debug("$/cancelRequest for " + typed.id + ": not running");
  });
  dispatcher_.onNotification("$/setTrace", [](const json&) {});

  bind<p::SessionOpenParams>("session/open", [](Workspace& ws, const p::SessionOpenParams& params) {
    return mapResult(ws.openSession(params), [](const auto& r) { return p::toJSON(r); });
  });
  bind<p::SessionListParams>("session/list", [](Workspace& ws, const p::SessionListParams& params) {
    return mapResult(ws.listSessions(params), [](const auto& r) { return p::toJSON(r); });
  });
  bind<p::SessionIdParams>("session/delete", [](Workspace& ws, const p::SessionIdParams& params) {
    return mapResult(ws.deleteSession(params.sessionId), [&] {
      return json{{"sessionId", params.sessionId}, {"deleted", true}};
    });
  });
  bind<p::SessionIdParams>("session/close", [](Workspace& ws, const p::SessionIdParams& params) -> Result<json> {
    ws.closeSession(params.sessionId);
    return json{{"sessionId", params.sessionId}, {"closed", true}};
  });
  bind<p::SessionIdParams>("session/export", [](Workspace& ws, const p::SessionIdParams& params) {
    return mapResult(ws.exportSession(params.sessionId), [](const auto& d) { return json{{"document", p::toJSON(d)}}; });
  });
  bind<p::SessionImportParams>("session/import", [](Workspace& ws, const p::SessionImportParams& params) {
    return mapResult(ws.importSession(params), [](const std::string& id) { return json{{"sessionId", id}}; });
  });

  dispatcher_.onRequest("chat/send", [this](const json& params, Reply reply, p::CancelToken token) {
    p::ChatSendParams typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return reply.error({ErrorCode::InvalidParams, parsed.error().message()});
    // The reply outlives this call while the answer streams.
    auto pending = std::make_shared<Reply>(std::move(reply));
    workspace_->chatSend(typed, token, [pending](Result<p::ChatSendResult> result) {
      if (result) pending->result(p::toJSON(*result));
      else pending->error(result.error());
    });
  });

  bind<p::ProviderListParams>("provider/list", [this](Workspace& ws, const p::ProviderListParams&) -> Result<json> {
    return p::toJSON(listProviders(initOptions_, ws.provider()));
  });
  // Switches the provider for the whole server; replies in flight on the old
  // one end as cancelled.
  bind<p::ProviderSetParams>("provider/set", [this](Workspace& ws, const p::ProviderSetParams& params) -> Result<json> {
    auto provider = makeProvider(initOptions_, scheduler_, ProviderChoice{params.provider, params.model});
    if (!provider) return p::fail(ErrorCode::InvalidParams, provider.error());
    ws.setProvider(std::move(*provider));
    json result = {{"active", p::toJSON(p::ActiveProvider{ws.provider().name(), ws.provider().model()})}};
    if (params.sessionId) result["sessionId"] = *params.sessionId;
    return result;
  });

  bind<p::PageParams>("messages/list", [](Workspace& ws, const p::PageParams& params) {
    return mapResult(ws.listMessages(params), [](const auto& r) { return p::toJSON(r); });
  });
  bindDeferred<p::MessagesAddParams, p::Message>("messages/add", "message",
                                                &Workspace::addMessage);
  bind<p::PageParams>("interactions/list", [](Workspace& ws, const p::PageParams& params) {
    return mapResult(ws.listInteractions(params), [](const auto& r) { return p::toJSON(r); });
  });
  bindDeferred<p::InteractionsAddParams, p::Interaction>("interactions/add", "interaction",
                                                        &Workspace::addInteraction);

  bind<p::SessionIdParams>("components/list", [](Workspace& ws, const p::SessionIdParams& params) {
    return mapResult(ws.listComponents(params.sessionId), [](const auto& list) { return listOf("components", list); });
  });
  bind<p::ComponentsGetParams>("components/get", [](Workspace& ws, const p::ComponentsGetParams& params) {
    return mapResult(ws.getComponent(params), [](const auto& c) { return json{{"component", p::toJSON(c)}}; });
  });
  bind<p::ComponentsSaveParams>("components/save", [](Workspace& ws, const p::ComponentsSaveParams& params) {
    return mapResult(ws.saveComponent(params), [](const auto& c) { return json{{"component", p::toJSON(c)}}; });
  });
  bind<p::ComponentRefParams>("components/delete", [](Workspace& ws, const p::ComponentRefParams& params) {
    return mapResult(ws.deleteComponent(params), [&] {
      return json{{"componentId", params.componentId}, {"deleted", true}};
    });
  });
  bind<p::ComponentRefParams>("components/history", [](Workspace& ws, const p::ComponentRefParams& params) {
    return mapResult(ws.componentHistory(params), [](const auto& list) { return listOf("versions", list); });
  });
  bind<p::ComponentRefParams>("components/restore", [](Workspace& ws, const p::ComponentRefParams& params) -> Result<json> {
    if (!params.version) return p::fail(ErrorCode::InvalidParams, "params.version: required");
    return mapResult(ws.restoreComponent(params), [](const auto& c) { return json{{"component", p::toJSON(c)}}; });
  });
  bind<p::ComponentRefParams>("components/setCurrent", [](Workspace& ws, const p::ComponentRefParams& params) {
    return mapResult(ws.setCurrentComponent(params), [](const std::string& id) {
      return json{{"currentComponentId", id}};
    });
  });
}

}  // namespace aieditor::server
