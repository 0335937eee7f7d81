#include "floors.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include "requests.h"
#include "rounds.h"

namespace bench {

namespace fs = std::filesystem;

FloorProbe::FloorProbe(const Config& cfg) : work_(cfg.work), warmup_(cfg.floorWarmupCommits) {
  echo_ = Child::spawn({cfg.self, "--echo"}, {}, cfg.work + "/echo.stderr");
  fd_ = ::open((work_ + "/fdatasync.probe").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd_ >= 0) {  // allocated and synced once: the samples overwrite it
    const std::string block(4096, 'r');
    (void)!::write(fd_, block.data(), block.size());
    ::fsync(fd_);
  }
  std::string path = work_ + "/floor.db";
  for (auto suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  if (sqlite3_open(path.c_str(), &db_) == SQLITE_OK) {
    sqlite3_exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                      "CREATE TABLE m(seq INTEGER PRIMARY KEY, session_id TEXT, content TEXT)", nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db_, "INSERT INTO m(session_id, content) VALUES('floor', ?1)", -1, &insert_, nullptr);
    // Past the first checkpoint (1000 WAL pages, so 1,100 commits): from then
    // on the WAL is reused, the steady state. While a WAL grows, each sync
    // also writes the file's new size.
    for (int i = 0; i < warmup_ && insert_; ++i) commitOne();
  }
}

FloorProbe::~FloorProbe() {
  if (echo_) echo_->stop(false);
  if (fd_ >= 0) ::close(fd_);
  fs::remove(work_ + "/fdatasync.probe");
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
  for (auto suffix : {"", "-wal", "-shm"}) fs::remove(work_ + "/floor.db" + suffix);
}

void FloorProbe::sample(Floors& f) {
  if (echo_) {
    auto s = sequential(*echo_, 1, 0, id_, [](std::int64_t id, long i) { return addRequest(id, "floor", i); }, 10000);
    if (!s.ms.empty()) f.pipe.add(s.ms.v[0]);
  }
  if (fd_ >= 0) {
    static const std::string rec(200, 'r');
    (void)!::pwrite(fd_, rec.data(), rec.size(), 0);
    auto t0 = Clock::now();
    ::fdatasync(fd_);
    f.fdatasync.add(msSince(t0));
  }
  if (insert_) {
    auto t0 = Clock::now();
    commitOne();
    f.sqlite.add(msSince(t0));
  }
}

void FloorProbe::commitOne() {
  std::string c = content(n_++);
  sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  sqlite3_bind_text(insert_, 1, c.c_str(), static_cast<int>(c.size()), SQLITE_TRANSIENT);
  sqlite3_step(insert_);
  sqlite3_reset(insert_);
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
}

Floors measureFloors(const Config& cfg) {
  Floors floors;
  FloorProbe probe(cfg);
  for (int i = 0, n = cfg.smoke ? 100 : 1000; i < n; ++i) probe.sample(floors);
  return floors;
}

}  // namespace bench
