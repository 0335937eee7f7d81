// chat/send: the prompt saved, the reply streamed, then saved with its component.
#include <chrono>

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
                // The save (an fsync) waits a turn of the loop: the last
                // deltas are still in the transport's outbox and leave first.
                scheduler_.post([this, run, alive, outcome = std::move(outcome)]() mutable {
                  if (!alive.expired()) finishChat(run, std::move(outcome));
                });
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
