// The server's logic: sessions, chat, components and save status. It works
// on typed values only; LspServer turns JSON into these calls and back.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include "aieditor/protocol/JsonRpc.h"
#include "aieditor/protocol/Protocol.h"
#include "providers/Provider.h"
#include "workspace/SaveTracker.h"
#include "common/Scheduler.h"
#include "workspace/SessionStores.h"
#include "store/Store.h"

namespace aieditor::server {

using protocol::CancelToken;
using protocol::Result;
using protocol::RpcError;

struct WorkspaceOptions {
  std::string databasePath;
  /// How much earlier conversation goes to the model, in characters.
  std::size_t historyBudgetChars = 24000;
};

class Workspace {
 public:
  Workspace(WorkspaceOptions, std::unique_ptr<Provider>, Scheduler&, Events&);
  ~Workspace();

  /// Opens the database; on failure every call reports the reason.
  void openStore();
  const std::string& databasePath() const { return options_.databasePath; }
  Provider& provider() { return *provider_; }
  void setProvider(std::unique_ptr<Provider>);

  Result<protocol::SessionOpenResult> openSession(const protocol::SessionOpenParams&);
  Result<protocol::SessionListResult> listSessions(const protocol::SessionListParams&);
  Result<void> deleteSession(const std::string& sessionId);
  /// Resets the session's in-memory stores; pending writes stay and retry.
  void closeSession(const std::string& sessionId);
  Result<protocol::SessionDocument> exportSession(const std::string& sessionId);
  Result<std::string> importSession(const protocol::SessionImportParams&);

  using ChatDone = std::function<void(Result<protocol::ChatSendResult>)>;
  /// Saves the prompt, streams the reply as deltas, saves the reply and its
  /// component, then calls `done` once.
  void chatSend(const protocol::ChatSendParams&, CancelToken, ChatDone done);

  Result<protocol::MessagePage> listMessages(const protocol::PageParams&);
  /// Adds a message; `done` is called once it is durable. Adds that arrive
  /// together share one commit (group commit), so pipelined writes cost one
  /// sync per batch instead of one each.
  void addMessage(const protocol::MessagesAddParams&, std::function<void(Result<protocol::Message>)> done);
  Result<protocol::InteractionPage> listInteractions(const protocol::PageParams&);
  void addInteraction(const protocol::InteractionsAddParams&,
                      std::function<void(Result<protocol::Interaction>)> done);

  Result<std::vector<protocol::Component>> listComponents(const std::string& sessionId);
  Result<protocol::Component> getComponent(const protocol::ComponentsGetParams&);
  Result<protocol::Component> saveComponent(const protocol::ComponentsSaveParams&);
  Result<void> deleteComponent(const protocol::ComponentRefParams&);
  Result<std::vector<protocol::Component>> componentHistory(const protocol::ComponentRefParams&);
  Result<protocol::Component> restoreComponent(const protocol::ComponentRefParams&);
  Result<std::string> setCurrentComponent(const protocol::ComponentRefParams&);

  /// Retries every session's pending writes; true when nothing is pending.
  bool flushPending();

 private:
  struct ChatRun;
  Result<Store*> store();
  /// The in-memory side of a session the client has touched.
  struct OpenSession {
    SaveTracker tracker;
    ChatStore chat;
    ComponentStore components;
  };
  OpenSession& session(const std::string& sessionId);
  SaveTracker& tracker(const std::string& sessionId) { return session(sessionId).tracker; }
  /// Drops the stores' copies of unsaved records once nothing is pending.
  void settled(OpenSession&);
  Result<void> write(const std::string& sessionId, SaveTracker::Write, std::string_view field = {});
  /// Runs `op(Store&)` as a tracked write and returns its value.
  template <class Op>
  auto persist(const std::string& sessionId, Op op, std::string_view field = {})
      -> Result<typename std::invoke_result_t<Op, Store&>::value_type>;
  /// Runs `op(Store&)` inside the group commit and calls `done` after the
  /// commit (or at once on failure); falls back to persist() when a group
  /// cannot be used.
  template <class T, class Op>
  void persistGrouped(const std::string& sessionId, Op op, std::function<void(Result<T>)> done,
                      std::function<void(const RpcError&)> onLost);
  /// Commits the open group and acknowledges its writes.
  void flushGroup();
  void scheduleRetry();
  void finishChat(std::shared_ptr<ChatRun>, std::expected<Completion, ProviderError>);

  WorkspaceOptions options_;
  std::unique_ptr<Provider> provider_;
  Scheduler& scheduler_;
  Events& events_;
  std::unique_ptr<Store> store_;
  std::string storeError_;
  std::map<std::string, OpenSession> sessions_;
  bool retryScheduled_ = false;
  /// A write inside the open group, acknowledged when the group commits.
  struct GroupedWrite {
    std::string sessionId;
    SaveTracker::Write write;                 ///< queued again if the commit fails
    std::function<void(const RpcError*)> ack;  ///< null: committed
  };
  std::vector<GroupedWrite> group_;
  bool groupOpen_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aieditor::server
