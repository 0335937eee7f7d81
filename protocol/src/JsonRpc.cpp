#include "aieditor/protocol/JsonRpc.h"

#include <exception>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"

namespace aieditor::protocol {
namespace {

void logLine(std::string_view text) { std::cerr << "aieditor: " << text << '\n'; }

/// Outgoing JSON. Invalid UTF-8 (a delta cut inside a character) becomes
/// U+FFFD instead of an exception.
std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string response(std::string_view idJson, std::string_view member, std::string_view valueJson) {
  std::string out;
  out.reserve(idJson.size() + member.size() + valueJson.size() + 32);
  out += R"({"jsonrpc":"2.0","id":)";
  out += idJson.empty() ? "null" : idJson;
  out += ",\"";
  out += member;
  out += "\":";
  out += valueJson;
  out += '}';
  return out;
}

const RpcError kParseError{ErrorCode::ParseError, "Parse error"};
const RpcError kInvalidRequest{ErrorCode::InvalidRequest, "Invalid Request"};
const RpcError kMethodNotFound{ErrorCode::MethodNotFound, "Method not found"};

}  // namespace

std::string errorResponse(std::string_view idJson, const RpcError& error) {
  json body{{"code", static_cast<int>(error.code)}, {"message", error.message}};
  if (!error.userMessage.empty()) body["data"] = json{{"userMessage", error.userMessage}};
  return response(idJson, "error", dump(body));
}

// ---- Reply ----------------------------------------------------------------------

Reply::Reply(std::string idJson, Deliver deliver) : id_(std::move(idJson)), deliver_(std::move(deliver)) {}

Reply::Reply(Reply&& other) noexcept
    : id_(std::move(other.id_)), deliver_(std::move(other.deliver_)), answered_(other.answered_) {
  other.answered_ = true;  // the moved-from Reply owes nothing
}

Reply::~Reply() {
  if (!answered_ && deliver_) error({ErrorCode::InternalError, "server failed to reply"});
}

bool Reply::claim() {
  if (answered_) {
    logLine("request " + id_ + " was answered twice; the second reply is ignored");
    return false;
  }
  answered_ = true;
  return static_cast<bool>(deliver_);
}

void Reply::result(const json& value) {
  if (!claim()) return;
  try {
    deliver_(response(id_, "result", dump(value)));
  } catch (const std::exception& e) {
    logLine("could not send the reply to request " + id_ + ": " + e.what());
  }
}

void Reply::error(const RpcError& error) {
  if (!claim()) return;
  try {
    deliver_(errorResponse(id_, error));
  } catch (const std::exception& e) {
    logLine("could not send the reply to request " + id_ + ": " + e.what());
  }
}

// ---- Dispatcher -------------------------------------------------------------------

/// The replies of one batch, sent as one array once the last one is in.
struct Dispatcher::Batch {
  std::vector<std::optional<std::string>> replies;  ///< by position in the batch
  std::size_t outstanding = 1;                      ///< awaited replies, plus the reader's own hold

  void settle(const Sink& sink) {
    if (--outstanding > 0) return;
    std::string out = "[";
    for (const auto& reply : replies) {
      if (!reply) continue;
      if (out.size() > 1) out += ',';
      out += *reply;
    }
    // A batch of notifications (and client responses) gets no reply at all.
    if (out.size() > 1) sink(out + "]");
  }
};

Dispatcher::Dispatcher(Sink sink) : sink_(std::move(sink)), alive_(std::make_shared<bool>(true)) {}

Dispatcher::~Dispatcher() { *alive_ = false; }

void Dispatcher::onRequest(std::string method, RequestHandler handler) {
  requests_[std::move(method)] = std::move(handler);
}

void Dispatcher::onNotification(std::string method, NotificationHandler handler) {
  notifications_[std::move(method)] = std::move(handler);
}

void Dispatcher::setGate(Gate gate) { gate_ = std::move(gate); }

Reply Dispatcher::makeReply(const std::string& idJson, std::shared_ptr<Batch> batch, std::size_t slot) {
  if (batch) ++batch->outstanding;
  return Reply(idJson, [this, alive = std::weak_ptr<bool>(alive_), batch = std::move(batch), slot,
                        idJson](std::string responseJson) {
    // A Reply may outlive the dispatcher (held by streaming work).
    const auto live = alive.lock();
    if (!live || !*live) return;
    running_.erase(idJson);
    try {
      if (batch) {
        batch->replies[slot] = std::move(responseJson);
        batch->settle(sink_);
      } else {
        sink_(std::move(responseJson));
      }
    } catch (const std::exception& e) {
      logLine(std::string("could not send a reply: ") + e.what());
    }
  });
}

void Dispatcher::receive(std::string_view body) {
  try {
    json message;
    if (const auto unread = readJson(body, message)) {
      if (unread->kind == JsonTextError::Kind::TooDeep) return refuseTooDeep(message, *unread);
      sink_(errorResponse("null", kParseError));
      return;
    }
    if (!message.is_array()) {
      handleOne(message, nullptr, 0);
      return;
    }
    if (message.empty()) {
      sink_(errorResponse("null", kInvalidRequest));
      return;
    }
    auto batch = std::make_shared<Batch>();
    batch->replies.resize(message.size());
    for (std::size_t i = 0; i < message.size(); ++i) handleOne(message[i], batch, i);
    batch->settle(sink_);  // release the reader's hold: sends now if every reply is in
  } catch (const std::exception& e) {
    logLine(std::string("error while handling a message: ") + e.what());
  } catch (...) {
    logLine("unknown error while handling a message");
  }
}

// A message nested past kMaxJsonDepth, read without its too-deep parts. A
// request is answered with its own id when that can be read, so the client's
// call ends; a notification is never answered.
void Dispatcher::refuseTooDeep(const json& message, const JsonTextError& unread) {
  const std::string_view path = unread.path;
  const std::string_view member = path.substr(0, path.find_first_of(".["));
  const auto id = message.is_object() ? message.find("id") : message.end();
  if (!message.is_object() || member == "id" ||
      (id != message.end() && !(id->is_string() || id->is_number() || id->is_null()))) {
    sink_(errorResponse("null", {ErrorCode::ParseError, "Parse error: " + unread.message}));
    return;
  }
  if (id == message.end()) {
    logLine("notification refused: " + unread.message);
    return;
  }
  const ErrorCode code = member == "params" ? ErrorCode::InvalidParams : ErrorCode::InvalidRequest;
  makeReply(dump(*id), nullptr, 0).error({code, unread.message});
}

// One request, notification or client response; `batch` is null outside a batch.
void Dispatcher::handleOne(const json& message, std::shared_ptr<Batch> batch, std::size_t slot) {
  if (!message.is_object()) return makeReply("null", std::move(batch), slot).error(kInvalidRequest);
  const auto method = message.find("method");
  // A response to a server-to-client request: the server sends none that
  // await an answer, so there is nothing to route it to.
  if (method == message.end() && (message.contains("result") || message.contains("error"))) return;

  const auto id = message.find("id");
  const bool isRequest = id != message.end();
  const bool idReadable = isRequest && (id->is_string() || id->is_number() || id->is_null());
  const std::string idJson = idReadable ? dump(*id) : "null";
  const auto version = message.find("jsonrpc");
  const auto params = message.find("params");
  const bool valid = version != message.end() && *version == "2.0" && method != message.end() &&
                     method->is_string() && (!isRequest || idReadable) &&
                     (params == message.end() || params->is_structured() || params->is_null());
  // Not a Request object at all, so not a notification either: answered.
  if (!valid) return makeReply(idJson, std::move(batch), slot).error(kInvalidRequest);

  const std::string& name = method->get_ref<const std::string&>();
  // Absent params reach handlers as null. `"params": null` is read as absent
  // too: LSP clients send it for shutdown, and refusing it helps nobody.
  static const json kNoParams;
  const json& args = params == message.end() ? kNoParams : *params;

  if (!isRequest) {
    // A notification is never answered, not even when it fails.
    const auto handler = notifications_.find(name);
    if (handler == notifications_.end()) return;
    try {
      handler->second(args);
    } catch (const std::exception& e) {
      logLine("notification " + name + " failed: " + e.what());
    } catch (...) {
      logLine("notification " + name + " failed");
    }
    return;
  }

  if (gate_) {
    std::optional<RpcError> refused;
    try {
      refused = gate_(name);
    } catch (const std::exception& e) {
      refused = RpcError{ErrorCode::InternalError, std::string("Internal error: ") + e.what()};
    }
    if (refused) return makeReply(idJson, std::move(batch), slot).error(*refused);
  }
  const auto handler = requests_.find(name);
  if (handler == requests_.end()) return makeReply(idJson, std::move(batch), slot).error(kMethodNotFound);

  CancelToken token;
  running_[idJson] = token;
  Reply reply = makeReply(idJson, std::move(batch), slot);
  try {
    handler->second(args, std::move(reply), token);
  } catch (const std::exception& e) {
    // The Reply handed to the handler was destroyed unanswered while the
    // exception left it, so the client already has -32603.
    logLine("request " + name + " (id " + idJson + ") failed: " + e.what());
  } catch (...) {
    logLine("request " + name + " (id " + idJson + ") failed");
  }
}

void Dispatcher::rejectFrame(std::string_view why) {
  try {
    sink_(errorResponse("null", {ErrorCode::ParseError, "Parse error: " + std::string(why)}));
  } catch (const std::exception& e) {
    logLine(std::string("could not send a parse error: ") + e.what());
  }
}

void Dispatcher::notify(std::string_view method, const json& params) {
  std::string out = R"({"jsonrpc":"2.0","method":)" + dump(json(std::string(method)));
  if (!params.is_null()) out += ",\"params\":" + dump(params);
  out += '}';
  try {
    sink_(std::move(out));
  } catch (const std::exception& e) {
    logLine(std::string("could not send a notification: ") + e.what());
  }
}

bool Dispatcher::cancel(const std::string& idJson) {
  const auto it = running_.find(idJson);
  if (it == running_.end()) return false;
  it->second.cancel();
  return true;
}

}  // namespace aieditor::protocol
