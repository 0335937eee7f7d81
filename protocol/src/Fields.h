// Reading one JSON object field by field, and the validators the wire types
// share. Internal to the protocol library.
//
// Each fromJSON makes a `Fields` over its object and asks for the fields in
// turn. The first failure is remembered with its JSON path and every later
// call does nothing, so a fromJSON is a list of fields ending in
// `return f.result();`:
//
//   Fields f(value, path);
//   f.required("sessionId", p.sessionId, checkSessionId)
//       .integer("limit", p.limit, 1, 1000);
//   return f.result();
//
// Keys are written in camelCase; a `Naming::Snake` reader looks them up (and
// reports them) in the backend's snake_case, so one reader serves both forms.
// Only json_fwd.hpp is needed here: everything that touches a json value's
// members lives in Fields.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "aieditor/protocol/Protocol.h"

namespace aieditor::protocol::detail {

/// A value's problem ("must be ..."), or nothing when the value is fine.
using Problem = std::optional<std::string>;

/// Key spelling: the frontend's camelCase or the backend's snake_case.
enum class Naming { Camel, Snake };
/// "sessionId" -> "session_id".
std::string snakeCase(std::string_view camel);
/// `camel` as spelt in `naming`.
std::string keyFor(Naming naming, std::string_view camel);

/// "params" + "limit" -> "params.limit"; an empty base gives the key alone.
std::string joinPath(std::string_view base, std::string_view key);
/// "params.images" + 2 -> "params.images[2]".
std::string indexPath(std::string_view base, std::size_t index);

std::string_view trim(std::string_view);

// ---- Validators -------------------------------------------------------------

inline constexpr std::size_t kMaxIdLength = 128;
/// Decoded size cap for one image: large enough for a screenshot, small
/// enough that a handful of them cannot exhaust memory.
inline constexpr std::size_t kMaxImageBytes = 20u << 20;
inline constexpr std::size_t kMaxChatText = 1u << 20;
inline constexpr std::size_t kMaxImages = 8;
inline constexpr std::int64_t kMaxLimit = 1000;

/// Message, interaction and component ids follow the session id rule.
bool isValidRecordId(std::string_view);
Problem checkSessionId(const std::string&);
Problem checkRecordId(const std::string&);
Problem checkNotBlank(const std::string&);
Problem checkMimeType(const std::string&);
/// Canonical base64 (alphabet, padding), non-empty, at most kMaxImageBytes decoded.
Problem checkBase64(const std::string&);

// ---- Decoders: one per value type -----------------------------------------

Parsed decode(const json&, std::string&, const std::string& path);
Parsed decode(const json&, std::int64_t&, const std::string& path);
Parsed decode(const json&, bool&, const std::string& path);
Parsed decode(const json&, Role&, const std::string& path);
Parsed decode(const json&, RecordStatus&, const std::string& path);

/// Anything with a (frontend) fromJSON: Image, Usage, Message, ...
template <class T>
  requires requires(const json& v, T& out, const std::string& path) { fromJSON(v, out, path); }
Parsed decode(const json& value, T& out, const std::string& path) {
  return fromJSON(value, out, path);
}

/// Calls `each` with every element of the array `value` and its path; fails
/// when `value` is not an array or holds more than `max` elements.
Parsed forEachElement(const json& value, const std::string& path, std::size_t max,
                      const std::function<Parsed(const json&, const std::string&)>& each);

/// Reads an array with `read(element, item, path)` for each element.
template <class T, class Read>
Parsed decodeArray(const json& value, std::vector<T>& out, const std::string& path, Read read,
                   std::size_t max = std::numeric_limits<std::size_t>::max()) {
  std::vector<T> items;
  auto parsed = forEachElement(value, path, max, [&](const json& element, const std::string& at) -> Parsed {
    T item{};
    if (auto r = read(element, item, at); !r) return r;
    items.push_back(std::move(item));
    return {};
  });
  if (parsed) out = std::move(items);
  return parsed;
}

template <class T>
Parsed decode(const json& value, std::vector<T>& out, const std::string& path) {
  return decodeArray(value, out, path,
                     [](const json& v, T& item, const std::string& at) { return decode(v, item, at); });
}

// ---- Fields -----------------------------------------------------------------

class Fields {
 public:
  /// Reads `value`, which must be an object. With `nullIsEmpty` a null value
  /// (absent params) reads as {}, so a missing field is reported by name.
  Fields(const json& value, std::string path, Naming naming = Naming::Camel, bool nullIsEmpty = false);

  /// A field that must be present and not null; each check must pass.
  template <class T, class... Checks>
  Fields& required(std::string_view key, T& out, const Checks&... checks) {
    if (!ok()) return *this;
    const json* value = find(key);
    if (!value) return fail(key, "is required");
    return read(key, *value, out, checks...);
  }

  /// A field that may be absent or null; `out` then keeps its default.
  template <class T, class... Checks>
  Fields& optional(std::string_view key, T& out, const Checks&... checks) {
    if (!ok()) return *this;
    const json* value = find(key);
    return value ? read(key, *value, out, checks...) : *this;
  }

  template <class T, class... Checks>
  Fields& optional(std::string_view key, std::optional<T>& out, const Checks&... checks) {
    if (!ok()) return *this;
    const json* value = find(key);
    if (!value) return *this;
    T item{};
    read(key, *value, item, checks...);
    if (ok()) out = std::move(item);
    return *this;
  }

  /// An RFC 3339 timestamp, stored as ms since the epoch.
  Fields& timestamp(std::string_view key, Timestamp& out, bool isRequired = true);
  Fields& timestamp(std::string_view key, std::optional<Timestamp>& out);
  /// An integer in [min, max]; "must be an integer from 1 to 1000".
  Fields& integer(std::string_view key, std::int64_t& out, std::int64_t min,
                  std::int64_t max = std::numeric_limits<std::int64_t>::max(), bool isRequired = false);
  Fields& integer(std::string_view key, std::optional<std::int64_t>& out, std::int64_t min,
                  std::int64_t max = std::numeric_limits<std::int64_t>::max());
  /// A JSON object kept as its compact text; absent or null leaves `out` as is.
  Fields& metadata(std::string_view key, std::string& out);
  Fields& metadata(std::string_view key, std::optional<std::string>& out);
  /// A field read by `read(value, path)`; absent or null fails only when required.
  Fields& with(std::string_view key, bool isRequired,
               const std::function<Parsed(const json&, const std::string&)>& read);

  /// Records `problem` at `key` (empty key: the object itself) unless a
  /// failure is already recorded.
  Fields& fail(std::string_view key, std::string problem);
  Fields& check(bool condition, std::string_view key, std::string problem) {
    return condition ? *this : fail(key, std::move(problem));
  }

  /// The field's value when present and not null.
  const json* find(std::string_view key) const;
  /// The JSON path of `key` in this object.
  std::string pathOf(std::string_view key) const;
  const std::string& path() const { return path_; }
  bool ok() const { return !error_; }
  Parsed result() const;

 private:
  template <class T, class... Checks>
  Fields& read(std::string_view key, const json& value, T& out, const Checks&... checks) {
    T item{};
    if (auto r = decode(value, item, pathOf(key)); !r) {
      error_ = r.error();
      return *this;
    }
    Problem problem;
    (void)((problem = checks(item)).has_value() || ...);
    if (problem) return fail(key, std::move(*problem));
    out = std::move(item);
    return *this;
  }

  const json* object_ = nullptr;  ///< null when the value is not an object
  std::string path_;
  Naming naming_;
  std::optional<FieldError> error_;
};

}  // namespace aieditor::protocol::detail
