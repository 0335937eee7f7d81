// Store internals: the FTS5 query a user's search text stands for. The
// syntax users get is words, "exact phrases" and prefix*; every term is
// quoted for FTS5, so nothing typed (an unbalanced quote, a bare *, NEAR(,
// -, AND, SQL) is ever read as FTS5 syntax: it is searched as plain words.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aieditor::server::store_detail {

/// At most this many terms are searched; later ones are left out.
inline constexpr std::size_t kMaxSearchTerms = 64;

struct FtsQuery {
  std::string text;  ///< "" when nothing searchable was typed
  int phrases = 0;   ///< its terms: FTS5's phrases, one each
};

/// The FTS5 query matching every term of `text` (implicit AND), each a
/// quoted string (a phrase when quoted in `text`; a prefix when it ended
/// with *). Terms with no letter or digit are left out.
FtsQuery ftsQuery(std::string_view text);

}  // namespace aieditor::server::store_detail
