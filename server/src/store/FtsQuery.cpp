// Store internals: turning search text into an FTS5 query (FtsQuery.h).
#include "store/FtsQuery.h"

#include <vector>

namespace aieditor::server::store_detail {

namespace {

struct Term {
  std::string_view text;
  bool prefix = false;
};

/// Whitespace, controls and NUL split terms.
bool isSeparator(char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; }

/// Whether the tokenizer (unicode61) finds a token in `text`: an ASCII
/// letter or digit, or any non-ASCII character (most are letters). A term
/// without one would be an empty phrase, which matches nothing.
bool hasToken(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 || (byte >= '0' && byte <= '9') || ((byte | 0x20) >= 'a' && (byte | 0x20) <= 'z')) return true;
  }
  return false;
}

std::vector<Term> terms(std::string_view text) {
  std::vector<Term> found;
  std::size_t i = 0;
  while (i < text.size() && found.size() < kMaxSearchTerms) {
    if (isSeparator(text[i])) {
      ++i;
      continue;
    }
    if (text[i] == '"') {
      // A phrase runs to the next quote; a quote with none after it is a separator.
      const std::size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos) {
        ++i;
        continue;
      }
      Term term{text.substr(i + 1, close - i - 1)};
      i = close + 1;
      if (i < text.size() && text[i] == '*') term.prefix = true;
      while (i < text.size() && text[i] == '*') ++i;
      found.push_back(term);
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && !isSeparator(text[i]) && text[i] != '"') ++i;
    Term term{text.substr(start, i - start)};
    while (!term.text.empty() && term.text.back() == '*') {
      term.text.remove_suffix(1);
      term.prefix = true;
    }
    found.push_back(term);
  }
  return found;
}

}  // namespace

FtsQuery ftsQuery(std::string_view text) {
  FtsQuery result;
  std::string& query = result.text;
  for (const Term& term : terms(text)) {
    if (!hasToken(term.text)) continue;
    ++result.phrases;
    if (!query.empty()) query += ' ';
    query += '"';
    for (const char c : term.text) {
      if (c == '"') query += '"';  // FTS5 escapes a quote by doubling it
      query += isSeparator(c) ? ' ' : c;
    }
    query += '"';
    if (term.prefix) query += '*';
  }
  return result;
}

}  // namespace aieditor::server::store_detail
