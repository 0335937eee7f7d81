// JSON conversion of search/query's and session/rename's wire types.
#include "aieditor/protocol/Search.h"

#include <array>
#include <nlohmann/json.hpp>

#include "Fields.h"

namespace aieditor::protocol {

using detail::Fields;
using detail::Naming;
using detail::Problem;

namespace {

constexpr std::array kKinds = {SearchKind::Message, SearchKind::Component, SearchKind::Session};

Parsed decodeKind(const json& value, SearchKind& out, const std::string& path) {
  for (SearchKind kind : kKinds)
    if (value.is_string() && value.get_ref<const std::string&>() == toString(kind)) {
      out = kind;
      return {};
    }
  return std::unexpected(FieldError{path, "must be one of message, component, session"});
}

Problem checkQuery(const std::string& query) {
  if (query.size() <= kMaxSearchQueryBytes) return std::nullopt;
  return "must be at most " + std::to_string(kMaxSearchQueryBytes) + " bytes";
}

Problem checkTitle(const std::string& title) {
  if (title.empty()) return "must not be empty";
  if (title.find_first_of("\r\n") != std::string::npos) return "must be one line";
  std::size_t chars = 0;
  for (const char c : title) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (chars > kMaxTitleChars) return "must be at most " + std::to_string(kMaxTitleChars) + " characters";
  return std::nullopt;
}

}  // namespace

std::string_view toString(SearchKind kind) {
  switch (kind) {
    case SearchKind::Message:
      return "message";
    case SearchKind::Component:
      return "component";
    case SearchKind::Session:
      return "session";
  }
  return "message";
}

Parsed fromJSON(const json& value, SearchQueryParams& out, const std::string& path) {
  SearchQueryParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("query", p.query, checkQuery)
      .optional("sessionId", p.sessionId, detail::checkSessionId)
      .with("kinds", false,
            [&](const json& kinds, const std::string& at) -> Parsed {
              if (kinds.is_array() && kinds.empty()) return std::unexpected(FieldError{at, "must not be empty"});
              return detail::decodeArray(kinds, p.kinds, at, decodeKind, kKinds.size() * 4);
            })
      .integer("limit", p.limit, 1, detail::kMaxLimit)
      .optional("cursor", p.cursor);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const SearchHit& hit) {
  json j = {{"sessionId", hit.sessionId}, {"sessionTitle", hit.sessionTitle},
            {"kind", toString(hit.kind)}, {"id", hit.id},
            {"snippet", hit.snippet},     {"createdAt", formatTimestamp(hit.createdAt)}};
  if (hit.role) j["role"] = toString(*hit.role);
  if (hit.componentVersion) j["componentVersion"] = *hit.componentVersion;
  return j;
}

json toJSON(const SearchQueryResult& r) {
  json hits = json::array();
  for (const SearchHit& hit : r.hits) hits.push_back(toJSON(hit));
  json j = {{"hits", std::move(hits)}};
  if (r.nextCursor) j["nextCursor"] = *r.nextCursor;
  return j;
}

Parsed fromJSON(const json& value, SessionRenameParams& out, const std::string& path) {
  SessionRenameParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, detail::checkSessionId).required("title", p.title);
  p.title = std::string(detail::trim(p.title));
  if (f.ok())
    if (auto problem = checkTitle(p.title)) f.fail("title", std::move(*problem));
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const SessionRenameResult& r) { return json{{"session", toJSON(r.session)}}; }

}  // namespace aieditor::protocol
