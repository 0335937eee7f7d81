// Private to the Workspace sources: how writes become tracked, retried
// store calls, and how store failures read to the client.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>

#include "workspace/Workspace.h"

namespace aieditor::server {

/// A store failure as the client sees it. `field` names the param a NotFound
/// or Conflict is about, so the message says which input was wrong.
inline std::unexpected<protocol::RpcError> storeFailure(const StoreError& e, std::string_view field = {}) {
  switch (e.kind) {
    case StoreError::Kind::Storage:
      return protocol::fail(protocol::ErrorCode::StorageFailed, "storage failed: " + e.message);
    case StoreError::Kind::NotFound:
    case StoreError::Kind::Conflict:
    case StoreError::Kind::Invalid:
      return protocol::fail(protocol::ErrorCode::InvalidParams,
                  field.empty() ? e.message : "params." + std::string(field) + ": " + e.message);
  }
  return protocol::fail(protocol::ErrorCode::InternalError, e.message);
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

}  // namespace aieditor::server
