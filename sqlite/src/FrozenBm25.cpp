// FTS5 ranking whose corpus statistics are taken once and then held: bm25 as
// FTS5's own computes it (k1 = 1.2, b = 0.75, every column weighted 1), but
// with the row count, the token count and each phrase's number of matching
// rows given as an argument instead of read from the index at each query.
// Search pages keep those numbers in their cursor, so a row scores the same
// on every page even while others write (FTS5's bm25 would shift with every
// row added or deleted, and a page boundary could repeat or skip hits).
//
//   bm25_corpus(table)        the statistics for this MATCH: "rows:tokens:n1,n2,..."
//   bm25_frozen(table, text)  the score (lower is better) under those statistics
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aieditor/sqlite/Sqlite.h"

namespace aieditor::server::sqlite {

namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

/// The statistics parsed, as bm25 uses them: each phrase's IDF and the mean row length.
struct Weights {
  std::vector<double> idf;
  double meanTokens = 1;
};

int countRow(const Fts5ExtensionApi*, Fts5Context*, void* rows) {
  ++*static_cast<sqlite3_int64*>(rows);
  return SQLITE_OK;
}

void corpus(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  std::string text = std::to_string(rows) + ":" + std::to_string(tokens) + ":";
  for (int phrase = 0; rc == SQLITE_OK && phrase < api->xPhraseCount(fts); ++phrase) {
    sqlite3_int64 matching = 0;
    rc = api->xQueryPhrase(fts, phrase, &matching, countRow);
    text += (phrase ? "," : "") + std::to_string(matching);
  }
  if (rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

/// A count of the statistics; nullopt unless it is all digits.
std::optional<std::int64_t> count(std::string_view text) {
  std::int64_t n = 0;
  const auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || stop != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

/// "rows:tokens:n1,n2,..." with one count per phrase; nullptr when it is not that.
std::unique_ptr<Weights> parse(std::string_view text, int phrases) {
  const auto first = text.find(':');
  const auto second = text.find(':', first == std::string_view::npos ? first : first + 1);
  if (second == std::string_view::npos) return nullptr;
  const auto rows = count(text.substr(0, first));
  const auto tokens = count(text.substr(first + 1, second - first - 1));
  if (!rows || !tokens || *rows < 1 || *tokens < 1) return nullptr;
  auto weights = std::make_unique<Weights>();
  weights->meanTokens = static_cast<double>(*tokens) / static_cast<double>(*rows);
  for (std::string_view rest = text.substr(second + 1);;) {
    const auto comma = rest.find(',');
    const auto hits = count(rest.substr(0, comma));
    if (!hits) return nullptr;
    // As FTS5's bm25: a phrase in most rows still counts a little.
    const double n = static_cast<double>(*rows), h = static_cast<double>(*hits);
    weights->idf.push_back(std::max(1e-6, std::log((n - h + 0.5) / (h + 0.5))));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (weights->idf.size() != static_cast<std::size_t>(phrases)) return nullptr;
  return weights;
}

void frozen(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* weights = static_cast<Weights*>(api->xGetAuxdata(fts, 0));
  if (!weights) {
    const auto* text = argc == 1 ? sqlite3_value_text(argv[0]) : nullptr;
    auto parsed = text ? parse(reinterpret_cast<const char*>(text), api->xPhraseCount(fts)) : nullptr;
    if (!parsed) return sqlite3_result_error(ctx, "bm25_frozen: the statistics do not fit this query", -1);
    weights = parsed.get();
    if (const int rc = api->xSetAuxdata(fts, parsed.release(), [](void* w) { delete static_cast<Weights*>(w); });
        rc != SQLITE_OK)
      return sqlite3_result_error_code(ctx, rc);
  }
  std::vector<double> frequency(weights->idf.size());
  int instances = 0;
  if (const int rc = api->xInstCount(fts, &instances); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  for (int i = 0; i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    if (const int rc = api->xInst(fts, i, &phrase, &column, &offset); rc != SQLITE_OK)
      return sqlite3_result_error_code(ctx, rc);
    frequency[static_cast<std::size_t>(phrase)] += 1;
  }
  int tokens = 0;
  if (const int rc = api->xColumnSize(fts, -1, &tokens); rc != SQLITE_OK) return sqlite3_result_error_code(ctx, rc);
  const double lengthFactor = kK1 * (1 - kB + kB * tokens / weights->meanTokens);
  double score = 0;
  for (std::size_t p = 0; p < frequency.size(); ++p)
    score += weights->idf[p] * frequency[p] * (kK1 + 1) / (frequency[p] + lengthFactor);
  sqlite3_result_double(ctx, -score);
}

}  // namespace

bool fitsFrozenBm25(std::string_view statistics, int phrases) { return parse(statistics, phrases) != nullptr; }

Result<void> Connection::addFrozenBm25() {
  fts5_api* api = nullptr;
  sqlite3_stmt* statement = nullptr;
  // The documented way to FTS5's API: a pointer bound to SELECT fts5(?1).
  if (sqlite3_prepare_v2(db_.get(), "SELECT fts5(?1)", -1, &statement, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(statement, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(statement);
  }
  sqlite3_finalize(statement);
  if (!api || api->iVersion < 2)
    return std::unexpected(Error{SQLITE_ERROR, "this SQLite library was built without FTS5"});
  using Function = fts5_extension_function;
  for (const auto& [name, function] : {std::pair<const char*, Function>{"bm25_corpus", corpus},
                                       std::pair<const char*, Function>{"bm25_frozen", frozen}})
    if (const int rc = api->xCreateFunction(api, name, nullptr, function, nullptr); rc != SQLITE_OK)
      return std::unexpected(lastError(rc));
  return {};
}

}  // namespace aieditor::server::sqlite
