// JSON text from outside the process (a client's message, an imported file, a
// provider's reply, the config file) read safely: nesting is bounded, so
// nlohmann's recursive dump and copy can never exhaust the stack, and lone
// UTF-16 surrogate escapes read as U+FFFD, as browsers decode them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace aieditor::protocol {

using nlohmann::json;

/// The deepest nesting of arrays and objects read from outside: a whole
/// JSON-RPC message, a document, a file.
inline constexpr std::size_t kMaxJsonDepth = 512;

/// The deepest nesting of a free-form value a client stores (metadata). Kept
/// well under kMaxJsonDepth, so whatever is stored fits, with the envelope
/// around it, in every reply and export that carries it and in the
/// `session/import` request (or batch) that brings such an export back.
inline constexpr std::size_t kMaxValueDepth = 256;

/// Why JSON text could not be read whole.
struct JsonTextError {
  enum class Kind { NotJson, TooDeep };
  Kind kind = Kind::NotJson;
  /// NotJson: the parser's words; TooDeep: "<path>: nested deeper than N levels".
  std::string message;
  /// TooDeep: the JSON path of the first array or object past the limit
  /// ("params.metadata.a[0]", "" for the top level).
  std::string path;
};

/// Parses `text` into `out`. Returns the error, or nothing when it was read
/// whole. On TooDeep, `out` keeps only the top-level object's strings,
/// numbers, booleans and nulls, so a request's id can still be read.
std::optional<JsonTextError> readJson(std::string_view text, json& out, std::size_t maxDepth = kMaxJsonDepth);

/// How deeply a value's arrays and objects nest (a scalar is 0, `{}` is 1).
std::size_t nestingDepth(const json& value);

}  // namespace aieditor::protocol
