#include "aieditor/server/Workspace.h"

#include <chrono>

#include "aieditor/server/ComponentExtraction.h"
#include "aieditor/server/Ids.h"
#include "aieditor/server/Log.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::fail;
using protocol::RecordStatus;
using protocol::RpcError;
using protocol::SaveState;

namespace {

constexpr auto kRetryInterval = std::chrono::milliseconds(2000);

/// A store failure as the client sees it. `field` names the param a NotFound
/// or Conflict is about, so the message says which input was wrong.
std::unexpected<RpcError> storeFailure(const StoreError& e, std::string_view field = {}) {
  switch (e.kind) {
    case StoreError::Kind::Storage:
      return fail(ErrorCode::StorageFailed, "storage failed: " + e.message);
    case StoreError::Kind::NotFound:
    case StoreError::Kind::Conflict:
    case StoreError::Kind::Invalid:
      return fail(ErrorCode::InvalidParams,
                  field.empty() ? e.message : "params." + std::string(field) + ": " + e.message);
  }
  return fail(ErrorCode::InternalError, e.message);
}

std::string systemPrompt() {
  return "You are a React component generator inside a code editor. Answer every request with "
         "exactly one React function component in one ```jsx code block (a default-exported "
         "function component using className attributes), followed by its styles in one ```css "
         "code block. Keep prose before the code to one or two sentences. When the user refers to "
         "the current component, return the whole updated component, keeping its name.";
}

}  // namespace

// ---- SaveTracker -----------------------------------------------------------

SaveTracker::SaveTracker(std::string sessionId, Events& events) : events_(events) {
  status_.sessionId = std::move(sessionId);
}

void SaveTracker::set(SaveState state, std::optional<std::string> error) {
  const auto pending = static_cast<std::int64_t>(pending_.size());
  // Saving while already saving is no change: the client hears changes only.
  if (state == SaveState::Saving && status_.state == state && status_.error == error &&
      status_.pendingWrites == pending)
    return;
  status_.state = state;
  status_.error = std::move(error);
  status_.pendingWrites = pending;
  if (state == SaveState::Saved) status_.lastSavedAt = now();
  events_.status(status_);
}

StoreResult<void> SaveTracker::runInGroup(const Write& write) {
  set(SaveState::Saving, std::nullopt);
  auto done = write();
  if (!done && done.error().kind != StoreError::Kind::Storage && status_.state == SaveState::Saving)
    set(status_.lastSavedAt ? SaveState::Saved : SaveState::NotSaved, std::nullopt);
  return done;
}

void SaveTracker::committed() {
  if (status_.state == SaveState::Saving) set(SaveState::Saved, std::nullopt);
}

void SaveTracker::requeue(Write write, const std::string& error) {
  pending_.push_back(std::move(write));
  set(SaveState::Failed, error);
}

void SaveTracker::loaded(Timestamp lastUpdate) {
  if (status_.state != SaveState::NotSaved || !pending_.empty()) return;
  status_.state = SaveState::Saved;
  status_.lastSavedAt = lastUpdate;
  events_.status(status_);
}

bool SaveTracker::retry() {
  if (pending_.empty()) return true;
  set(SaveState::Saving, std::nullopt);
  while (!pending_.empty()) {
    if (auto done = pending_.front()(); !done) {
      set(SaveState::Failed, done.error().message);
      return false;
    }
    pending_.pop_front();
  }
  set(SaveState::Saved, std::nullopt);
  return true;
}

StoreResult<void> SaveTracker::run(Write write) {
  set(SaveState::Saving, std::nullopt);
  // Older writes go first so the database keeps the order the user saw.
  while (!pending_.empty()) {
    if (auto done = pending_.front()(); !done) break;
    pending_.pop_front();
  }
  if (pending_.empty()) {
    auto done = write();
    if (done) {
      set(SaveState::Saved, std::nullopt);
      return done;
    }
    // A write that can never succeed (bad input) is not worth keeping.
    if (done.error().kind != StoreError::Kind::Storage) {
      set(status_.lastSavedAt ? SaveState::Saved : SaveState::NotSaved, std::nullopt);
      return done;
    }
    pending_.push_back(std::move(write));
    set(SaveState::Failed, done.error().message);
    return done;
  }
  auto error = pending_.front()();
  pending_.push_back(std::move(write));
  std::string message = error ? std::string("an earlier write is still pending") : error.error().message;
  set(SaveState::Failed, message);
  return std::unexpected(StoreError{StoreError::Kind::Storage, message});
}

// ---- Workspace -------------------------------------------------------------

Workspace::Workspace(WorkspaceOptions options, std::unique_ptr<Provider> provider, Scheduler& scheduler,
                     Events& events)
    : options_(std::move(options)), provider_(std::move(provider)), scheduler_(scheduler), events_(events) {}

Workspace::~Workspace() {
  *alive_ = false;
  if (!flushPending()) log::error("some writes could not be stored before exit; see the errors above");
}

void Workspace::openStore() {
  auto opened = Store::open(options_.databasePath);
  if (!opened) {
    storeError_ = opened.error().message;
    log::error("cannot open database " + options_.databasePath + ": " + storeError_);
    return;
  }
  store_ = std::move(*opened);
  log::info("database " + options_.databasePath);
}

void Workspace::setProvider(std::unique_ptr<Provider> provider) { provider_ = std::move(provider); }

Result<Store*> Workspace::store() {
  // Anything else that touches the database first makes the open group
  // durable, so replies keep the order of the requests' effects.
  flushGroup();
  if (store_) return store_.get();
  return fail(ErrorCode::StorageFailed,
              "storage failed: cannot open database " + options_.databasePath + ": " + storeError_);
}

Workspace::OpenSession& Workspace::session(const std::string& sessionId) {
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end())
    it = sessions_.emplace(sessionId, OpenSession{SaveTracker(sessionId, events_), {}, {}}).first;
  return it->second;
}

void Workspace::settled(OpenSession& open) {
  if (open.tracker.status().pendingWrites > 0) return;
  open.chat.allSaved();
  open.components.allSaved();
}

Result<void> Workspace::write(const std::string& sessionId, SaveTracker::Write write, std::string_view field) {
  OpenSession& open = session(sessionId);
  auto done = open.tracker.run(std::move(write));
  settled(open);
  if (done) return {};
  if (done.error().kind != StoreError::Kind::Storage) return storeFailure(done.error(), field);
  scheduleRetry();
  return fail(ErrorCode::StorageFailed, "storage failed: " + done.error().message +
                                            " (the write is kept in memory and retried)");
}

template <class Op>
auto Workspace::persist(const std::string& sessionId, Op op, std::string_view field)
    -> Result<typename std::invoke_result_t<Op, Store&>::value_type> {
  using T = typename std::invoke_result_t<Op, Store&>::value_type;
  auto db = store();
  if (!db) return std::unexpected(db.error());
  // The write may be queued and retried later, so it owns everything it uses.
  using Slot = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;
  auto out = std::make_shared<Slot>();
  auto done = write(
      sessionId,
      [out, op = std::move(op), s = *db]() -> StoreResult<void> {
        auto r = op(*s);
        if (!r) return std::unexpected(r.error());
        if constexpr (!std::is_void_v<T>) *out = std::move(*r);
        return {};
      },
      field);
  if (!done) return std::unexpected(done.error());
  if constexpr (std::is_void_v<T>) return {};
  else return std::move(**out);
}

template <class T, class Op>
void Workspace::persistGrouped(const std::string& sessionId, Op op, std::function<void(Result<T>)> done,
                               std::function<void(const RpcError&)> onLost) {
  OpenSession& open = session(sessionId);
  // Pending writes must go first, one by one: those paths do not group.
  if (!store_ || open.tracker.hasPending()) return done(persist(sessionId, std::move(op)));
  if (!groupOpen_) {
    if (!store_->beginGroup()) return done(persist(sessionId, std::move(op)));
    groupOpen_ = true;
    // The group closes once the loop has handled what input is at hand.
    scheduler_.post([this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) flushGroup();
    });
  }
  auto out = std::make_shared<std::optional<T>>();
  SaveTracker::Write write = [out, op = std::move(op), s = store_.get()]() -> StoreResult<void> {
    auto r = op(*s);
    if (!r) return std::unexpected(r.error());
    *out = std::move(*r);
    return {};
  };
  if (auto ran = open.tracker.runInGroup(write); !ran) {
    if (ran.error().kind != StoreError::Kind::Storage) return done(storeFailure(ran.error()));
    // The savepoint itself failed: keep the write and retry it alone later.
    open.tracker.requeue(write, ran.error().message);
    scheduleRetry();
    RpcError error{ErrorCode::StorageFailed,
                   "storage failed: " + ran.error().message + " (the write is kept in memory and retried)"};
    onLost(error);
    return done(std::unexpected(error));
  }
  group_.push_back({sessionId, std::move(write), [out, done = std::move(done), onLost](const RpcError* error) {
                      if (!error) return done(std::move(**out));
                      onLost(*error);
                      done(std::unexpected(*error));
                    }});
}

void Workspace::flushGroup() {
  if (!groupOpen_) return;
  groupOpen_ = false;
  std::vector<GroupedWrite> writes;
  writes.swap(group_);
  auto committed = store_->endGroup();
  std::optional<RpcError> error;
  if (!committed) {
    error = RpcError{ErrorCode::StorageFailed, "storage failed: " + committed.error().message +
                                                   " (the write is kept in memory and retried)"};
    for (auto& w : writes) session(w.sessionId).tracker.requeue(w.write, committed.error().message);
    scheduleRetry();
  }
  for (auto& w : writes) {
    OpenSession& open = session(w.sessionId);
    if (committed) open.tracker.committed();
    settled(open);
  }
  for (auto& w : writes) w.ack(error ? &*error : nullptr);
}

void Workspace::scheduleRetry() {
  if (retryScheduled_) return;
  retryScheduled_ = true;
  scheduler_.after(kRetryInterval, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    retryScheduled_ = false;
    if (!flushPending()) scheduleRetry();
  });
}

bool Workspace::flushPending() {
  flushGroup();
  bool allSaved = true;
  for (auto& [id, open] : sessions_) {
    allSaved = open.tracker.retry() && allSaved;
    settled(open);
  }
  return allSaved;
}

// ---- Sessions --------------------------------------------------------------

Result<protocol::SessionOpenResult> Workspace::openSession(const protocol::SessionOpenParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  Store& s = **db;
  // Opening an existing session is a read, so a read-only database still opens.
  auto found = s.findSession(params.sessionId);
  if (!found) return storeFailure(found.error());
  auto session = *found ? Result<Session>(**found) : persist(params.sessionId, [id = params.sessionId, at = now()](Store& st) {
    return st.ensureSession(id, at);
  });
  if (!session) return std::unexpected(session.error());

  OpenSession& open = this->session(params.sessionId);
  open.chat.loading();
  open.components.loading();
  protocol::SessionOpenResult result;
  result.session = *session;
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
  result.components = std::move(*components);
  result.currentComponentId = *current;
  open.tracker.loaded(result.session.updatedAt);
  result.status = open.tracker.status();
  result.chatState = open.chat.state();
  result.componentState = open.components.state();
  return result;
}

Result<protocol::SessionListResult> Workspace::listSessions(const protocol::SessionListParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  auto list = (*db)->listSessions(params.limit, params.cursor);
  if (!list) return storeFailure(list.error(), "cursor");
  return protocol::SessionListResult{std::move(list->sessions), std::move(list->nextCursor)};
}

Result<void> Workspace::deleteSession(const std::string& sessionId) {
  auto done = persist(sessionId, [sessionId](Store& s) { return s.deleteSession(sessionId); }, "sessionId");
  if (!done) return done;
  sessions_.erase(sessionId);
  return {};
}

void Workspace::closeSession(const std::string& sessionId) {
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end()) return;
  it->second.chat.reset();
  it->second.components.reset();
  // Writes still waiting for storage keep their session entry, so they retry.
  if (it->second.tracker.status().pendingWrites == 0) sessions_.erase(it);
}

Result<protocol::SessionDocument> Workspace::exportSession(const std::string& sessionId) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  auto document = (*db)->exportSession(sessionId);
  if (!document) return storeFailure(document.error(), "sessionId");
  return std::move(*document);
}

Result<std::string> Workspace::importSession(const protocol::SessionImportParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  SessionDocument document = params.document;
  const std::string target = params.sessionId.value_or(document.session.id);
  auto existing = (*db)->findSession(target);
  if (!existing) return storeFailure(existing.error());
  if (*existing) {
    if (params.sessionId) return fail(ErrorCode::InvalidParams, "params.sessionId: session " + target + " already exists");
    // No id asked for: keep the document's id unless taken, then pick a new one.
    std::string fresh = document.session.id + "-" + newId().substr(24);
    return importSession({std::move(document), std::move(fresh)});
  }
  document.session.id = target;
  for (auto& m : document.messages) m.sessionId = target;
  for (auto& i : document.interactions) i.sessionId = target;
  for (auto& c : document.componentVersions) c.sessionId = target;
  auto done = persist(target, [document](Store& s) { return s.importSession(document); });
  if (!done) return std::unexpected(done.error());
  return target;
}

// ---- Messages and interactions --------------------------------------------

Result<protocol::MessagePage> Workspace::listMessages(const protocol::PageParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  auto page = (*db)->listMessages(params.sessionId, params.before, params.limit);
  if (!page) return storeFailure(page.error(), "before");
  return protocol::MessagePage{std::move(page->items), page->hasMore};
}

Result<protocol::Message> Workspace::addMessage(const protocol::MessagesAddParams& params) {
  Message message = params.message;
  message.sessionId = params.sessionId;
  if (message.id.empty()) message.id = newId();
  if (message.createdAt == 0) message.createdAt = now();
  auto stored = persist(params.sessionId, [message](Store& s) { return s.addMessage(message); });
  if (!stored && stored.error().code == ErrorCode::StorageFailed) {
    session(params.sessionId).chat.keepUnsaved(message);
    session(params.sessionId).chat.failed(stored.error().message);
  }
  return stored;
}

void Workspace::addMessage(const protocol::MessagesAddParams& params,
                           std::function<void(Result<protocol::Message>)> done) {
  Message message = params.message;
  message.sessionId = params.sessionId;
  if (message.id.empty()) message.id = newId();
  if (message.createdAt == 0) message.createdAt = now();
  persistGrouped<Message>(
      params.sessionId, [message](Store& s) { return s.addMessage(message); }, std::move(done),
      [this, message](const RpcError& error) {
        session(message.sessionId).chat.keepUnsaved(message);
        session(message.sessionId).chat.failed(error.message);
      });
}

void Workspace::addInteraction(const protocol::InteractionsAddParams& params,
                               std::function<void(Result<protocol::Interaction>)> done) {
  Interaction interaction = params.interaction;
  interaction.sessionId = params.sessionId;
  if (interaction.id.empty()) interaction.id = newId();
  if (interaction.createdAt == 0) interaction.createdAt = now();
  persistGrouped<Interaction>(
      params.sessionId, [interaction](Store& s) { return s.addInteraction(interaction); }, std::move(done),
      [](const RpcError&) {});
}

Result<protocol::InteractionPage> Workspace::listInteractions(const protocol::PageParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  auto page = (*db)->listInteractions(params.sessionId, params.before, params.limit);
  if (!page) return storeFailure(page.error(), "before");
  return protocol::InteractionPage{std::move(page->items), page->hasMore};
}

Result<protocol::Interaction> Workspace::addInteraction(const protocol::InteractionsAddParams& params) {
  Interaction interaction = params.interaction;
  interaction.sessionId = params.sessionId;
  if (interaction.id.empty()) interaction.id = newId();
  if (interaction.createdAt == 0) interaction.createdAt = now();
  return persist(params.sessionId, [interaction](Store& s) { return s.addInteraction(interaction); });
}

// ---- Components ------------------------------------------------------------

Result<std::vector<protocol::Component>> Workspace::listComponents(const std::string& sessionId) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  auto list = (*db)->listComponents(sessionId);
  if (!list) return storeFailure(list.error());
  return std::move(*list);
}

Result<protocol::Component> Workspace::getComponent(const protocol::ComponentsGetParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  std::string componentId;
  if (params.componentId) {
    componentId = *params.componentId;
  } else {
    auto current = (*db)->currentComponentId(params.sessionId);
    if (!current) return storeFailure(current.error());
    if (!*current)
      return fail(ErrorCode::InvalidParams,
                  "params.componentId: session " + params.sessionId + " has no current component yet");
    componentId = **current;
  }
  auto found = (*db)->getComponent(params.sessionId, componentId, params.version);
  if (!found) return storeFailure(found.error());
  if (!*found) {
    if (params.version)
      return fail(ErrorCode::InvalidParams, "params.version: component " + componentId + " has no version " +
                                                std::to_string(*params.version));
    return fail(ErrorCode::InvalidParams,
                "params.componentId: no component " + componentId + " in session " + params.sessionId);
  }
  return std::move(**found);
}

Result<protocol::Component> Workspace::saveComponent(const protocol::ComponentsSaveParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  Component component;
  component.sessionId = params.sessionId;
  component.jsx = params.jsx;
  component.css = params.css;
  component.metadata = params.metadata.value_or("{}");
  component.updatedAt = now();
  if (params.id) {
    component.id = *params.id;
    auto existing = (*db)->getComponent(params.sessionId, *params.id, std::nullopt);
    if (!existing) return storeFailure(existing.error());
    if (*existing) {
      component.name = params.name.value_or((*existing)->name);
      if (!params.metadata) component.metadata = (*existing)->metadata;
    }
  } else {
    component.id = newId();
  }
  if (component.name.empty()) {
    auto extracted = extractComponent("```jsx\n" + params.jsx + "\n```");
    component.name = params.name.value_or(extracted ? extracted->name : "Component");
  }
  auto stored = persist(params.sessionId, [component](Store& s) { return s.saveComponent(component); });
  if (!stored && stored.error().code == ErrorCode::StorageFailed) {
    session(params.sessionId).components.keepUnsaved(component);
    session(params.sessionId).components.failed(stored.error().message);
  }
  return stored;
}

Result<void> Workspace::deleteComponent(const protocol::ComponentRefParams& params) {
  return persist(
      params.sessionId,
      [sessionId = params.sessionId, id = params.componentId](Store& s) { return s.deleteComponent(sessionId, id); },
      "componentId");
}

Result<std::vector<protocol::Component>> Workspace::componentHistory(const protocol::ComponentRefParams& params) {
  auto db = store();
  if (!db) return std::unexpected(db.error());
  auto history = (*db)->componentHistory(params.sessionId, params.componentId);
  if (!history) return storeFailure(history.error(), "componentId");
  return std::move(*history);
}

Result<protocol::Component> Workspace::restoreComponent(const protocol::ComponentRefParams& params) {
  auto old = getComponent({params.sessionId, params.componentId, params.version});
  if (!old) return old;
  protocol::ComponentsSaveParams save;
  save.sessionId = params.sessionId;
  save.id = old->id;
  save.name = old->name;
  save.jsx = old->jsx;
  save.css = old->css;
  save.metadata = old->metadata;
  // Rollback adds a version with the old content; history is never rewritten.
  return saveComponent(save);
}

Result<std::string> Workspace::setCurrentComponent(const protocol::ComponentRefParams& params) {
  auto done = persist(
      params.sessionId,
      [sessionId = params.sessionId, id = params.componentId](Store& s) {
        return s.setCurrentComponent(sessionId, id);
      },
      "componentId");
  if (!done) return std::unexpected(done.error());
  return params.componentId;
}

// ---- Chat ------------------------------------------------------------------

/// One chat/send in flight.
struct Workspace::ChatRun {
  protocol::ChatSendParams params;
  CancelToken token;
  ChatDone done;
  Message userMessage;
  std::string assistantId;
  std::string reply;
  std::optional<Component> iterating;  ///< the component the prompt changes
  Timestamp startedAt = 0;
  std::chrono::steady_clock::time_point started;
};

void Workspace::chatSend(const protocol::ChatSendParams& params, CancelToken token, ChatDone done) {
  auto db = store();
  if (!db) return done(std::unexpected(db.error()));
  Store& s = **db;

  auto run = std::make_shared<ChatRun>();
  run->params = params;
  run->token = token;
  run->done = std::move(done);
  run->started = std::chrono::steady_clock::now();
  run->startedAt = now();

  // 1. The prompt is saved before anything else can go wrong.
  run->userMessage.id = newId();
  run->userMessage.sessionId = params.sessionId;
  run->userMessage.role = protocol::Role::User;
  run->userMessage.content = params.text;
  run->userMessage.images = params.images;
  run->userMessage.createdAt = run->startedAt;
  auto saved = persist(params.sessionId, [message = run->userMessage](Store& st) { return st.addMessage(message); });
  OpenSession& open = session(params.sessionId);
  if (!saved) {
    if (saved.error().code == ErrorCode::StorageFailed) {
      open.chat.keepUnsaved(run->userMessage);
      open.chat.failed(saved.error().message);
    }
    return run->done(std::unexpected(saved.error()));
  }

  // Which component does this prompt change, if any?
  std::optional<std::string> target = params.componentId;
  if (!target && !params.newComponent && looksLikeIteration(params.text)) {
    auto current = s.currentComponentId(params.sessionId);
    if (current && *current) target = **current;
  }
  if (target) {
    auto found = s.getComponent(params.sessionId, *target, std::nullopt);
    if (found && *found) run->iterating = **found;
    else if (params.componentId)
      return run->done(fail(ErrorCode::InvalidParams, "params.componentId: no component " + *target +
                                                          " in session " + params.sessionId));
  }

  ProviderRequest request;
  request.model = provider_->model();
  request.systemPrompt = systemPrompt();
  request.prompt = params.text;
  request.images = params.images;
  request.current = run->iterating;
  // The conversation so far, newest first within the budget, sent oldest first.
  if (auto page = s.listMessages(params.sessionId, run->userMessage.id, 50)) {
    std::size_t used = 0;
    for (auto it = page->items.rbegin(); it != page->items.rend(); ++it) {
      if (it->role == protocol::Role::System || it->content.empty()) continue;
      used += it->content.size();
      if (used > options_.historyBudgetChars) break;
      request.history.insert(request.history.begin(), ProviderTurn{it->role, it->content});
    }
  }

  // 2. The reply streams as deltas.
  run->assistantId = newId();
  Message reply;
  reply.id = run->assistantId;
  reply.sessionId = params.sessionId;
  reply.role = protocol::Role::Assistant;
  reply.createdAt = now();
  open.chat.beginReply(std::move(reply));
  std::weak_ptr<bool> alive = alive_;
  provider_->stream(
      request, token,
      StreamHandlers{
          .onDelta =
              [this, run, alive](std::string delta) {
                if (alive.expired() || run->token.cancelled()) return;
                run->reply += delta;
                session(run->params.sessionId).chat.delta(delta);
                events_.delta({run->params.sessionId, run->assistantId, std::move(delta)});
              },
          .onDone =
              [this, run, alive](std::expected<Completion, ProviderError> outcome) {
                if (alive.expired()) return;
                finishChat(run, std::move(outcome));
              },
      });
}

void Workspace::finishChat(std::shared_ptr<ChatRun> run, std::expected<Completion, ProviderError> outcome) {
  const bool cancelled = run->token.cancelled() ||
                         (!outcome && outcome.error().kind == ProviderError::Kind::Cancelled);
  // A failure after part of the reply arrived (a dropped stream) interrupts it.
  RecordStatus status = outcome && !cancelled             ? RecordStatus::Complete
                        : cancelled || !run->reply.empty() ? RecordStatus::Interrupted
                                                            : RecordStatus::Failed;
  std::optional<std::string> error;
  if (cancelled) error = "cancelled by the client";
  else if (!outcome) error = outcome.error().message;

  // 3. The reply and its interaction, saved together with (4.) its component.
  ReplyRecords records;
  Interaction& interaction = records.interaction;
  interaction.id = newId();
  interaction.sessionId = run->params.sessionId;
  interaction.prompt = run->params.text;
  interaction.response = run->reply;
  interaction.provider = provider_->name();
  interaction.model = outcome && !outcome->model.empty() ? outcome->model : provider_->model();
  interaction.status = status;
  interaction.createdAt = run->startedAt;
  interaction.durationMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - run->started)
                               .count();
  if (outcome) interaction.usage = outcome->usage;
  interaction.error = error;
  interaction.metadata = "{\"userMessageId\":\"" + run->userMessage.id + "\",\"assistantMessageId\":\"" +
                         run->assistantId + "\"}";

  Message& assistant = records.assistantMessage;
  assistant.id = run->assistantId;
  assistant.sessionId = run->params.sessionId;
  assistant.role = protocol::Role::Assistant;
  assistant.content = run->reply;
  assistant.createdAt = now();
  assistant.status = status;
  assistant.interactionId = interaction.id;

  // Only a whole reply becomes a component: half a function does not compile.
  if (status == RecordStatus::Complete) {
    if (auto extracted = extractComponent(run->reply)) {
      Component component;
      component.sessionId = run->params.sessionId;
      component.name = extracted->name;
      component.jsx = extracted->jsx;
      component.css = extracted->css;
      component.updatedAt = assistant.createdAt;
      component.metadata = "{\"source\":\"chat\",\"interactionId\":\"" + interaction.id + "\"}";
      if (!run->iterating && !run->params.newComponent) {
        // A reply that rewrites the current component by name is a new version of it.
        auto db = store();
        if (db) {
          auto current = (*db)->currentComponentId(run->params.sessionId);
          if (current && *current) {
            auto found = (*db)->getComponent(run->params.sessionId, **current, std::nullopt);
            if (found && *found && (*found)->name == component.name) run->iterating = **found;
          }
        }
      }
      component.id = run->iterating ? run->iterating->id : newId();
      assistant.componentId = component.id;
      records.component = component;
    }
  }

  auto stored = persist(run->params.sessionId, [records](Store& s) { return s.saveReply(records); });
  OpenSession& open = session(run->params.sessionId);
  open.chat.endReply();
  if (!stored && stored.error().code == ErrorCode::StorageFailed) {
    open.chat.keepUnsaved(assistant);
    open.chat.failed(stored.error().message);
    if (records.component) open.components.keepUnsaved(*records.component);
  } else if (error && !cancelled) {
    open.chat.failed(*error);
  }

  // 5. The status was updated by the write; now the one reply.
  if (cancelled)
    return run->done(fail(ErrorCode::RequestCancelled,
                          "request cancelled; the partial reply was saved as interrupted (message " +
                              assistant.id + ")"));
  if (!outcome)
    return run->done(fail(ErrorCode::ProviderFailed,
                          outcome.error().message + " (the reply was saved as " +
                              std::string(protocol::toString(status)) + ", message " + assistant.id + ")"));
  if (!stored) return run->done(std::unexpected(stored.error()));
  protocol::ChatSendResult result;
  result.userMessage = run->userMessage;
  result.assistantMessage = stored->assistantMessage;
  result.interaction = stored->interaction;
  result.component = stored->component;
  run->done(std::move(result));
}

}  // namespace aieditor::server
