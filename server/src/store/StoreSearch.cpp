// Store internals: full-text search and renaming. The index (three FTS5
// tables kept by triggers) is described in StoreSchema.cpp, the statements
// in StoreStatements.h.
//
// A page is in (score, time DESC, kind, doc) order: bm25 first (lower is
// better), the newest first among equal scores, then the kind and the
// content row's rowid, which make every hit's place unique. Each kind's
// statement returns its first limit + 1 hits after the cursor; merged, the
// first `limit` are the page and the last of them is the next cursor, so a
// later page starts exactly after it: nothing is repeated or skipped while
// the data stays the same. The cursor carries the score exactly (a double
// written in hex), so the comparison with the next page's scores is exact.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <tuple>

#include "store/FtsQuery.h"
#include "store/StoreImpl.h"
#include "store/StoreStatements.h"

namespace aieditor::server {

using namespace store_detail;
using protocol::SearchKind;

namespace {

/// Where a search page starts: after this hit's place in the order.
struct SearchCursor {
  double score = 0;
  Timestamp at = 0;
  std::int64_t kind = 0;
  std::int64_t doc = 0;
};

std::int64_t kindOrder(SearchKind kind) { return static_cast<std::int64_t>(kind); }

/// base64url("<score in hex>|<time>|<kind>|<doc>").
std::string encodeSearchCursor(const SearchRow& last) {
  char score[64];
  const auto written = std::to_chars(score, score + sizeof score, last.score, std::chars_format::hex);
  return base64url(std::string(score, written.ptr) + "|" + std::to_string(last.hit.createdAt) + "|" +
                   std::to_string(kindOrder(last.hit.kind)) + "|" + std::to_string(last.doc));
}

Res<SearchCursor> decodeSearchCursor(const std::string& text) {
  const auto invalid = [] { return fail(Kind::Invalid, "not a cursor from search/query"); };
  const auto raw = unbase64url(text);
  if (!raw) return invalid();
  SearchCursor cursor;
  const char* p = raw->data();
  const char* end = p + raw->size();
  const auto field = [&](auto& into, auto... format) {
    const char* bar = std::find(p, end, '|');
    const auto [stop, ec] = std::from_chars(p, bar, into, format...);
    if (ec != std::errc() || stop != bar) return false;
    p = bar == end ? end : bar + 1;
    return true;
  };
  if (!field(cursor.score, std::chars_format::hex) || !field(cursor.at) || !field(cursor.kind) ||
      !field(cursor.doc) || p != end || cursor.kind < 0 || cursor.kind > kindOrder(SearchKind::Session))
    return invalid();
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
    std::optional<SearchCursor> after;
    if (request.cursor) {
      auto decoded = decodeSearchCursor(*request.cursor);
      if (!decoded) return std::unexpected(decoded.error());
      after = *decoded;
    }
    SearchPage page;
    const std::string match = ftsQuery(request.query);
    if (match.empty()) return page;  // nothing searchable was typed
    const std::int64_t fetch = std::min(request.limit, kMaxLimit) + 1;
    std::vector<SearchRow> rows;
    for (const auto& [kind, sql] : {std::pair{SearchKind::Message, kSearchMessages},
                                    std::pair{SearchKind::Component, kSearchComponents},
                                    std::pair{SearchKind::Session, kSearchTitles}}) {
      if (!searches(request, kind)) continue;
      const auto score = after ? std::optional(after->score) : std::nullopt;
      auto found = select(impl_->db, sql, readSearchRow, match, request.sessionId, score, after ? after->at : 0,
                          after ? after->kind : 0, after ? after->doc : 0, fetch);
      if (!found) return std::unexpected(found.error());
      for (SearchRow& row : *found) {
        row.hit.kind = kind;
        rows.push_back(std::move(row));
      }
    }
    std::sort(rows.begin(), rows.end(), [](const SearchRow& a, const SearchRow& b) { return place(a) < place(b); });
    if (static_cast<std::int64_t>(rows.size()) > request.limit) {
      rows.resize(static_cast<std::size_t>(request.limit));
      page.nextCursor = encodeSearchCursor(rows.back());
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
