// Store internals: how a failure travels inside the store. Bodies return
// Res<T>, whose Failure keeps SQLite's result code beside the StoreError the
// caller will see, so the busy helper can tell a held lock from a real error;
// toPublic() drops the code at the facade.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "store/Store.h"
#include "aieditor/sqlite/Sqlite.h"

namespace aieditor::server::store_detail {

using Kind = StoreError::Kind;

/// A failure inside the store: what the caller will see, plus SQLite's result
/// code so the busy helper can tell a held lock from a real error.
struct Failure {
  StoreError error;
  int code = 0;

  Failure(Kind kind, std::string message) : error{kind, std::move(message)} {}
  // Constraint failures come from bad input (an import repeating an id).
  Failure(const sqlite::Error& e)  // NOLINT(google-explicit-constructor): lets std::unexpected(e) convert
      : error{sqlite::isConstraint(e.code) ? Kind::Invalid : Kind::Storage, e.message, sqlite::isReadOnly(e.code)},
        code(e.code) {}
  bool busy() const { return sqlite::isBusy(code); }
};
template <class T>
using Res = std::expected<T, Failure>;

inline std::unexpected<Failure> fail(Kind kind, std::string message) {
  return std::unexpected(Failure(kind, std::move(message)));
}

inline Res<void> requireId(const std::string& value, std::string_view what) {
  if (value.empty()) return fail(Kind::Invalid, std::string(what) + " is empty");
  return {};
}

/// The caller's view of a result: the StoreError without the result code.
template <class T>
StoreResult<T> toPublic(Res<T>&& result) {
  if (!result) return std::unexpected(std::move(result.error().error));
  if constexpr (std::is_void_v<T>)
    return {};
  else
    return std::move(*result);
}

}  // namespace aieditor::server::store_detail
