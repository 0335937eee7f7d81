// The machine's floor for a durable round trip, on the same disk as the
// servers' files: a C++ echo over a pipe (same framing, same request), one
// SQLite INSERT+COMMIT (WAL, synchronous=FULL, warmed up: its WAL has wrapped
// once, so commits overwrite it instead of growing it), and, as the disk's own
// minimum, one fdatasync of a 200-byte overwrite (no size change, so no
// metadata to write). A sample takes one of each, so the floor can be
// interleaved with a measurement and see the same disk: a virtual or shared
// disk's latency drifts within a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config.h"
#include "process.h"
#include "results.h"

struct sqlite3;
struct sqlite3_stmt;

namespace bench {

class FloorProbe {
 public:
  explicit FloorProbe(const Config& cfg);
  ~FloorProbe();
  FloorProbe(const FloorProbe&) = delete;
  FloorProbe& operator=(const FloorProbe&) = delete;

  /// One sample of each floor.
  void sample(Floors& f);

 private:
  void commitOne();

  std::string work_;
  int warmup_;
  std::optional<Child> echo_;
  int fd_ = -1;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::int64_t id_ = 1;
  long n_ = 0;
};

/// The floors at the start of the run.
Floors measureFloors(const Config& cfg);

}  // namespace bench
