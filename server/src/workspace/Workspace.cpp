#include "workspace/Workspace.h"

#include <algorithm>

#include "common/Ids.h"
#include "common/Log.h"
#include "sync/SyncThread.h"
#include "workspace/WorkspaceWrites.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::fail;
namespace p = protocol;

// ---- Workspace -------------------------------------------------------------

Workspace::Workspace(WorkspaceOptions options, std::unique_ptr<Provider> provider, Scheduler& scheduler,
                     Events& events)
    : options_(std::move(options)), provider_(std::move(provider)), scheduler_(scheduler), events_(events) {}

Workspace::~Workspace() {
  if (!closed_) close();
  *alive_ = false;
}

std::vector<UnsavedWrites> Workspace::close() {
  if (closed_ || !storage_) return {};
  closed_ = true;
  // Replies still streaming are saved with what arrived. Their providers are
  // not waited for: what they send later is never read.
  std::vector<std::shared_ptr<ChatRun>> streaming;
  for (auto& [id, open] : sessions_) streaming.insert(streaming.end(), open->replies.begin(), open->replies.end());
  for (auto& run : streaming) stopReply(run, "the server stopped before the reply ended", false);
  // One last attempt for what failed before, then the thread drains the
  // queue and hands back every outcome, here, before the stores go.
  for (auto& [id, open] : sessions_) open->tracker.retry();
  storage_->finish();
  sync_.reset();
  return unsaved();
}

std::vector<UnsavedWrites> Workspace::unsaved() const {
  std::vector<UnsavedWrites> out;
  for (const auto& [id, open] : sessions_)
    if (open->tracker.hasKept())
      out.push_back({id, open->tracker.status().pendingWrites, open->tracker.status().error});
  return out;
}

std::string describeUnsaved(const std::vector<UnsavedWrites>& unsaved) {
  std::int64_t writes = 0;
  std::string sessions;
  for (const auto& u : unsaved) {
    writes += u.writes;
    sessions += (sessions.empty() ? "" : "; ") + ("session " + u.sessionId) + ": " + std::to_string(u.writes) +
                (u.writes == 1 ? " write" : " writes") + (u.error ? " (" + *u.error + ")" : "");
  }
  return std::to_string(writes) + (writes == 1 ? " write" : " writes") + " could not be saved (" + sessions + ")";
}

void Workspace::openStore() {
  // The write connection opens first: it creates and migrates the file.
  auto writer = Store::open(options_.databasePath, options_.busyTimeout);
  auto reader = writer ? Store::open(options_.databasePath, options_.busyTimeout)
                       : StoreResult<std::unique_ptr<Store>>(std::unexpected(writer.error()));
  if (!reader) {
    storeError_ = reader.error().message;
    log::error("cannot open database " + options_.databasePath + ": " + storeError_);
    return;
  }
  reader_ = std::move(*reader);
  storage_ = std::make_unique<StorageThread>(std::move(*writer), scheduler_);
  log::info("database " + options_.databasePath);
  if (options_.sync) startSync();
}

void Workspace::setProvider(std::unique_ptr<Provider> provider) { provider_ = std::move(provider); }

Result<Store*> Workspace::reader() {
  if (reader_) return reader_.get();
  if (reopening_)
    return fail(ErrorCode::StorageFailed, "storage failed: database " + options_.databasePath +
                                              " is being reopened after it was found read-only; try again");
  // A reopen that could not open the reader is tried again here.
  if (storage_) {
    auto reopened = Store::open(options_.databasePath, options_.busyTimeout);
    if (reopened) {
      reader_ = std::move(*reopened);
      return reader_.get();
    }
    storeError_ = reopened.error().message;
  }
  return fail(ErrorCode::StorageFailed,
              "storage failed: cannot open database " + options_.databasePath + ": " + storeError_);
}

void Workspace::reopenStore() {
  if (reopening_ || !storage_) return;
  reopening_ = true;
  log::info("reopening database " + options_.databasePath + ": writes failed on a read-only file");
  reader_.reset();
  auto open = [path = options_.databasePath, busy = options_.busyTimeout] { return Store::open(path, busy); };
  storage_->reopen(open, [this, alive = std::weak_ptr<bool>(alive_)](StoreResult<void> writer) {
    if (alive.expired()) return;
    reopening_ = false;
    if (!writer) log::warn("cannot reopen database " + options_.databasePath + ": " + writer.error().message);
    (void)reader();
  });
}

Workspace::OpenSession& Workspace::session(const std::string& sessionId) {
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end())
    it = sessions_
             .emplace(sessionId, std::make_unique<OpenSession>(sessionId, events_, *storage_,
                                                               [this, sessionId] { changed(sessionId); }))
             .first;
  return *it->second;
}

void Workspace::changed(const std::string& sessionId) {
  if (writeObserver_) writeObserver_(sessionId);
  if (sync_) sync_->written();
  OpenSession& open = session(sessionId);
  if (!open.tracker.busy()) {
    open.chat.allSaved();
    open.components.allSaved();
    releaseLater(sessionId);
  }
  if (open.tracker.hasKept()) scheduleRetry();
  if (flushWaiters_.empty()) return;
  for (const auto& [id, other] : sessions_)
    if (other->tracker.writing()) return;
  for (auto& waiter : std::exchange(flushWaiters_, {})) waiter();
}

void Workspace::releaseLater(const std::string& sessionId) {
  // One post however many sessions go idle in a turn (a group commit's).
  if (!releasing_.insert(sessionId).second || releasing_.size() > 1) return;
  scheduler_.post([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    for (const auto& id : std::exchange(releasing_, {})) release(id);
  });
}

void Workspace::release(const std::string& sessionId) {
  // An idle entry holds nothing session/open would miss: a new one reads
  // the same from the database.
  if (auto it = sessions_.find(sessionId); it != sessions_.end() && it->second->idle()) sessions_.erase(it);
}

void Workspace::scheduleRetry() {
  if (retryScheduled_) return;
  retryScheduled_ = true;
  scheduler_.after(options_.retryInterval, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    retryScheduled_ = false;
    // The retries queue behind the reopen, so they run on the new writer.
    if (std::ranges::any_of(sessions_, [](const auto& entry) { return entry.second->tracker.keptReadOnly(); }))
      reopenStore();
    for (auto& [id, open] : sessions_) open->tracker.retry();
  });
}

void Workspace::flush(std::function<void()> done) {
  bool writing = false;
  for (auto& [id, open] : sessions_) {
    open->tracker.retry();
    writing = writing || open->tracker.writing();
  }
  if (!writing) return done();
  flushWaiters_.push_back(std::move(done));
}

// ---- Sessions --------------------------------------------------------------

void Workspace::openSession(const p::SessionOpenParams& params, Callback<p::SessionOpenResult> done) {
  auto db = reader();
  if (!db) return done(std::unexpected(db.error()));
  // Opening an existing session is a read, so a read-only database still opens.
  auto found = (*db)->findSession(params.sessionId);
  if (!found) return done(storeFailure(found.error()));
  if (*found) return done(readOpenSession(params, **found));
  // A new session is read once its creation is durable.
  persist<p::Session>(
      params.sessionId, [id = params.sessionId, at = now()](Store& s) { return s.ensureSession(id, at); },
      [this, params, done](Result<p::Session> created) {
        if (!created) return done(std::unexpected(created.error()));
        done(readOpenSession(params, *created));
      });
}

Result<p::SessionOpenResult> Workspace::readOpenSession(const p::SessionOpenParams& params, const p::Session& session) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  Store& s = **db;
  OpenSession& open = this->session(params.sessionId);
  open.chat.loading();
  open.components.loading();
  p::SessionOpenResult result;
  result.session = session;
  auto page = s.listMessages(params.sessionId, std::nullopt, params.limit);
  if (!page) {
    open.chat.failed(page.error().message);
    return storeFailure(page.error());
  }
  open.chat.loaded();
  result.messages = open.chat.merge(std::move(page->items));
  result.hasMore = page->hasMore;
  auto components = s.listComponents(params.sessionId);
  auto current = components ? s.currentComponentId(params.sessionId) : std::unexpected(components.error());
  if (!current) {
    open.components.failed(current.error().message);
    return storeFailure(current.error());
  }
  open.components.loaded();
  viewed_.insert(params.sessionId);
  result.components = std::move(*components);
  result.currentComponentId = *current;
  open.tracker.loaded(result.session.updatedAt);
  result.status = open.tracker.status();
  result.chatState = open.chat.state();
  result.componentState = open.components.state();
  releaseLater(params.sessionId);
  return result;
}

Result<p::SessionListResult> Workspace::listSessions(const p::SessionListParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto list = (*db)->listSessions(params.limit, params.cursor);
  if (!list) return storeFailure(list.error(), "cursor");
  return p::SessionListResult{std::move(list->sessions), std::move(list->nextCursor)};
}

Result<p::SearchQueryResult> Workspace::search(const p::SearchQueryParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto page = (*db)->search(SearchRequest{params.query, params.sessionId, params.kinds, params.limit, params.cursor});
  if (!page) return storeFailure(page.error(), "cursor");
  return p::SearchQueryResult{std::move(page->hits), std::move(page->nextCursor)};
}

void Workspace::renameSession(const p::SessionRenameParams& params, Callback<p::SessionRenameResult> done) {
  persist<Session>(
      params.sessionId, [id = params.sessionId, title = params.title](Store& s) { return s.renameSession(id, title); },
      [done](Result<Session> renamed) {
        if (!renamed) return done(std::unexpected(renamed.error()));
        done(p::SessionRenameResult{std::move(*renamed)});
      },
      "sessionId");
}

void Workspace::deleteSession(const p::SessionIdParams& params, Callback<p::SessionDeleteResult> done) {
  // Its replies end now, and nothing of them is written after the delete.
  if (auto it = sessions_.find(params.sessionId); it != sessions_.end())
    for (const auto& run : std::vector(it->second->replies))
      stopReply(run, "session " + params.sessionId + " was deleted", true);
  // A replay (its first attempt failed as a whole) finding nothing to delete
  // finds its own earlier work: that is success, not "no session".
  auto attempts = std::make_shared<int>(0);
  persist<void>(
      params.sessionId,
      [id = params.sessionId, attempts](Store& s) -> StoreResult<void> {
        const bool replay = ++*attempts > 1;
        auto deleted = s.deleteSession(id);
        if (!deleted && replay && deleted.error().kind == StoreError::Kind::NotFound) return {};
        return deleted;
      },
      [this, id = params.sessionId, done](Result<void> deleted) {
        if (!deleted) return done(std::unexpected(deleted.error()));
        viewed_.erase(id);
        if (auto it = sessions_.find(id); it != sessions_.end()) {
          it->second->chat.reset();
          it->second->components.reset();
        }
        releaseLater(id);
        p::SessionDeleteResult result;
        result.sessionId = id;
        done(std::move(result));
      },
      "sessionId");
}

Result<p::SessionCloseResult> Workspace::closeSession(const p::SessionIdParams& params) {
  viewed_.erase(params.sessionId);
  if (auto it = sessions_.find(params.sessionId); it != sessions_.end()) {
    // What the database may lack still shows at the next session/open.
    it->second->chat.closeView();
    it->second->components.closeView();
    // Writes still on their way or kept, or a reply, keep the entry.
    release(params.sessionId);
  }
  p::SessionCloseResult result;
  result.sessionId = params.sessionId;
  return result;
}

Result<p::SessionExportResult> Workspace::exportSession(const p::SessionIdParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto document = (*db)->exportSession(params.sessionId);
  if (!document) return storeFailure(document.error(), "sessionId");
  p::SessionExportResult result;
  result.document = std::move(*document);
  return result;
}

void Workspace::importSession(const p::SessionImportParams& params, Callback<p::SessionImportResult> done) {
  // The target is settled on the first attempt and kept, so a replay of an
  // import that did land finds it and succeeds instead of importing twice.
  struct Import {
    p::SessionDocument document;
    std::optional<std::string> asked;
    std::string target;
    int attempts = 0;
  };
  auto state = std::make_shared<Import>(Import{params.document, params.sessionId, {}, 0});
  auto work = [state](Store& s) -> StoreResult<std::string> {
    Import& in = *state;
    const bool replay = in.attempts++ > 0;
    if (in.target.empty()) in.target = in.asked.value_or(in.document.session.id);
    auto existing = s.findSession(in.target);
    if (!existing) return std::unexpected(existing.error());
    if (*existing && replay) return in.target;
    if (*existing) {
      if (in.asked)
        return std::unexpected(StoreError{StoreError::Kind::Invalid,
                                          "params.sessionId: session " + in.target + " already exists"});
      // No id asked for: keep the document's id unless taken, then pick a new one.
      in.target = in.document.session.id + "-" + newId().substr(24);
    }
    p::SessionDocument document = in.document;
    document.session.id = in.target;
    for (auto& m : document.messages) m.sessionId = in.target;
    for (auto& i : document.interactions) i.sessionId = in.target;
    for (auto& c : document.componentVersions) c.sessionId = in.target;
    if (auto imported = s.importSession(document); !imported) return std::unexpected(imported.error());
    return in.target;
  };
  // Writes are ordered per session; an import's session is not known until
  // it runs, so it is ordered with the document's own id.
  persist<std::string>(params.sessionId.value_or(params.document.session.id), std::move(work),
                       [done](Result<std::string> id) {
                         if (!id) return done(std::unexpected(id.error()));
                         p::SessionImportResult result;
                         result.sessionId = std::move(*id);
                         done(std::move(result));
                       });
}

// ---- Messages and interactions --------------------------------------------

Result<p::MessagePage> Workspace::listMessages(const p::PageParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto page = (*db)->listMessages(params.sessionId, params.before, params.limit);
  if (!page) return storeFailure(page.error(), "before");
  return p::MessagePage{std::move(page->items), page->hasMore};
}

void Workspace::addMessage(const p::MessagesAddParams& params, Callback<p::MessagesAddResult> done) {
  Message message = params.message;
  message.sessionId = params.sessionId;
  if (message.id.empty()) message.id = newId();
  if (message.createdAt == 0) message.createdAt = now();
  if (storage_) session(params.sessionId).chat.keepUnsaved(message);
  persist<Message>(
      params.sessionId, [message](Store& s) { return s.addMessage(message); },
      [this, sessionId = params.sessionId, done](Result<Message> stored) {
        if (!stored) {
          if (stored.error().code == ErrorCode::StorageFailed) session(sessionId).chat.failed(stored.error().message);
          return done(std::unexpected(stored.error()));
        }
        p::MessagesAddResult result;
        result.message = std::move(*stored);
        done(std::move(result));
      });
}

void Workspace::addInteraction(const p::InteractionsAddParams& params, Callback<p::InteractionsAddResult> done) {
  Interaction interaction = params.interaction;
  interaction.sessionId = params.sessionId;
  if (interaction.id.empty()) interaction.id = newId();
  if (interaction.createdAt == 0) interaction.createdAt = now();
  persist<Interaction>(
      params.sessionId, [interaction](Store& s) { return s.addInteraction(interaction); },
      [done](Result<Interaction> stored) {
        if (!stored) return done(std::unexpected(stored.error()));
        p::InteractionsAddResult result;
        result.interaction = std::move(*stored);
        done(std::move(result));
      });
}

Result<p::InteractionPage> Workspace::listInteractions(const p::PageParams& params) {
  auto db = reader();
  if (!db) return std::unexpected(db.error());
  auto page = (*db)->listInteractions(params.sessionId, params.before, params.limit);
  if (!page) return storeFailure(page.error(), "before");
  return p::InteractionPage{std::move(page->items), page->hasMore};
}

}  // namespace aieditor::server
