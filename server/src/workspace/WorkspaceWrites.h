// Private to the Workspace sources: how writes become tracked store calls on
// the storage thread, and how store failures read to the client.
#pragma once

#include <memory>
#include <optional>
#include <string>
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

/// A write's failure: a storage one is kept and retried, and says so.
inline std::unexpected<protocol::RpcError> writeFailure(const StoreError& e, std::string_view field = {}) {
  if (e.kind != StoreError::Kind::Storage) return storeFailure(e, field);
  return protocol::fail(protocol::ErrorCode::StorageFailed,
                        "storage failed: " + e.message + " (the write is kept in memory and retried)");
}

template <class T, class Work>
void Workspace::persist(const std::string& sessionId, Work work, Callback<T> done, std::string_view field) {
  if (!storage_) return done(std::unexpected(reader().error()));
  // The write may be kept and replayed, so it owns everything it uses.
  using Slot = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;
  auto out = std::make_shared<Slot>();
  session(sessionId).tracker.write(
      [out, work = std::move(work)](Store& store) -> StoreResult<void> {
        auto r = work(store);
        if (!r) return std::unexpected(r.error());
        if constexpr (!std::is_void_v<T>) *out = std::move(*r);
        return {};
      },
      [out, done = std::move(done), field = std::string(field)](StoreResult<void> result) {
        if (!result) return done(writeFailure(result.error(), field));
        if constexpr (std::is_void_v<T>) done({});
        else done(std::move(**out));
      });
}

}  // namespace aieditor::server
