// JSON-RPC 2.0: replies and the dispatcher (error codes are in RpcError.h).
//
// Contract: every request gets exactly one reply. A handler receives a
// `Reply`; it may answer at once or keep it and answer later (streaming
// work). A Reply dropped unanswered answers "server failed to reply" from its
// destructor, and a second answer is logged and ignored. Batches are answered
// with one array once every request in them has replied. Cancellation is
// handled in one place: `$/cancelRequest` flips the request's CancelToken and
// the work checks it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "aieditor/protocol/RpcError.h"

namespace aieditor::protocol {

struct JsonTextError;

using nlohmann::json;

/// Where serialized messages (frame bodies) go.
using Sink = std::function<void(std::string body)>;

/// Answers one request exactly once. Move-only.
class Reply {
 public:
  using Deliver = std::function<void(std::string responseJson)>;
  Reply(std::string idJson, Deliver deliver);
  Reply(Reply&&) noexcept;
  Reply& operator=(Reply&&) = delete;
  Reply(const Reply&) = delete;
  ~Reply();

  void result(const json& value);
  void error(const RpcError& error);
  const std::string& id() const { return id_; }

 private:
  bool claim();
  std::string id_;
  Deliver deliver_;
  bool answered_ = false;
};

/// Routes decoded frame bodies to handlers and replies through the Sink.
class Dispatcher {
 public:
  using RequestHandler = std::function<void(const json& params, Reply, CancelToken)>;
  using NotificationHandler = std::function<void(const json& params)>;
  /// Consulted before every request; an error here is the reply (lifecycle).
  using Gate = std::function<std::optional<RpcError>(std::string_view method)>;

  explicit Dispatcher(Sink sink);
  ~Dispatcher();

  void onRequest(std::string method, RequestHandler);
  void onNotification(std::string method, NotificationHandler);
  void setGate(Gate);

  /// Handles one frame body: a request, a notification, a response or a batch.
  void receive(std::string_view body);
  /// Answers a frame the framing layer could not read (-32700, id null).
  void rejectFrame(std::string_view why);
  /// Sends a server-to-client notification.
  void notify(std::string_view method, const json& params);
  /// Cancels the running request with this id (its JSON text); false if none.
  bool cancel(const std::string& idJson);
  std::size_t inFlight() const { return running_.size(); }

 private:
  struct Batch;
  void handleOne(const json& message, std::shared_ptr<Batch> batch, std::size_t slot);
  void refuseTooDeep(const json& message, const JsonTextError& unread);
  Reply makeReply(const std::string& idJson, std::shared_ptr<Batch> batch, std::size_t slot);

  Sink sink_;
  Gate gate_;
  std::map<std::string, RequestHandler, std::less<>> requests_;
  std::map<std::string, NotificationHandler, std::less<>> notifications_;
  std::map<std::string, CancelToken> running_;  ///< by id JSON text
  std::shared_ptr<bool> alive_;
};

std::string errorResponse(std::string_view idJson, const RpcError&);

}  // namespace aieditor::protocol
