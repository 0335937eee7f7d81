#include "rpc/LspServer.h"

#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/Log.h"
#include "preview/PreviewHost.h"
#include "providers/Providers.h"
#include "rpc/UserMessages.h"
#include "sync/SyncSettings.h"

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

LspServer::~LspServer() { close(); }

int LspServer::close() {
  if (closedWith_) return *closedWith_;
  closedWith_ = shutdown_ ? 0 : 1;
  if (!workspace_) return *closedWith_;
  auto lost = workspace_->close();
  if (lost.empty()) return *closedWith_;
  const std::string text = describeUnsaved(lost) + " and are lost: the server stopped";
  log::error(text);
  showMessage(p::ShowMessageParams::Type::Error, text);
  return *closedWith_ = 1;
}

void LspServer::showMessage(p::ShowMessageParams::Type type, std::string message) {
  dispatcher_.notify("window/showMessage", p::toJSON(p::ShowMessageParams{type, std::move(message)}));
}

void LspServer::receive(std::string_view body) { dispatcher_.receive(body); }
void LspServer::rejectFrame(std::string_view why) { dispatcher_.rejectFrame(why); }

void LspServer::delta(const p::ChatDelta& delta) { dispatcher_.notify("chat/delta", p::toJSON(delta)); }
void LspServer::status(const p::PersistenceStatus& status) {
  dispatcher_.notify("persistence/status", p::toJSON(status));
}
void LspServer::syncStatus(const p::SyncStatus& status) { dispatcher_.notify("sync/status", p::toJSON(status)); }
void LspServer::sessionChanged(const p::SessionChanged& change) {
  dispatcher_.notify("session/changed", p::toJSON(change));
}
namespace {
/// The error as sent: with a plain sentence for the methods editors show errors of.
p::RpcError asSent(std::string_view method, p::RpcError error) {
  return showsUserMessages(method) ? withUserMessage(std::move(error)) : error;
}
}  // namespace

template <class Params, class Handler>
void LspServer::bind(const char* method, Handler handler) {
  dispatcher_.onRequest(method, [this, handler, method](const json& params, Reply reply, p::CancelToken) {
    Params typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return reply.error(asSent(method, {ErrorCode::InvalidParams, parsed.error().message()}));
    auto result = handler(*workspace_, typed);
    if (result)
      reply.result(p::toJSON(*result));
    else
      reply.error(asSent(method, result.error()));
  });
}

template <class Params, class Result, class Handler>
void LspServer::bindDeferred(const char* method, Handler handler) {
  dispatcher_.onRequest(method, [this, handler, method](const json& params, Reply reply, p::CancelToken token) {
    Params typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return reply.error(asSent(method, {ErrorCode::InvalidParams, parsed.error().message()}));
    // The reply outlives this call until the work is done.
    auto pending = std::make_shared<Reply>(std::move(reply));
    handler(*workspace_, typed, token, [pending, method](p::Result<Result> result) {
      if (result)
        pending->result(p::toJSON(*result));
      else
        pending->error(asSent(method, result.error()));
    });
  });
}

namespace {
/// A Workspace method answered later that takes no cancellation token.
template <class Params, class Result>
auto deferred(void (Workspace::*method)(const Params&, Callback<Result>)) {
  return [method](Workspace& ws, const Params& params, p::CancelToken, Callback<Result> done) {
    (ws.*method)(params, std::move(done));
  };
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
    if (options_.busyTimeout) options.busyTimeout = *options_.busyTimeout;
    if (options_.retryInterval) options.retryInterval = *options_.retryInterval;
    auto provider = makeProvider(init, scheduler_);
    if (!provider) return reply.error({ErrorCode::InvalidParams, provider.error()});
    auto sync = syncSettings(init);
    if (!sync) return reply.error({ErrorCode::InvalidParams, sync.error()});
    if (options_.startSync) options.sync = std::move(*sync);
    initOptions_ = init;
    workspace_ = std::make_unique<Workspace>(std::move(options), std::move(*provider), scheduler_, *this);
    workspace_->openStore();
    if (typed.clientInfo) log::info("client " + typed.clientInfo->name);
    p::InitializeResult result;
    result.serverInfo.version = AIEDITOR_VERSION;
    result.capabilities.experimental.aieditor.databasePath = workspace_->databasePath();
    result.capabilities.experimental.aieditor.provider = workspace_->provider().name();
    reply.result(p::toJSON(result));
  });
  dispatcher_.onNotification("initialized", [](const json&) {});
  dispatcher_.onRequest("shutdown", [this](const json&, Reply reply, p::CancelToken) {
    shutdown_ = true;
    // The answer waits for the writes on their way; kept ones get one more try.
    auto pending = std::make_shared<Reply>(std::move(reply));
    workspace_->flush([this, pending] {
      if (auto unsaved = workspace_->unsaved(); !unsaved.empty()) {
        const std::string text = describeUnsaved(unsaved) +
                                 ". They stay in memory and are retried until exit; what still fails then is lost, "
                                 "and the server exits with code 1";
        log::error(text);
        showMessage(p::ShowMessageParams::Type::Error, text);
      }
      pending->result(nullptr);
    });
  });
  dispatcher_.onNotification("exit", [this](const json&) {
    if (onExit) onExit();
  });
  dispatcher_.onNotification("$/cancelRequest", [this](const json& params) {
    p::CancelParams typed;
    if (auto parsed = p::fromJSON(params, typed, "params"); !parsed)
      return log::warn("ignored $/cancelRequest: " + parsed.error().message());
    if (!dispatcher_.cancel(typed.id)) log::debug("$/cancelRequest for " + typed.id + ": not running");
  });
  dispatcher_.onNotification("$/setTrace", [](const json&) {});

  bindDeferred<p::SessionOpenParams, p::SessionOpenResult>("session/open", deferred(&Workspace::openSession));
  bind<p::SessionListParams>("session/list", std::mem_fn(&Workspace::listSessions));
  bindDeferred<p::SessionIdParams, p::SessionDeleteResult>("session/delete", deferred(&Workspace::deleteSession));
  bind<p::SessionIdParams>("session/close", std::mem_fn(&Workspace::closeSession));
  bindDeferred<p::SessionRenameParams, p::SessionRenameResult>("session/rename", deferred(&Workspace::renameSession));
  bind<p::SearchQueryParams>("search/query", std::mem_fn(&Workspace::search));
  bind<p::SessionIdParams>("session/export", std::mem_fn(&Workspace::exportSession));
  bindDeferred<p::SessionImportParams, p::SessionImportResult>("session/import", deferred(&Workspace::importSession));

  bindDeferred<p::ChatSendParams, p::ChatSendResult>("chat/send", std::mem_fn(&Workspace::chatSend));

  bind<p::ProviderListParams>("provider/list", [this](Workspace& ws, const p::ProviderListParams&) {
    return p::Result<p::ProviderListResult>(listProviders(initOptions_, ws.provider()));
  });
  // Switches the provider for the whole server; replies in flight on the old
  // one end as cancelled.
  bind<p::ProviderSetParams>(
      "provider/set", [this](Workspace& ws, const p::ProviderSetParams& params) -> p::Result<p::ProviderSetResult> {
        auto provider = makeProvider(initOptions_, scheduler_, ProviderChoice{params.provider, params.model});
        if (!provider) return p::fail(ErrorCode::InvalidParams, provider.error());
        ws.setProvider(std::move(*provider));
        p::ProviderSetResult result;
        result.active = p::ActiveProvider{ws.provider().name(), ws.provider().model()};
        result.sessionId = params.sessionId;
        return result;
      });

  bind<p::PageParams>("messages/list", std::mem_fn(&Workspace::listMessages));
  bindDeferred<p::MessagesAddParams, p::MessagesAddResult>("messages/add", deferred(&Workspace::addMessage));
  bind<p::PageParams>("interactions/list", std::mem_fn(&Workspace::listInteractions));
  bindDeferred<p::InteractionsAddParams, p::InteractionsAddResult>("interactions/add",
                                                                   deferred(&Workspace::addInteraction));

  bind<p::SessionIdParams>("components/list", std::mem_fn(&Workspace::listComponents));
  bind<p::ComponentsGetParams>("components/get", std::mem_fn(&Workspace::getComponent));
  bindDeferred<p::ComponentsSaveParams, p::ComponentResult>("components/save", deferred(&Workspace::saveComponent));
  bindDeferred<p::ComponentRefParams, p::ComponentDeleteResult>("components/delete",
                                                                deferred(&Workspace::deleteComponent));
  bind<p::ComponentRefParams>("components/history", std::mem_fn(&Workspace::componentHistory));
  bindDeferred<p::ComponentsRestoreParams, p::ComponentResult>("components/restore",
                                                               deferred(&Workspace::restoreComponent));
  bindDeferred<p::ComponentRefParams, p::ComponentsSetCurrentResult>("components/setCurrent",
                                                                     deferred(&Workspace::setCurrentComponent));
  bindDeferred<p::ComponentsAppliedParams, p::ComponentFilesResult>("components/applied",
                                                                    deferred(&Workspace::componentApplied));
  bind<p::ComponentRefParams>("components/files", std::mem_fn(&Workspace::componentFiles));
  bind<p::ComponentsRenderParams>("components/render", std::mem_fn(&Workspace::renderComponent));

  // The first call starts the preview's HTTP server; a componentId or
  // version is checked now, so a wrong one fails here, not in the page.
  bind<p::PreviewOpenParams>(
      "preview/open", [this](Workspace& ws, const p::PreviewOpenParams& params) -> p::Result<p::PreviewOpenResult> {
        if (params.componentId || params.version)
          if (auto found = ws.getComponent(params); !found) return std::unexpected(found.error());
        if (!preview_) {
          auto started = PreviewHost::start(ws.databasePath(), options_.busyTimeout.value_or(Store::kBusyTimeout));
          if (!started) return p::fail(ErrorCode::InternalError, "preview: " + started.error());
          preview_ = std::move(*started);
          ws.setWriteObserver(
              [preview = preview_.get()](const std::string& sessionId) { preview->sessionChanged(sessionId); });
        }
        return p::PreviewOpenResult{preview_->url(params)};
      });

  bind<p::SyncParams>("sync/status", [](Workspace& ws, const p::SyncParams&) { return ws.syncStatus(); });
  bindDeferred<p::SyncParams, p::SyncStatus>("sync/now", [](Workspace& ws, const p::SyncParams&, p::CancelToken,
                                                             Callback<p::SyncStatus> done) {
    ws.syncNow(std::move(done));
  });
  bindDeferred<p::SyncLoginParams, p::SyncStatus>("sync/login", deferred(&Workspace::syncLogin));
  bindDeferred<p::SyncParams, p::SyncStatus>(
      "sync/logout", [](Workspace& ws, const p::SyncParams&, p::CancelToken, Callback<p::SyncStatus> done) {
        ws.syncLogout(std::move(done));
      });
  bind<p::SyncRejectedParams>("sync/rejected", std::mem_fn(&Workspace::syncRejected));
  bindDeferred<p::SyncRejectedParams, p::SyncRetryRejectedResult>("sync/retryRejected",
                                                                  deferred(&Workspace::syncRetryRejected));
}

}  // namespace aieditor::server
