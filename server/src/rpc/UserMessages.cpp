// The plain sentences, chosen by error code and, for invalid params, by the
// field the message names (its text before the first ": ").
#include "rpc/UserMessages.h"

#include <string>
#include <utility>

namespace aieditor::server {

using protocol::ErrorCode;

namespace {

/// The problem after "params.x: ", for fields whose problem reads plainly.
std::string_view problemOf(std::string_view message) {
  const std::size_t colon = message.find(": ");
  return colon == std::string_view::npos ? message : message.substr(colon + 2);
}

/// "<what> cannot be used: it must ...", when the problem reads as a rule
/// ("must ...", "is ..."); otherwise only that it cannot be used.
std::string cannotBeUsed(std::string_view what, std::string_view message) {
  const std::string_view problem = problemOf(message);
  if (problem.starts_with("must ") || problem.starts_with("is "))
    return std::string(what) + " cannot be used: it " + std::string(problem) + ".";
  return std::string(what) + " cannot be used. The details are in the log.";
}

std::string invalidParams(std::string_view message) {
  const std::string_view field = message.substr(0, message.find(": "));
  if (field == "params.sessionId" && problemOf(message).starts_with("no session"))
    return "That session does not exist. It may have been deleted.";
  if (message.find("has no current component") != std::string_view::npos)
    return "This session has no component yet. Send a prompt to make one first.";
  if (field == "params.componentId") return "That component is not in this session. It may have been deleted.";
  if (field == "params.version") return "That version of the component does not exist.";
  if (field == "params.sessionId")
    return cannotBeUsed("That session name", message);
  if (field == "params.text") return "Type a prompt first.";
  if (field == "params.title") return cannotBeUsed("That title", message);
  if (field == "params.query") return cannotBeUsed("That search", message);
  if (field.starts_with("params.images"))
    return cannotBeUsed("An attached image", message);
  if (field.starts_with("params.files"))
    return cannotBeUsed("A file path", message);
  return "The editor sent a request the AI Editor server could not use. The details are in the log.";
}

}  // namespace

bool showsUserMessages(std::string_view method) {
  return method.starts_with("chat/") || method.starts_with("components/") || method.starts_with("session/") ||
         method.starts_with("search/") || method.starts_with("preview/");
}

protocol::RpcError withUserMessage(protocol::RpcError error) {
  if (!error.userMessage.empty()) return error;
  switch (error.code) {
    case ErrorCode::InvalidParams:
      error.userMessage = invalidParams(error.message);
      break;
    case ErrorCode::StorageFailed:
      error.userMessage = error.message.find("retried") != std::string::npos
                              ? "Your work could not be saved to disk yet. It is kept and saved again automatically."
                              : "Your sessions could not be read from disk right now. The details are in the log.";
      break;
    case ErrorCode::ProviderFailed:
      error.userMessage = "The AI reply failed. The details are in the log.";
      break;
    case ErrorCode::RequestCancelled:
      error.userMessage = "The reply was stopped before it finished. What had arrived is kept.";
      break;
    case ErrorCode::RequestFailed:
      error.userMessage = "A reply is still being written in this session. Wait for it, or stop it first.";
      break;
    case ErrorCode::ServerNotInitialized:
      error.userMessage = "The AI Editor server is still starting. Try again in a moment.";
      break;
    default:
      error.userMessage = "Something went wrong in the AI Editor server. The details are in the log.";
      break;
  }
  return error;
}

}  // namespace aieditor::server
