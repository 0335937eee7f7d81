// Store internals: running one statement. Each helper takes a cached
// prepared statement, binds `args` in order (?1, ?2, ...) and steps it;
// select/selectOne turn each row into a value with a row reader
// (StoreCodecs.h). They run inside whatever transaction the caller holds.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "store/StoreCodecs.h"
#include "store/StoreFailure.h"
#include "aieditor/sqlite/Sqlite.h"

namespace aieditor::server::store_detail {

/// Runs a statement that returns no rows.
template <class... Args>
Res<void> execute(sqlite::Connection& db, std::string_view sql, const Args&... args) {
  auto statement = db.prepared(sql);
  if (!statement) return std::unexpected(statement.error());
  auto use = (*statement)->use();
  (use(args), ...);
  if (auto done = use.exec(); !done) return std::unexpected(done.error());
  return {};
}

/// Every row, read by `reader`.
template <class T, class... Args>
Res<std::vector<T>> select(sqlite::Connection& db, std::string_view sql, Res<T> (*reader)(const Row&),
                           const Args&... args) {
  auto statement = db.prepared(sql);
  if (!statement) return std::unexpected(statement.error());
  auto use = (*statement)->use();
  (use(args), ...);
  std::vector<T> rows;
  for (;;) {
    auto more = use.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) return rows;
    auto row = reader(use);
    if (!row) return std::unexpected(row.error());
    rows.push_back(std::move(*row));
  }
}

/// The first row, read by `reader`; nullopt when there is none.
template <class T, class... Args>
Res<std::optional<T>> selectOne(sqlite::Connection& db, std::string_view sql, Res<T> (*reader)(const Row&),
                                const Args&... args) {
  auto statement = db.prepared(sql);
  if (!statement) return std::unexpected(statement.error());
  auto use = (*statement)->use();
  (use(args), ...);
  auto more = use.next();
  if (!more) return std::unexpected(more.error());
  if (!*more) return std::optional<T>();
  auto row = reader(use);
  if (!row) return std::unexpected(row.error());
  return std::optional<T>(std::move(*row));
}

}  // namespace aieditor::server::store_detail
