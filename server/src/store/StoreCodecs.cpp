// Store internals: the codecs between values and columns or rows (see
// StoreCodecs.h). Pure functions: nothing here touches a connection.
#include "store/StoreCodecs.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

namespace aieditor::server::store_detail {

namespace {

using protocol::Image;
using protocol::RecordStatus;
using protocol::Role;
using protocol::Usage;

constexpr std::array<std::pair<Role, std::string_view>, 3> kRoles = {
    {{Role::User, "user"}, {Role::Assistant, "assistant"}, {Role::System, "system"}}};
constexpr std::array<std::pair<RecordStatus, std::string_view>, 4> kStatuses = {
    {{RecordStatus::Complete, "complete"},
     {RecordStatus::Streaming, "streaming"},
     {RecordStatus::Interrupted, "interrupted"},
     {RecordStatus::Failed, "failed"}}};

template <class E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table)
    if (e == value) return name;
  return table[0].second;
}

template <class E, std::size_t N>
Res<E> parseName(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text,
                 std::string_view column) {
  for (const auto& [e, name] : table)
    if (name == text) return e;
  return fail(Kind::Storage, "corrupt database: unknown " + std::string(column) + " '" + std::string(text) + "'");
}

}  // namespace

// ---- Cursors: base64url ------------------------------------------------------------

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) out += kBase64[(buffer >> (bits -= 6)) & 0x3F];
  }
  if (bits > 0) out += kBase64[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> unbase64url(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto value = kBase64.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) out += static_cast<char>((buffer >> (bits -= 8)) & 0xFF);
  }
  return out;
}

// ---- Columns -------------------------------------------------------------------

std::string_view roleName(Role role) { return nameOf(kRoles, role); }

std::string_view statusName(RecordStatus status) { return nameOf(kStatuses, status); }

Res<std::string> imagesToText(const std::vector<Image>& images) {
  auto array = nlohmann::json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto element = protocol::toJSON(images[i]);
    // Checked the way imagesFromText reads it, so nothing is stored that
    // would later read as a corrupt database.
    Image readBack;
    if (auto valid = protocol::fromJSON(element, readBack, "images[" + std::to_string(i) + "]"); !valid)
      return fail(Kind::Invalid, valid.error().message());
    array.push_back(std::move(element));
  }
  // `replace` instead of throwing on invalid UTF-8: the store must not throw.
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Res<std::vector<Image>> imagesFromText(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array()) return fail(Kind::Storage, "corrupt database: messages.images is not a JSON image list");
  std::vector<Image> images(parsed.size());
  for (std::size_t i = 0; i < images.size(); ++i)
    if (auto read = protocol::fromJSON(parsed[i], images[i], "messages.images[" + std::to_string(i) + "]"); !read)
      return fail(Kind::Storage, "corrupt database: " + read.error().message());
  return images;
}

std::string titleFrom(std::string_view content) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  constexpr std::size_t kMaxChars = 60;
  const auto trim = [&](std::string_view s) {
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return std::string_view();
    return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
  };
  std::string_view line = trim(content);
  line = trim(line.substr(0, line.find('\n')));
  std::size_t end = 0;
  std::size_t chars = 0;
  while (end < line.size()) {
    // Count lead bytes only, so a multi-byte character is never split.
    if ((static_cast<unsigned char>(line[end]) & 0xC0) != 0x80 && chars++ == kMaxChars) break;
    ++end;
  }
  return std::string(trim(line.substr(0, end)));
}

// ---- Session cursors -------------------------------------------------------------

std::string encodeCursor(const ListedSession& last) {
  return base64url(std::to_string(last.orderedAt) + "|" + last.summary.session.id);
}

Res<Cursor> decodeCursor(const std::optional<std::string>& text) {
  if (!text) return Cursor{};
  const auto invalid = [] { return fail(Kind::Invalid, "cursor: not a cursor from session/list"); };
  const auto raw = unbase64url(*text);
  if (!raw) return invalid();
  const auto bar = raw->find('|');
  if (bar == std::string::npos || bar + 1 == raw->size()) return invalid();
  Cursor cursor;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + bar, cursor.updatedAt);
  if (ec != std::errc() || end != raw->data() + bar) return invalid();
  cursor.id = raw->substr(bar + 1);
  return cursor;
}

// ---- Paths ---------------------------------------------------------------------

std::optional<std::filesystem::path> databaseFile(const std::string& path) {
  if (path.empty() || path == ":memory:") return std::nullopt;
  if (!path.starts_with("file:")) return std::filesystem::path(path);
  std::string_view rest = std::string_view(path).substr(5);
  const auto query = rest.find_first_of("?#");
  const std::string_view params = query == std::string_view::npos ? "" : rest.substr(query);
  rest = rest.substr(0, query);
  if (params.find("mode=memory") != std::string_view::npos) return std::nullopt;
  if (rest.starts_with("//")) {  // file://authority/path; SQLite takes only "" or localhost
    const auto slash = rest.find('/', 2);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  std::string decoded;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    int byte = 0;
    if (rest[i] == '%' && i + 2 < rest.size() &&
        std::from_chars(rest.data() + i + 1, rest.data() + i + 3, byte, 16).ptr == rest.data() + i + 3) {
      decoded += static_cast<char>(byte);
      i += 2;
    } else {
      decoded += rest[i];
    }
  }
  if (decoded.empty() || decoded == ":memory:") return std::nullopt;
  return std::filesystem::path(decoded);
}

// ---- Row readers ---------------------------------------------------------------

Res<std::int64_t> readInt(const Row& row) { return row.getInt(0); }

Res<std::optional<std::string>> readOptionalString(const Row& row) { return row.getOptionalString(0); }

Res<std::string> readString(const Row& row) { return row.getString(0); }

Res<Session> readSession(const Row& row) {
  return Session{row.getString(0), row.getString(1), row.getInt(2), row.getInt(3)};
}

Res<SessionPlace> readSessionPlace(const Row& row) {
  auto session = readSession(row);
  if (!session) return std::unexpected(session.error());
  return SessionPlace{std::move(*session), row.getInt(4) != 0};
}

Res<ListedSession> readListed(const Row& row) {
  return ListedSession{
      SessionSummary{Session{row.getString(0), row.getString(1), row.getInt(2), row.getInt(3)}, row.getInt(4),
                     row.getInt(5)},
      row.getInt(6)};
}

Res<Message> readMessage(const Row& row) {
  Message m;
  m.id = row.getString(0);
  m.sessionId = row.getString(1);
  auto role = parseName(kRoles, row.getString(2), "messages.role");
  if (!role) return std::unexpected(role.error());
  m.role = *role;
  m.content = row.getString(3);
  auto images = imagesFromText(row.getString(4));
  if (!images) return std::unexpected(images.error());
  m.images = std::move(*images);
  m.createdAt = row.getInt(5);
  auto status = parseName(kStatuses, row.getString(6), "messages.status");
  if (!status) return std::unexpected(status.error());
  m.status = *status;
  m.interactionId = row.getOptionalString(7);
  m.componentId = row.getOptionalString(8);
  return m;
}

Res<Interaction> readInteraction(const Row& row) {
  Interaction i;
  i.id = row.getString(0);
  i.sessionId = row.getString(1);
  i.prompt = row.getString(2);
  i.response = row.getString(3);
  i.provider = row.getString(4);
  i.model = row.getString(5);
  auto status = parseName(kStatuses, row.getString(6), "interactions.status");
  if (!status) return std::unexpected(status.error());
  i.status = *status;
  i.createdAt = row.getInt(7);
  i.durationMs = row.getInt(8);
  if (!row.isNull(9) || !row.isNull(10)) i.usage = Usage{row.getInt(9), row.getInt(10)};
  i.error = row.getOptionalString(11);
  i.metadata = row.getString(12);
  return i;
}

Res<Component> readComponent(const Row& row) {
  return Component{row.getString(0), row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                   row.getInt(5),    row.getInt(6),    row.getInt(7),    row.getString(8)};
}

Res<protocol::ComponentVersion> readComponentVersion(const Row& row) {
  using protocol::OriginKind;
  auto component = readComponent(row);
  if (!component) return std::unexpected(component.error());
  protocol::ComponentVersion entry{std::move(*component), {}, false};
  protocol::VersionOrigin& origin = entry.origin;
  const std::optional<std::string> stored = row.getOptionalString(9);
  const std::optional<std::string> prompt = row.getOptionalString(11);
  const bool newInteraction = !row.isNull(12) && row.getInt(12) != 0;
  // Before origins were kept (NULL): a version naming a reply's interaction
  // that the one before did not was made by that reply (a save keeps metadata).
  if (stored == "prompt" || (!stored && prompt && newInteraction))
    origin.kind = OriginKind::Prompt;
  else if (stored == "manual")
    origin.kind = OriginKind::Manual;
  else if (stored == "synced")
    origin.kind = OriginKind::Synced;
  else if (stored == "restored")
    origin.kind = OriginKind::Restored;
  if (origin.kind == OriginKind::Prompt && prompt) origin.prompt = titleFrom(*prompt);  // its first line, shortened
  if (origin.kind == OriginKind::Restored && !row.isNull(10)) origin.fromVersion = row.getInt(10);
  return entry;
}

Res<protocol::AppliedFile> readAppliedFile(const Row& row) {
  return protocol::AppliedFile{row.getString(0), row.getString(1), row.getInt(2), row.getInt(3)};
}

Res<SearchRow> readSearchRow(const Row& row) {
  SearchRow out;
  out.hit.sessionId = row.getString(0);
  out.hit.sessionTitle = row.getString(1);
  out.hit.id = row.getString(2);
  if (!row.isNull(3)) {
    auto role = parseName(kRoles, row.getString(3), "messages.role");
    if (!role) return std::unexpected(role.error());
    out.hit.role = *role;
  }
  out.hit.componentVersion = row.getOptionalInt(4);
  out.hit.snippet = row.getString(5);
  out.hit.createdAt = row.getInt(6);
  out.score = row.getDouble(7);
  out.doc = row.getInt(8);
  return out;
}

}  // namespace aieditor::server::store_detail
