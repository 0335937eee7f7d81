// One page of the backend's change log (GET /api/changes), read from its
// JSON into the store's PulledChange records.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "store/Store.h"

namespace aieditor::server {

struct ChangesPage {
  std::vector<PulledChange> changes;
  std::int64_t next = 0;  ///< the `since` of the next page
  bool hasMore = false;
  std::int64_t latest = 0;  ///< the user's latest seq on the backend
};

/// The page in `body`; the error names the field and what is wrong with it.
std::expected<ChangesPage, std::string> readChangesPage(const std::string& body);

}  // namespace aieditor::server
