// The server's logic: sessions, chat, components and save status. It works
// on typed values only; LspServer turns JSON into these calls and back.
//
// Threads: every call arrives on the loop thread and every callback runs
// there. No request waits on another's storage:
// - reads answer at once from their own connection, which never waits for
//   a writer's lock; they see what is committed, and session/open adds what
//   is still on its way (SessionStores);
// - writes go to the storage thread through the session's SaveTracker and
//   answer once they are durable.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aieditor/protocol/Protocol.h"
#include "aieditor/protocol/RpcError.h"
#include "aieditor/protocol/Search.h"
#include "common/Scheduler.h"
#include "providers/Provider.h"
#include "store/StorageThread.h"
#include "store/Store.h"
#include "sync/SyncSettings.h"
#include "workspace/Events.h"
#include "workspace/SaveTracker.h"
#include "workspace/SessionStores.h"

namespace aieditor::server {

class SyncThread;
using protocol::CancelToken;
using protocol::Result;
using protocol::RpcError;

/// How a deferred call answers: exactly once, on the loop thread.
template <class T>
using Callback = std::function<void(Result<T>)>;

struct WorkspaceOptions {
  std::string databasePath;
  /// How much earlier conversation goes to the model, in characters.
  std::size_t historyBudgetChars = 24000;
  /// How long a write waits for another process's lock before it fails.
  std::chrono::milliseconds busyTimeout = Store::kBusyTimeout;
  /// How often kept (failed) writes are replayed.
  std::chrono::milliseconds retryInterval{2000};
  /// The team backend to push the outbox to; none: sync is off.
  std::optional<SyncSettings> sync;
};

/// Writes of one session that could not be stored and are kept in memory.
struct UnsavedWrites {
  std::string sessionId;
  std::int64_t writes = 0;
  std::optional<std::string> error;  ///< the last storage error
};

/// "3 writes could not be saved (session a: 2 writes (why); session b: ...)".
std::string describeUnsaved(const std::vector<UnsavedWrites>&);

class Workspace {
 public:
  Workspace(WorkspaceOptions, std::unique_ptr<Provider>, Scheduler&, Events&);
  /// close()s.
  ~Workspace();
  /// For the end of the process: saves replies still streaming as
  /// interrupted, replays kept writes once more and lets the storage thread
  /// finish what is queued. Returns the writes that still could not be
  /// stored, which are lost. Every later write fails.
  std::vector<UnsavedWrites> close();

  /// Opens the database; on failure every call reports the reason.
  void openStore();
  const std::string& databasePath() const { return options_.databasePath; }
  Provider& provider() { return *provider_; }
  void setProvider(std::unique_ptr<Provider>);

  void openSession(const protocol::SessionOpenParams&, Callback<protocol::SessionOpenResult>);
  Result<protocol::SessionListResult> listSessions(const protocol::SessionListParams&);
  void deleteSession(const protocol::SessionIdParams&, Callback<protocol::SessionDeleteResult>);
  /// Forgets the session's errors; its reply streaming and its writes on
  /// their way or kept stay (they still finish or retry, and show).
  Result<protocol::SessionCloseResult> closeSession(const protocol::SessionIdParams&);
  Result<protocol::SessionExportResult> exportSession(const protocol::SessionIdParams&);
  void importSession(const protocol::SessionImportParams&, Callback<protocol::SessionImportResult>);
  /// A write like any other (kept and retried); the title stays the user's.
  void renameSession(const protocol::SessionRenameParams&, Callback<protocol::SessionRenameResult>);
  /// A read: what has committed, through the read connection.
  Result<protocol::SearchQueryResult> search(const protocol::SearchQueryParams&);

  /// Saves the prompt and streams the reply as deltas at once (the prompt's
  /// write does not hold the stream up), then saves the reply and its
  /// component and answers once they are durable.
  void chatSend(const protocol::ChatSendParams&, CancelToken, Callback<protocol::ChatSendResult>);

  Result<protocol::MessagePage> listMessages(const protocol::PageParams&);
  void addMessage(const protocol::MessagesAddParams&, Callback<protocol::MessagesAddResult>);
  Result<protocol::InteractionPage> listInteractions(const protocol::PageParams&);
  void addInteraction(const protocol::InteractionsAddParams&, Callback<protocol::InteractionsAddResult>);

  Result<protocol::ComponentsListResult> listComponents(const protocol::SessionIdParams&);
  Result<protocol::ComponentResult> getComponent(const protocol::ComponentsGetParams&);
  void saveComponent(const protocol::ComponentsSaveParams&, Callback<protocol::ComponentResult>);
  void deleteComponent(const protocol::ComponentRefParams&, Callback<protocol::ComponentDeleteResult>);
  Result<protocol::ComponentHistoryResult> componentHistory(const protocol::ComponentRefParams&);
  void restoreComponent(const protocol::ComponentsRestoreParams&, Callback<protocol::ComponentResult>);
  void setCurrentComponent(const protocol::ComponentRefParams&, Callback<protocol::ComponentsSetCurrentResult>);
  /// components/applied: the editor wrote a version to these files (kept on
  /// this machine only); answers with every file of the component.
  void componentApplied(const protocol::ComponentsAppliedParams&, Callback<protocol::ComponentFilesResult>);
  Result<protocol::ComponentFilesResult> componentFiles(const protocol::ComponentRefParams&);
  /// components/render: a version as its own files, or merged into a file's text.
  Result<protocol::ComponentRenderResult> renderComponent(const protocol::ComponentsRenderParams&);

  /// sync/status: the sync thread's latest, with the outbox counted now.
  Result<protocol::SyncStatus> syncStatus();
  /// sync/now: pushes at once; answers once what is pending now is
  /// acknowledged or the attempt failed (at once when sync is off).
  void syncNow(Callback<protocol::SyncStatus>);
  /// sync/login: uses `token` (and `url`, else the configured one) from now
  /// on, and with `remember` writes the credentials file; answers after an
  /// attempt with it (as sync/now). Starts sync if it was off.
  void syncLogin(const protocol::SyncLoginParams&, Callback<protocol::SyncStatus>);
  /// sync/logout: forgets the tokens (and the credentials file, if it holds
  /// this backend); local data and the outbox stay. Answers authRequired.
  void syncLogout(Callback<protocol::SyncStatus>);
  /// sync/rejected: the writes the backend refused, oldest first.
  Result<protocol::SyncRejectedResult> syncRejected(const protocol::SyncRejectedParams&);
  /// sync/retryRejected: queues them again, in write order, and pushes.
  void syncRetryRejected(const protocol::SyncRejectedParams&, Callback<protocol::SyncRetryRejectedResult>);

  /// Replays kept writes now and calls `done` once no write is on its way.
  void flush(std::function<void()> done);
  /// The writes kept after a storage failure, by session.
  std::vector<UnsavedWrites> unsaved() const;
  /// Called on the loop after each write of a session has an outcome, and
  /// for each session sync pulled changes into: the one place every new
  /// component version passes (save, restore, a chat reply, a pull). The
  /// live preview follows sessions through it.
  void setWriteObserver(std::function<void(const std::string& sessionId)> observer) {
    writeObserver_ = std::move(observer);
  }
  /// Sessions with an in-memory entry: those with something streaming, on
  /// its way to storage or kept (for tests).
  std::size_t sessionsInMemory() const { return sessions_.size(); }

 private:
  struct ChatRun;
  /// The in-memory side of a session the client has touched.
  struct OpenSession {
    OpenSession(const std::string& id, Events& events, StorageThread& storage, std::function<void()> changed)
        : tracker(id, events, storage, std::move(changed)) {}
    SaveTracker tracker;
    ChatStore chat;
    ComponentStore components;
    /// chat/send runs whose reply is not queued for saving yet: the one
    /// streaming (one at a time), and ended ones waiting for their prompt's
    /// write.
    std::vector<std::shared_ptr<ChatRun>> replies;
    /// Holds nothing the database lacks: the entry can go.
    bool idle() const { return !tracker.busy() && replies.empty() && chat.empty() && components.empty(); }
  };

  /// components/save and /restore: a new version, kept with its origin.
  void saveVersion(const protocol::ComponentsSaveParams&, const protocol::VersionOrigin&,
                   Callback<protocol::ComponentResult>);
  /// Starts the sync thread with options_.sync.
  void startSync();
  /// Tells the editor about pulled changes to the sessions it has open.
  void pulled(const std::vector<SessionChange>&);
  /// The read connection, or why there is none.
  Result<Store*> reader();
  OpenSession& session(const std::string& sessionId);
  /// After each write's outcome: drops the stores' copies of records once
  /// nothing of the session is pending, schedules retries, wakes flush().
  void changed(const std::string& sessionId);
  /// Drops the session's entry on the next turn of the loop if it is idle
  /// then (not now: the caller may be the entry's own tracker).
  void releaseLater(const std::string& sessionId);
  void release(const std::string& sessionId);
  void scheduleRetry();
  /// Closes both connections and opens them again, the writer in its queue
  /// order: after SQLite found the file read-only, neither writes again until
  /// every connection of the process to it has closed. Reads fail meanwhile.
  void reopenStore();
  /// Runs `work(Store&)` on the storage thread as a write of `sessionId`;
  /// `done` gets its value once durable. `field` names the param a NotFound
  /// or Conflict is about.
  template <class T, class Work>
  void persist(const std::string& sessionId, Work work, Callback<T> done, std::string_view field = {});
  Result<protocol::SessionOpenResult> readOpenSession(const protocol::SessionOpenParams&, const protocol::Session&);
  void finishChat(std::shared_ptr<ChatRun>, std::expected<Completion, ProviderError>);
  /// Ends a reply not yet queued for saving, for `reason`: its provider is
  /// cancelled, and what arrived is saved as interrupted, or dropped when
  /// its session was deleted.
  void stopReply(const std::shared_ptr<ChatRun>&, std::string reason, bool sessionDeleted);
  /// Answers a reply of a deleted session, which is never written.
  void dropReply(const std::shared_ptr<ChatRun>&);
  /// Answers chat/send once the reply's write has an outcome.
  void replied(const std::shared_ptr<ChatRun>&, const ReplyRecords&, Result<ReplyRecords> stored);

  WorkspaceOptions options_;
  std::unique_ptr<Provider> provider_;
  Scheduler& scheduler_;
  Events& events_;
  std::unique_ptr<Store> reader_;
  std::unique_ptr<StorageThread> storage_;
  std::unique_ptr<SyncThread> sync_;
  std::string storeError_;
  std::map<std::string, std::unique_ptr<OpenSession>> sessions_;
  std::set<std::string> viewed_;     ///< sessions the editor has open (session/open, not yet closed)
  std::set<std::string> releasing_;  ///< sessions to drop if idle on the next turn
  bool retryScheduled_ = false;
  bool reopening_ = false;  ///< reopenStore() waits for the writer
  bool closed_ = false;
  std::vector<std::function<void()>> flushWaiters_;
  std::function<void(const std::string&)> writeObserver_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aieditor::server
