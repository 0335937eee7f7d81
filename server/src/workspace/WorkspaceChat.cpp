// chat/send: the prompt saved, the reply streamed, then saved with its component.
#include <chrono>
#include <functional>
#include <utility>

#include <nlohmann/json.hpp>

#include "workspace/WorkspaceWrites.h"
#include "workspace/ComponentExtraction.h"
#include "common/Ids.h"

namespace aieditor::server {

using protocol::ErrorCode;
using protocol::fail;
using protocol::RecordStatus;

namespace {

std::string systemPrompt() {
  return "You are a React component generator inside a code editor. Answer every request with "
         "exactly one React function component in one ```jsx code block (a default-exported "
         "function component using className attributes), followed by its styles in one ```css "
         "code block. Keep prose before the code to one or two sentences. When the user refers to "
         "the current component, return the whole updated component, keeping its name.";
}

}  // namespace

// ---- Chat ------------------------------------------------------------------

/// One chat/send in flight.
struct Workspace::ChatRun {
  protocol::ChatSendParams params;
  CancelToken token;
  Callback<protocol::ChatSendResult> done;
  Message userMessage;
  std::string assistantId;
  std::string reply;
  std::optional<Component> iterating;  ///< the component the prompt changes
  // How the reply ended, kept for the answer sent after its write.
  bool cancelled = false;
  RecordStatus status = RecordStatus::Complete;
  std::optional<std::string> error;            ///< saved with the interaction
  std::optional<std::string> providerFailure;  ///< the provider's error
  // The reply's write is queued once the prompt's has an outcome, so the
  // status reads saving → saved for each, as the editor expects.
  bool promptSettled = false;
  std::function<void()> saveReply;  ///< waiting for the prompt's outcome
  bool streamEnded = false;
  /// Why the server, not the client, ended the reply (the reason saved).
  std::optional<std::string> stopReason;
  bool sessionDeleted = false;  ///< nothing of the reply may be written
  Timestamp startedAt = 0;
  std::chrono::steady_clock::time_point started;
};

void Workspace::chatSend(const protocol::ChatSendParams& params, CancelToken token,
                         Callback<protocol::ChatSendResult> done) {
  auto db = reader();
  if (!db || !storage_) return done(std::unexpected(reader().error()));
  Store& s = **db;

  // Which component does this prompt change, if any? Checked before
  // anything is stored, so a bad componentId stores nothing.
  std::optional<Component> iterating;
  std::optional<std::string> target = params.componentId;
  if (!target && !params.newComponent && params.makeComponent && looksLikeIteration(params.text)) {
    auto current = s.currentComponentId(params.sessionId);
    if (current && *current) target = **current;
  }
  if (target) {
    auto found = s.getComponent(params.sessionId, *target, std::nullopt);
    if (!found) return done(storeFailure(found.error()));
    if (*found) iterating = **found;
    else if (params.componentId)
      return done(fail(ErrorCode::InvalidParams,
                       "params.componentId: no component " + *target + " in session " + params.sessionId));
  }
  // One reply streams per session: a second would be written without the
  // first in its history, and the editor shows one streaming message.
  if (auto it = sessions_.find(params.sessionId); it != sessions_.end())
    for (const auto& other : it->second->replies)
      if (!other->streamEnded)
        return done(fail(ErrorCode::RequestFailed, "params.sessionId: session " + params.sessionId +
                                                       " already has a reply streaming (message " + other->assistantId +
                                                       "); wait for it to end or cancel it with $/cancelRequest"));

  auto run = std::make_shared<ChatRun>();
  run->params = params;
  run->token = token;
  run->done = std::move(done);
  run->iterating = std::move(iterating);
  run->started = std::chrono::steady_clock::now();
  run->startedAt = now();

  // 1. The prompt is saved first. The reply does not wait for that write (it
  //    may wait for another process's lock): the reply's own write is queued
  //    behind it and the answer waits for both.
  run->userMessage.id = newId();
  run->userMessage.sessionId = params.sessionId;
  run->userMessage.role = protocol::Role::User;
  run->userMessage.content = params.text;
  run->userMessage.images = params.images;
  run->userMessage.createdAt = run->startedAt;
  OpenSession& open = session(params.sessionId);
  open.replies.push_back(run);
  open.chat.keepUnsaved(run->userMessage);
  persist<Message>(
      params.sessionId, [message = run->userMessage](Store& st) { return st.addMessage(message); },
      [this, run](Result<Message> saved) {
        if (!saved && saved.error().code == ErrorCode::StorageFailed)
          session(run->params.sessionId).chat.failed(saved.error().message);
        run->promptSettled = true;
        if (auto save = std::exchange(run->saveReply, nullptr)) save();
      });

  ProviderRequest request;
  request.model = provider_->model();
  request.systemPrompt = systemPrompt();
  request.prompt = params.text;
  request.images = params.images;
  request.current = run->iterating;
  // The conversation so far (with what is still being written), newest
  // first within the budget, sent oldest first.
  if (auto page = s.listMessages(params.sessionId, std::nullopt, 50)) {
    auto history = open.chat.merge(std::move(page->items));
    std::size_t used = 0;
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
      if (it->id == run->userMessage.id || it->role == protocol::Role::System || it->content.empty()) continue;
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
  provider_->stream(request, token,
                    StreamHandlers{
                        .onDelta =
                            [this, run, alive](std::string delta) {
                              if (alive.expired() || run->token.cancelled() || run->streamEnded) return;
                              run->reply += delta;
                              session(run->params.sessionId).chat.delta(delta);
                              events_.delta({run->params.sessionId, run->assistantId, std::move(delta)});
                            },
                        .onDone =
                            [this, run, alive](std::expected<Completion, ProviderError> outcome) {
                              if (!alive.expired()) finishChat(run, std::move(outcome));
                            },
                    });
}

void Workspace::stopReply(const std::shared_ptr<ChatRun>& run, std::string reason, bool sessionDeleted) {
  run->stopReason = std::move(reason);
  run->sessionDeleted = sessionDeleted;
  run->token.cancel();
  if (!run->streamEnded)
    return finishChat(run, std::unexpected(ProviderError{ProviderError::Kind::Cancelled, *run->stopReason}));
  // Ended already; its write waits for the prompt's outcome.
  if (sessionDeleted) return dropReply(run);
  if (auto save = std::exchange(run->saveReply, nullptr)) save();
}

void Workspace::dropReply(const std::shared_ptr<ChatRun>& run) {
  run->saveReply = nullptr;
  std::erase(session(run->params.sessionId).replies, run);
  releaseLater(run->params.sessionId);
  run->done(fail(ErrorCode::RequestCancelled, "request cancelled: " + run->stopReason.value_or("stopped") +
                                                  "; nothing of the reply was saved (message " + run->assistantId +
                                                  ")"));
}

void Workspace::finishChat(std::shared_ptr<ChatRun> run, std::expected<Completion, ProviderError> outcome) {
  // Once per reply: a provider ending a reply the server stopped finds it ended.
  if (std::exchange(run->streamEnded, true)) return;
  if (run->sessionDeleted) {
    session(run->params.sessionId).chat.endReply();
    return dropReply(run);
  }
  const bool cancelled = run->token.cancelled() ||
                         (!outcome && outcome.error().kind == ProviderError::Kind::Cancelled);
  // A failure after part of the reply arrived (a dropped stream) interrupts it.
  const RecordStatus status = outcome && !cancelled             ? RecordStatus::Complete
                              : cancelled || !run->reply.empty() ? RecordStatus::Interrupted
                                                                  : RecordStatus::Failed;
  std::optional<std::string> error;
  if (cancelled) error = run->stopReason.value_or("cancelled by the client");
  else if (!outcome) error = outcome.error().message;
  run->cancelled = cancelled;
  run->status = status;
  run->error = error;
  if (!outcome) run->providerFailure = outcome.error().message;

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
  interaction.metadata =
      nlohmann::json{{"userMessageId", run->userMessage.id}, {"assistantMessageId", run->assistantId}}.dump();

  Message& assistant = records.assistantMessage;
  assistant.id = run->assistantId;
  assistant.sessionId = run->params.sessionId;
  assistant.role = protocol::Role::Assistant;
  assistant.content = run->reply;
  assistant.createdAt = now();
  assistant.status = status;
  assistant.interactionId = interaction.id;

  // Only a whole reply becomes a component: half a function does not compile.
  if (status == RecordStatus::Complete && run->params.makeComponent) {
    if (auto extracted = extractComponent(run->reply)) {
      Component component;
      component.id = run->iterating ? run->iterating->id : newId();
      component.sessionId = run->params.sessionId;
      component.name = extracted->name;
      component.jsx = extracted->jsx;
      component.css = extracted->css;
      component.updatedAt = assistant.createdAt;
      component.metadata = nlohmann::json{{"source", "chat"}, {"interactionId", interaction.id}}.dump();
      assistant.componentId = component.id;
      records.component = component;
    }
  }

  // A reply that rewrites the current component by name is a new version of
  // it. Which one is current is asked where the write runs, after every
  // earlier write of the session.
  const bool byName = records.component && !run->iterating && !run->params.newComponent;
  auto work = [records, byName](Store& s) -> StoreResult<ReplyRecords> {
    ReplyRecords reply = records;
    if (byName) {
      auto current = s.currentComponentId(reply.assistantMessage.sessionId);
      if (!current) return std::unexpected(current.error());
      if (*current) {
        auto found = s.getComponent(reply.assistantMessage.sessionId, **current, std::nullopt);
        if (!found) return std::unexpected(found.error());
        if (*found && (*found)->name == reply.component->name) {
          reply.component->id = (*found)->id;
          reply.assistantMessage.componentId = (*found)->id;
        }
      }
    }
    return s.saveReply(reply);
  };
  session(run->params.sessionId).chat.keepUnsaved(assistant);
  session(run->params.sessionId).chat.endReply();
  auto save = [this, run, records, work = std::move(work)]() mutable {
    std::erase(session(run->params.sessionId).replies, run);
    persist<ReplyRecords>(run->params.sessionId, std::move(work),
                          [this, run, records](Result<ReplyRecords> stored) { replied(run, records, std::move(stored)); });
  };
  // At close the reply's write goes now: the storage thread keeps the order.
  if (run->promptSettled || closed_) save();
  else run->saveReply = std::move(save);
}

void Workspace::replied(const std::shared_ptr<ChatRun>& run, const ReplyRecords& records,
                        Result<ReplyRecords> stored) {
  OpenSession& open = session(run->params.sessionId);
  const Message& assistant = records.assistantMessage;
  const bool kept = !stored && stored.error().code == ErrorCode::StorageFailed;
  if (kept) {
    open.chat.failed(stored.error().message);
    if (records.component) open.components.keepUnsaved(*records.component);
  }
  if (run->error && !run->cancelled) open.chat.replyFailed(*run->error);

  // 5. The status was updated by the write; now the one reply, saying what
  //    became of the reply: saved, or not (a storage failure's message says
  //    it is kept in memory and retried).
  const std::string status(protocol::toString(run->status));
  const std::string what =
      stored ? "the " + std::string(run->cancelled ? "partial " : "") + "reply was saved as " + status + " (message " +
                   assistant.id + ")"
             : "the reply (" + status + ", message " + assistant.id + ") was not saved: " + stored.error().message;
  if (run->cancelled)
    return run->done(
        fail(ErrorCode::RequestCancelled,
             "request cancelled" + (run->stopReason ? ": " + *run->stopReason : std::string()) + "; " + what));
  if (run->providerFailure)
    return run->done(
        std::unexpected(protocol::RpcError{ErrorCode::ProviderFailed, *run->providerFailure + " (" + what + ")",
                                           "The AI reply failed: " + *run->providerFailure}));
  if (!stored) return run->done(std::unexpected(stored.error()));
  protocol::ChatSendResult result;
  result.userMessage = run->userMessage;
  result.assistantMessage = stored->assistantMessage;
  result.interaction = stored->interaction;
  result.component = stored->component;
  run->done(std::move(result));
}

}  // namespace aieditor::server
