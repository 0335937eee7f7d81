// What the backend benchmark found: the report's input.
#pragma once

#include <string>
#include <vector>

#include "fanout.h"
#include "load.h"

namespace bench {

/// One client count on one storage, measured in turn.
struct Level {
  int clients = 0;
  Load post;    ///< POST /api/sessions/:id/messages through the backend
  Load floor;   ///< the same row, inserted and committed directly into the same storage
  Load health;  ///< GET /healthz (an empty handler); measured on the SQLite run only
  Load direct;  ///< Storage::addMessage called in this process: the POST's storage work without HTTP
};

struct StorageRun {
  std::string engine;  ///< "SQLite" or "PostgreSQL"
  std::string detail;  ///< how the storage was set up
  std::vector<Level> levels;
  std::string error;   ///< why it did not run (or stopped)
  std::string notRun;  ///< why it was left out, when it was
};

struct BackendResults {
  StorageRun sqlite, postgres;
  FanOut fanOut;
  std::string version;  ///< aieditor-backend --version
  std::size_t bodyBytes = 0;     ///< a POST's body
  std::size_t storedBytes = 0;   ///< the stored record's JSON (the floor's row body)
};

}  // namespace bench
