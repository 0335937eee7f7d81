// Store internals: full-text search and renaming. The index (three FTS5
// tables kept by triggers) is described in StoreSchema.cpp, the statements
// in StoreStatements.h.
//
// A page is in (score, time DESC, kind, doc) order: bm25 first (lower is
// better), the newest first among equal scores, then the kind and the
// content row's rowid, which make every hit's place unique. Each kind's
// statement returns its first limit + 1 hits after the cursor; merged, the
// first `limit` are the page and the last of them is the next cursor, so a
// later page starts exactly after it. bm25 depends on the whole corpus (how
// many rows, how long, how many match each term), which every write
// changes: the first page takes those statistics once per kind
// (bm25_corpus) and scores with them (bm25_frozen), and the cursor carries
// them, so a row scores exactly the same on every page whatever is written
// between them, and no hit is repeated or skipped. The cursor also carries
// the last score exactly (a double written in hex). Rows written after the
// first page may appear on later pages, at their place.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "store/FtsQuery.h"
#include "store/StoreImpl.h"
#include "store/StoreStatements.h"

namespace aieditor::server {

using namespace store_detail;
using protocol::SearchKind;

namespace {

constexpr std::size_t kKinds = 3;

/// Where a search page starts: after this hit's place in the order, with
/// the statistics each kind scores with ("" for a kind with no match).
struct SearchCursor {
  double score = 0;
  Timestamp at = 0;
  std::int64_t kind = 0;
  std::int64_t doc = 0;
  std::array<std::string, kKinds> corpus;
};

std::int64_t kindOrder(SearchKind kind) { return static_cast<std::int64_t>(kind); }

/// base64url("<score in hex>|<time>|<kind>|<doc>|<corpus>|<corpus>|<corpus>").
std::string encodeSearchCursor(const SearchRow& last, const std::array<std::string, kKinds>& corpus) {
  char score[64];
  const auto written = std::to_chars(score, score + sizeof score, last.score, std::chars_format::hex);
  std::string text = std::string(score, written.ptr) + "|" + std::to_string(last.hit.createdAt) + "|" +
                     std::to_string(kindOrder(last.hit.kind)) + "|" + std::to_string(last.doc);
  for (const std::string& statistics : corpus) text += "|" + statistics;
  return base64url(text);
}

Res<SearchCursor> decodeSearchCursor(const std::string& text, int phrases) {
  const auto invalid = [] { return fail(Kind::Invalid, "not a cursor from search/query"); };
  const auto raw = unbase64url(text);
  if (!raw) return invalid();
  // Seven fields: split at every '|'.
  std::vector<std::string_view> fields;
  for (std::string_view rest = *raw;;) {
    const auto bar = rest.find('|');
    fields.push_back(rest.substr(0, bar));
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  if (fields.size() != 4 + kKinds) return invalid();
  const auto number = [](std::string_view field, auto& into, auto... format) {
    const auto [stop, ec] = std::from_chars(field.data(), field.data() + field.size(), into, format...);
    return ec == std::errc() && stop == field.data() + field.size();
  };
  SearchCursor cursor;
  if (!number(fields[0], cursor.score, std::chars_format::hex) || !number(fields[1], cursor.at) ||
      !number(fields[2], cursor.kind) || !number(fields[3], cursor.doc) || cursor.kind < 0 ||
      cursor.kind >= static_cast<std::int64_t>(kKinds))
    return invalid();
  for (std::size_t k = 0; k < kKinds; ++k) {
    cursor.corpus[k] = fields[4 + k];
    if (!cursor.corpus[k].empty() && !sqlite::fitsFrozenBm25(cursor.corpus[k], phrases)) return invalid();
  }
  return cursor;
}

bool searches(const SearchRequest& request, SearchKind kind) {
  return request.kinds.empty() || std::find(request.kinds.begin(), request.kinds.end(), kind) != request.kinds.end();
}

auto place(const SearchRow& row) {
  return std::make_tuple(row.score, -row.hit.createdAt, kindOrder(row.hit.kind), row.doc);
}

}  // namespace

StoreResult<SearchPage> Store::search(const SearchRequest& request) {
  return impl_->read([&]() -> Res<SearchPage> {
    if (request.limit < 1) return fail(Kind::Invalid, "limit: must be at least 1");
    const FtsQuery match = ftsQuery(request.query);
    std::optional<SearchCursor> after;
    if (request.cursor) {
      auto decoded = decodeSearchCursor(*request.cursor, match.phrases);
      if (!decoded) return std::unexpected(decoded.error());
      after = std::move(*decoded);
    }
    SearchPage page;
    if (match.text.empty()) return page;  // nothing searchable was typed
    const std::int64_t fetch = std::min(request.limit, kMaxLimit) + 1;
    std::array<std::string, kKinds> corpus;
    std::vector<SearchRow> rows;
    for (const auto& [kind, corpusSql, sql] : {std::tuple{SearchKind::Message, kMessagesCorpus, kSearchMessages},
                                               std::tuple{SearchKind::Component, kComponentsCorpus, kSearchComponents},
                                               std::tuple{SearchKind::Session, kTitlesCorpus, kSearchTitles}}) {
      if (!searches(request, kind)) continue;
      std::string& statistics = corpus[static_cast<std::size_t>(kindOrder(kind))];
      if (after) {
        statistics = after->corpus[static_cast<std::size_t>(kindOrder(kind))];
      } else {
        auto taken = selectOne(impl_->db, corpusSql, readString, match.text);
        if (!taken) return std::unexpected(taken.error());
        statistics = taken->value_or("");
      }
      if (statistics.empty()) continue;  // nothing of this kind matched on the first page
      const auto score = after ? std::optional(after->score) : std::nullopt;
      auto found = select(impl_->db, sql, readSearchRow, match.text, request.sessionId, score, after ? after->at : 0,
                          after ? after->kind : 0, after ? after->doc : 0, fetch, statistics);
      if (!found) return std::unexpected(found.error());
      for (SearchRow& row : *found) {
        row.hit.kind = kind;
        rows.push_back(std::move(row));
      }
    }
    std::sort(rows.begin(), rows.end(), [](const SearchRow& a, const SearchRow& b) { return place(a) < place(b); });
    if (static_cast<std::int64_t>(rows.size()) > request.limit) {
      rows.resize(static_cast<std::size_t>(request.limit));
      page.nextCursor = encodeSearchCursor(rows.back(), corpus);
    }
    for (SearchRow& row : rows) page.hits.push_back(std::move(row.hit));
    return page;
  });
}

StoreResult<Session> Store::renameSession(const std::string& id, const std::string& title) {
  return impl_->write([&]() -> Res<Session> {
    if (auto renamed = execute(impl_->db, kRenameSession, id, title); !renamed) return std::unexpected(renamed.error());
    if (impl_->db.changes() == 0) return fail(Kind::NotFound, "no session '" + id + "'");
    auto session = selectOne(impl_->db, kFindSession, readSession, id);
    if (!session) return std::unexpected(session.error());
    if (!*session) return fail(Kind::NotFound, "no session '" + id + "'");
    return std::move(**session);
  });
}

}  // namespace aieditor::server
