// Errors as values: the JSON-RPC error codes, the error a call fails with,
// and the cancellation flag work checks.
//
// No nlohmann here, so server code that only returns or inspects errors does
// not pull in JSON.
#pragma once

#include <atomic>
#include <expected>
#include <memory>
#include <string>
#include <utility>

namespace aieditor::protocol {

enum class ErrorCode : int {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  /// A write could not be stored; it is kept in memory and retried.
  StorageFailed = -32001,
  /// The AI provider failed (auth, rate limit, bad request, network).
  ProviderFailed = -32003,
  RequestCancelled = -32800,
  /// A valid request the server cannot take in the current state (LSP's
  /// RequestFailed), e.g. a second chat/send while a reply streams.
  RequestFailed = -32803,
};

struct RpcError {
  ErrorCode code = ErrorCode::InternalError;
  std::string message;  ///< for the log: names the field (`params.componentId: ...`)
  /// A plain sentence for the user, sent as the error's `data.userMessage`
  /// when not empty. (`= {}` lets RpcError{code, message} pass GCC's
  /// -Wmissing-field-initializers.)
  std::string userMessage = {};  // NOLINT(readability-redundant-member-init)
};

template <class T>
using Result = std::expected<T, RpcError>;

inline std::unexpected<RpcError> fail(ErrorCode code, std::string message) {
  return std::unexpected(RpcError{code, std::move(message)});
}

/// Shared flag set when the client cancels a request.
class CancelToken {
 public:
  CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}
  bool cancelled() const { return flag_->load(); }
  void cancel() const { flag_->store(true); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace aieditor::protocol
