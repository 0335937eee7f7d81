// Wire types of search and renaming (docs/protocol.md: search/query,
// session/rename), beside Protocol.h's: one struct per type with its JSON
// conversion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "aieditor/protocol/Protocol.h"

namespace aieditor::protocol {

/// What a hit is: a message, a component (one of its versions) or a session (its title).
enum class SearchKind { Message, Component, Session };
std::string_view toString(SearchKind);

/// The longest query searched; a longer one is refused by name.
inline constexpr std::size_t kMaxSearchQueryBytes = 16 * 1024;
/// The longest title session/rename takes, in characters (after trimming).
inline constexpr std::size_t kMaxTitleChars = 200;

struct SearchQueryParams {
  std::string query;                     ///< words, "exact phrases", prefix*
  std::optional<std::string> sessionId;  ///< only this session
  std::vector<SearchKind> kinds;         ///< empty: every kind
  std::int64_t limit = 20;
  std::optional<std::string> cursor;  ///< a previous reply's nextCursor
};
Parsed fromJSON(const json&, SearchQueryParams&, const std::string& path);

struct SearchHit {
  std::string sessionId;
  std::string sessionTitle;
  SearchKind kind = SearchKind::Message;
  std::string id;                                ///< the message's or component's id; the session's for a title
  std::optional<Role> role;                      ///< messages
  std::optional<std::int64_t> componentVersion;  ///< components: the newest version that matched
  std::string snippet;                           ///< the matching text, matches between « and »
  Timestamp createdAt = 0;
};
json toJSON(const SearchHit&);

struct SearchQueryResult {
  std::vector<SearchHit> hits;
  std::optional<std::string> nextCursor;
};
json toJSON(const SearchQueryResult&);

struct SessionRenameParams {
  std::string sessionId;
  std::string title;  ///< trimmed; 1 to kMaxTitleChars characters on one line
};
Parsed fromJSON(const json&, SessionRenameParams&, const std::string& path);

struct SessionRenameResult {
  Session session;
};
json toJSON(const SessionRenameResult&);

}  // namespace aieditor::protocol
