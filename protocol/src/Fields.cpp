#include "Fields.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"

namespace aieditor::protocol::detail {
namespace {

bool isIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == ':' || c == '-';
}

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

constexpr std::string_view kIdRule = "must be 1-128 characters from [A-Za-z0-9._:-]";

std::string rangeProblem(std::int64_t min, std::int64_t max) {
  if (max == std::numeric_limits<std::int64_t>::max())
    return "must be an integer of at least " + std::to_string(min);
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

template <class Enum, std::size_t N>
Parsed decodeEnum(const json& value, Enum& out, const std::string& path, const std::array<Enum, N>& values) {
  std::string expected;
  for (Enum e : values) {
    if (value.is_string() && value.get_ref<const std::string&>() == toString(e)) {
      out = e;
      return {};
    }
    if (!expected.empty()) expected += ", ";
    expected += toString(e);
  }
  return std::unexpected(FieldError{path, "must be one of " + expected});
}

}  // namespace

std::string snakeCase(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

std::string keyFor(Naming naming, std::string_view camel) {
  return naming == Naming::Snake ? snakeCase(camel) : std::string(camel);
}

std::string joinPath(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  if (key.empty()) return std::string(base);
  std::string out(base);
  out += '.';
  out += key;
  return out;
}

std::string indexPath(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// ---- Validators -------------------------------------------------------------

bool isValidRecordId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength && std::all_of(id.begin(), id.end(), isIdChar);
}

Problem checkSessionId(const std::string& id) {
  if (isValidSessionId(id)) return std::nullopt;
  return std::string(kIdRule);
}

Problem checkRecordId(const std::string& id) {
  if (isValidRecordId(id)) return std::nullopt;
  return std::string(kIdRule);
}

Problem checkNotBlank(const std::string& text) {
  if (!trim(text).empty()) return std::nullopt;
  return "must not be empty";
}

Problem checkMimeType(const std::string& type) {
  constexpr std::array<std::string_view, 4> kTypes = {"image/png", "image/jpeg", "image/gif", "image/webp"};
  if (std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end()) return std::nullopt;
  return "must be one of image/png, image/jpeg, image/gif, image/webp";
}

Problem checkBase64(const std::string& data) {
  if (data.empty()) return "must not be empty";
  if (data.size() % 4 != 0) return "must be base64 (length a multiple of 4)";
  std::size_t padding = 0;
  if (data.back() == '=') padding = data[data.size() - 2] == '=' ? 2 : 1;
  for (std::size_t i = 0; i < data.size() - padding; ++i)
    if (!isBase64Char(data[i])) return "must be base64 (bad character at offset " + std::to_string(i) + ")";
  if (data.size() / 4 * 3 - padding > kMaxImageBytes) return "must decode to at most 20 MiB";
  return std::nullopt;
}

// ---- Decoders -----------------------------------------------------------------

Parsed decode(const json& value, std::string& out, const std::string& path) {
  if (!value.is_string()) return std::unexpected(FieldError{path, "must be a string"});
  out = value.get_ref<const std::string&>();
  return {};
}

Parsed decode(const json& value, std::int64_t& out, const std::string& path) {
  if (value.is_number_integer()) {
    // Unsigned values above INT64_MAX do not fit.
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(INT64_MAX))
      return std::unexpected(FieldError{path, "must be an integer within 64 bits"});
    out = value.get<std::int64_t>();
    return {};
  }
  return std::unexpected(FieldError{path, "must be an integer"});
}

Parsed decode(const json& value, bool& out, const std::string& path) {
  if (!value.is_boolean()) return std::unexpected(FieldError{path, "must be true or false"});
  out = value.get<bool>();
  return {};
}

Parsed decode(const json& value, Role& out, const std::string& path) {
  return decodeEnum(value, out, path, std::array{Role::User, Role::Assistant, Role::System});
}

Parsed decode(const json& value, RecordStatus& out, const std::string& path) {
  return decodeEnum(value, out, path,
                    std::array{RecordStatus::Complete, RecordStatus::Streaming, RecordStatus::Interrupted,
                               RecordStatus::Failed});
}

Parsed forEachElement(const json& value, const std::string& path, std::size_t max,
                      const std::function<Parsed(const json&, const std::string&)>& each) {
  if (!value.is_array()) return std::unexpected(FieldError{path, "must be an array"});
  if (value.size() > max)
    return std::unexpected(FieldError{path, "must hold at most " + std::to_string(max) + " items"});
  for (std::size_t i = 0; i < value.size(); ++i)
    if (auto r = each(value[i], indexPath(path, i)); !r) return r;
  return {};
}

// ---- Fields -------------------------------------------------------------------

Fields::Fields(const json& value, std::string path, Naming naming, bool nullIsEmpty)
    : path_(std::move(path)), naming_(naming) {
  if (value.is_object())
    object_ = &value;
  else if (!(value.is_null() && nullIsEmpty))
    error_ = FieldError{path_, "must be an object"};
}

const json* Fields::find(std::string_view key) const {
  if (!object_) return nullptr;
  auto it = object_->find(keyFor(naming_, key));
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

std::string Fields::pathOf(std::string_view key) const {
  return joinPath(path_, keyFor(naming_, key));
}

Fields& Fields::fail(std::string_view key, std::string problem) {
  if (ok()) error_ = FieldError{pathOf(key), std::move(problem)};
  return *this;
}

Parsed Fields::result() const {
  if (error_) return std::unexpected(*error_);
  return {};
}

Fields& Fields::timestamp(std::string_view key, Timestamp& out, bool isRequired) {
  if (!ok()) return *this;
  const json* value = find(key);
  if (!value) return isRequired ? fail(key, "is required") : *this;
  std::optional<Timestamp> parsed;
  if (value->is_string()) parsed = parseTimestamp(value->get_ref<const std::string&>());
  if (!parsed) return fail(key, "must be an RFC 3339 timestamp such as 2026-11-25T08:40:00.123Z");
  out = *parsed;
  return *this;
}

Fields& Fields::timestamp(std::string_view key, std::optional<Timestamp>& out) {
  Timestamp value = 0;
  if (!find(key)) return *this;
  timestamp(key, value, true);
  if (ok()) out = value;
  return *this;
}

Fields& Fields::integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max,
                        bool isRequired) {
  if (!ok()) return *this;
  const json* value = find(key);
  if (!value) return isRequired ? fail(key, "is required") : *this;
  std::int64_t number = 0;
  if (!decode(*value, number, pathOf(key)) || number < min || number > max) return fail(key, rangeProblem(min, max));
  out = number;
  return *this;
}

Fields& Fields::integer(std::string_view key, std::optional<std::int64_t>& out, std::int64_t min,
                        std::int64_t max) {
  std::int64_t value = 0;
  if (!find(key)) return *this;
  integer(key, value, min, max, true);
  if (ok()) out = value;
  return *this;
}

Fields& Fields::metadata(std::string_view key, std::string& out) {
  std::optional<std::string> text;
  metadata(key, text);
  if (text) out = std::move(*text);
  return *this;
}

Fields& Fields::metadata(std::string_view key, std::optional<std::string>& out) {
  if (!ok()) return *this;
  const json* value = find(key);
  if (!value) return *this;
  if (!value->is_object()) return fail(key, "must be an object");
  // Bounded so that every reply and export carrying it can be read back.
  if (nestingDepth(*value) > kMaxValueDepth)
    return fail(key, "is nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
  out = value->dump(-1, ' ', false, json::error_handler_t::replace);
  return *this;
}

Fields& Fields::with(std::string_view key, bool isRequired,
                     const std::function<Parsed(const json&, const std::string&)>& read) {
  if (!ok()) return *this;
  const json* value = find(key);
  if (!value) return isRequired ? fail(key, "is required") : *this;
  if (auto r = read(*value, pathOf(key)); !r) error_ = r.error();
  return *this;
}

}  // namespace aieditor::protocol::detail
