// The write-ahead log grows in zero-filled steps (sqlite/GrowingWalVfs.h):
// commits reuse the laid-out file, SQLite reads the zeros as the log's end,
// and no zeros ever land on frames another connection wrote.
#include <sys/resource.h>

#include <csignal>

#include "StoreTestSupport.h"

using namespace storetest;

namespace {

constexpr std::uintmax_t kStep = 4 << 20;

std::uintmax_t walSize(const std::string& db) { return std::filesystem::file_size(db + "-wal"); }

}  // namespace

TEST_CASE("the first commit lays the log out in zeros and later commits stay inside it") {
  TempDir dir;
  const auto path = dir.file("wal.db");
  auto store = openStore(path);
  ok(store->addMessage(message("s", "m0", "first")));
  CHECK(walSize(path) == kStep);
  // 300 messages are about 1,500 frames: the log wraps at its checkpoint
  // rather than outgrowing the step.
  for (int i = 1; i <= 300; ++i) ok(store->addMessage(message("s", "m" + std::to_string(i), "text")));
  CHECK(walSize(path) == kStep);
}

TEST_CASE("a database whose log ends in zeros opens with every commit, as after a crash") {
  TempDir dir;
  const auto path = dir.file("wal.db");
  const auto copy = dir.file("copy.db");
  auto store = openStore(path);
  for (int i = 0; i < 20; ++i) ok(store->addMessage(message("s", "m" + std::to_string(i), "text")));
  // The files as a crash would leave them: the log is not checkpointed.
  std::filesystem::copy_file(path, copy);
  std::filesystem::copy_file(path + "-wal", copy + "-wal");
  REQUIRE(walSize(copy) == kStep);
  RawDb raw(copy);
  CHECK(raw.text("PRAGMA integrity_check") == "ok");
  CHECK(raw.integer("SELECT count(*) FROM messages") == 20);
}

TEST_CASE("zeros go only past the last byte of the log, whoever wrote it") {
  TempDir dir;
  const auto path = dir.file("wal.db");
  auto store = openStore(path);
  ok(store->addMessage(message("s", "m0", "first")));
  REQUIRE(walSize(path) == kStep);

  // A reader holds its snapshot, so the log cannot wrap; another process
  // then appends frames far past the store's 4 MiB.
  RawDb reader(path);
  reader.exec("BEGIN");
  REQUIRE(reader.integer("SELECT count(*) FROM messages") == 1);
  RawDb other(path);
  other.exec("CREATE TABLE blobs (b BLOB)");
  other.exec("INSERT INTO blobs VALUES (randomblob(6000000))");
  const auto otherEnd = walSize(path);
  REQUIRE(otherEnd > kStep + (1 << 20));
  const auto sample = other.text("SELECT hex(substr(b, 5000000, 64)) FROM blobs");

  // The store's next frames follow the other process's; had it zero-filled
  // from where it last saw the end, the blob's frames would be zeros now.
  ok(store->addMessage(message("s", "m1", "second")));
  CHECK(walSize(path) >= otherEnd);
  CHECK(walSize(path) % kStep == 0);
  reader.exec("COMMIT");

  RawDb fresh(path);
  CHECK(fresh.text("PRAGMA integrity_check") == "ok");
  CHECK(fresh.text("SELECT hex(substr(b, 5000000, 64)) FROM blobs") == sample);
  CHECK(fresh.integer("SELECT count(*) FROM messages") == 2);
}

TEST_CASE("where a step does not fit, the log grows frame by frame and every commit is kept") {
  TempDir dir;
  const auto path = dir.file("wal.db");
  // Files may not pass 2 MiB here: like a disk with less than a step free.
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 2 << 20;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  {
    auto store = openStore(path);
    // 40 commits of a few pages each (the message, its index, the outbox, the search index) stay under the limit.
    for (int i = 0; i < 40; ++i) {
      auto added = store->addMessage(message("s", "m" + std::to_string(i), "text"));
      INFO("message " << i << ": " << (added ? "" : added.error().message));
      CHECK(added);
    }
    CHECK(walSize(path) < (2u << 20));
  }
  REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
  std::signal(SIGXFSZ, oldHandler);
  RawDb raw(path);
  CHECK(raw.text("PRAGMA integrity_check") == "ok");
  CHECK(raw.integer("SELECT count(*) FROM messages") == 40);
}
