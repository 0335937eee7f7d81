#include "workspace/Workspace.h"

#include <chrono>

#include "workspace/ComponentExtraction.h"
#include "common/Ids.h"
#include "common/Log.h"
#include "workspace/WorkspaceWrites.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::fail;
using protocol::RpcError;

namespace {

constexpr auto kRetryInterval = std::chrono::milliseconds(2000);

}  // namespace

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
  // A write blocked on another process's lock still shows as "saving".
  store_->onWait([this] { events_.waiting(); });
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

template <class T, class Op>
void Workspace::persistGrouped(const std::string& sessionId, Op op, std::function<void(Result<T>)> done,
                               std::function<void(const RpcError&)> onLost) {
  OpenSession& open = session(sessionId);
  auto alone = [&] {
    auto result = persist(sessionId, std::move(op));
    if (!result && result.error().code == ErrorCode::StorageFailed) onLost(result.error());
    done(std::move(result));
  };
  // Pending writes must go first, one by one: those paths do not group.
  if (!store_ || open.tracker.hasPending()) return alone();
  auto out = std::make_shared<std::optional<T>>();
  SaveTracker::Write write = [out, op = std::move(op), s = store_.get()]() -> StoreResult<void> {
    auto r = op(*s);
    if (!r) return std::unexpected(r.error());
    *out = std::move(*r);
    return {};
  };
  // A write the group could not take is kept and retried alone later.
  auto keep = [&](const std::string& why) {
    open.tracker.requeue(write, why);
    scheduleRetry();
    RpcError error{ErrorCode::StorageFailed, "storage failed: " + why + " (the write is kept in memory and retried)"};
    onLost(error);
    done(std::unexpected(error));
  };
  if (!groupOpen_) {
    // Beginning may wait for another process's lock: the client hears
    // "saving" first, and a failed wait is not repeated by a write alone.
    open.tracker.saving();
    if (auto begun = store_->beginGroup(); !begun) return keep(begun.error().message);
    groupOpen_ = true;
    // The group closes once the loop has handled what input is at hand.
    scheduler_.post([this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) flushGroup();
    });
  }
  if (auto ran = open.tracker.runInGroup(write); !ran) {
    if (ran.error().kind != StoreError::Kind::Storage) return done(storeFailure(ran.error()));
    return keep(ran.error().message);  // the savepoint itself failed
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

}  // namespace aieditor::server
