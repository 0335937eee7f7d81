// Several writers on one database file: nothing lost, no SQLITE_BUSY.
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "StoreTestSupport.h"

using namespace storetest;

namespace {

/// Adds `count` messages "<prefix><i>" to `sessionId` (plus a component
/// version every 50th); returns the error messages seen.
std::vector<std::string> writeMessages(Store& store, const std::string& sessionId, const std::string& prefix,
                                       int count, std::latch& start) {
  std::vector<std::string> errors;
  start.arrive_and_wait();
  for (int i = 0; i < count; ++i) {
    auto added = store.addMessage(message(sessionId, prefix + std::to_string(i), "text", Role::User, 0));
    if (!added) errors.push_back(added.error().message);
    if (i % 50 == 0) {
      auto saved = store.saveComponent(component(sessionId, prefix + "component", "<v" + std::to_string(i) + "/>", 0));
      if (!saved) errors.push_back(saved.error().message);
    }
  }
  return errors;
}

/// The messages of `prefix` appear in the order they were written.
void checkOrder(const std::vector<Message>& messages, const std::string& prefix, int count) {
  int next = 0;
  for (const auto& m : messages)
    if (m.id.starts_with(prefix)) CHECK(m.id == prefix + std::to_string(next++));
  CHECK(next == count);
}

}  // namespace

TEST_CASE("two stores on one file, writing at once from two threads, lose nothing") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  auto first = openStore(path);
  auto second = openStore(path);
  constexpr int kEach = 500;

  std::latch start(2);
  std::vector<std::string> errorsA, errorsB;
  std::thread writerA([&] { errorsA = writeMessages(*first, "shared", "a", kEach, start); });
  std::thread writerB([&] { errorsB = writeMessages(*second, "shared", "b", kEach, start); });
  writerA.join();
  writerB.join();
  INFO("first error: " << (errorsA.empty() ? errorsB.empty() ? "" : errorsB[0] : errorsA[0]));
  CHECK(errorsA.empty());
  CHECK(errorsB.empty());

  auto third = openStore(path);  // a fresh connection sees every commit
  CHECK(ok(third->messageCount("shared")) == 2 * kEach);
  auto all = ok(third->listMessages("shared", std::nullopt, 10 * kEach));
  CHECK(all.items.size() == 2 * kEach);
  CHECK_FALSE(all.hasMore);
  checkOrder(all.items, "a", kEach);
  checkOrder(all.items, "b", kEach);
  CHECK(ok(third->componentHistory("shared", "acomponent")).size() == kEach / 50);
  CHECK(ok(third->componentHistory("shared", "bcomponent")).size() == kEach / 50);
  CHECK(ok(third->integrityCheck()) == "ok");
}

// A Store belongs to one thread: threads writing at once each open their own.
TEST_CASE("three threads, each with its own store on one file, keep every write in its writer's order") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  constexpr int kEach = 100;
  std::latch start(3);
  std::vector<std::string> errors[3];
  // Opened here, where Catch may assert; from then on used by its thread alone.
  std::unique_ptr<Store> own[3] = {openStore(dir.file("db")), openStore(dir.file("db")), openStore(dir.file("db"))};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      errors[t] = writeMessages(*own[t], "s" + std::to_string(t % 2), "t" + std::to_string(t) + "-", kEach, start);
    });
  for (auto& thread : threads) thread.join();
  for (const auto& e : errors) CHECK(e.empty());
  CHECK(ok(store->messageCount("s0")) + ok(store->messageCount("s1")) == 3 * kEach);
  checkOrder(ok(store->listMessages("s0", std::nullopt, 1'000)).items, "t0-", kEach);
  checkOrder(ok(store->listMessages("s0", std::nullopt, 1'000)).items, "t2-", kEach);
}

namespace {

/// A busy handler that gives up at once (so SQLITE_BUSY reaches the store)
/// and reports the first time it is asked.
struct GiveUp {
  std::latch asked{1};
  std::atomic<int> calls{0};
  static int handler(void* self, int) {
    auto* giveUp = static_cast<GiveUp*>(self);
    if (giveUp->calls++ == 0) giveUp->asked.count_down();
    return 0;
  }
};

}  // namespace

TEST_CASE("a write waits for another connection's lock and goes through once it is released") {
  TempDir dir;
  const std::string path = dir.file("db");
  auto store = openStore(path);  // the default busy timeout: 10 s
  ok(store->addMessage(message("s", "m0", "before")));
  RawDb other(path);
  other.exec(
      "BEGIN IMMEDIATE; INSERT INTO messages SELECT session_id, 'other', 99, role, content, images, "
      "created_at, status, NULL, NULL, NULL FROM messages;");
  std::latch calling(1);
  StoreResult<Message> added = std::unexpected(StoreError{});
  std::thread writer([&] {
    calling.count_down();
    added = store->addMessage(message("s", "m1", "after"));
  });
  calling.wait();
  // Whether the writer is already waiting when the lock goes is not known
  // (there is no event for it); either way its message must land after the
  // other connection's, never fail.
  other.exec("COMMIT");
  writer.join();
  INFO((added ? "" : added.error().message));
  CHECK(added);
  auto page = ok(store->listMessages("s", std::nullopt, 10));
  REQUIRE(page.items.size() == 3);
  CHECK(page.items[1].id == "other");
  CHECK(page.items[2].id == "m1");
}

TEST_CASE("a lock held past the busy timeout fails the write with a clear error, and it succeeds once freed") {
  TempDir dir;
  const std::string path = dir.file("db");
  constexpr auto kTimeout = std::chrono::milliseconds(100);
  auto opened = Store::open(path, kTimeout);
  REQUIRE(opened);
  auto& store = *opened;
  ok(store->addMessage(message("s", "m0", "before")));
  RawDb other(path);
  other.exec("BEGIN IMMEDIATE; DELETE FROM messages;");
  auto added = store->addMessage(message("s", "m1", "after"));
  REQUIRE_FALSE(added);
  CHECK(added.error().kind == StoreError::Kind::Storage);
  CHECK_THAT(added.error().message, Catch::Contains("locked"));
  other.exec("ROLLBACK");
  ok(store->addMessage(message("s", "m1", "after")));
  CHECK(ok(store->messageCount("s")) == 2);
}

TEST_CASE("a write that meets SQLITE_BUSY is retried as a whole, not reported") {
  TempDir dir;
  const std::string path = dir.file("db");
  ConnectionSpy spy;
  auto store = openStore(path);
  ok(store->addMessage(message("s", "m0", "before")));
  // Replace the store's busy timeout with a handler that never waits, so the
  // lock below surfaces as SQLITE_BUSY and only the retry helper can help.
  GiveUp giveUp;
  sqlite3_busy_handler(spy.first(), &GiveUp::handler, &giveUp);

  RawDb other(path);
  other.exec(
      "BEGIN IMMEDIATE; INSERT INTO messages SELECT session_id, 'other', 99, role, content, images, "
      "created_at, status, NULL, NULL, NULL FROM messages;");
  StoreResult<Message> added = std::unexpected(StoreError{});
  std::thread writer([&] { added = store->addMessage(message("s", "m1", "after")); });
  giveUp.asked.wait();  // the store has met the lock at least once
  other.exec("COMMIT");
  writer.join();

  INFO((added ? "" : added.error().message));
  CHECK(added);
  CHECK(giveUp.calls >= 1);
  auto page = ok(store->listMessages("s", std::nullopt, 10));
  REQUIRE(page.items.size() == 3);
  CHECK(page.items[1].id == "other");
  CHECK(page.items[2].id == "m1");
}

TEST_CASE("the push lease: one holder at a time, renewed by it, taken over once expired or ended, freed") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  auto first = openStore(path);
  auto second = openStore(path);
  const auto lease = [](const std::string& holder, std::int64_t until) {
    return PushLease{holder, 42, 7, "machine", until};
  };
  CHECK(ok(first->takePushLease(lease("one", 11'000), 1'000)));
  CHECK_FALSE(ok(second->takePushLease(lease("two", 15'000), 5'000)));
  CHECK(ok(first->takePushLease(lease("one", 16'000), 6'000)));  // renewed
  CHECK_FALSE(ok(second->takePushLease(lease("two", 22'000), 12'000)));
  CHECK(ok(second->takePushLease(lease("two", 26'000), 16'000)));  // its holder died: expired, taken over
  ok(first->releasePushLease("one"));                              // not its own any more: nothing freed
  CHECK_FALSE(ok(first->takePushLease(lease("one", 27'000), 17'000)));
  const auto held = ok(second->pushLease());
  REQUIRE(held);
  CHECK(held->holder == "two");
  CHECK(held->pid == 42);
  CHECK(held->started == 7);
  CHECK(held->machine == "machine");
  CHECK(held->expiresAt == 26'000);
  // A holder known to have ended is taken over before its expiry, and only it.
  CHECK_FALSE(ok(first->takePushLease(lease("one", 27'000), 17'000, "three")));
  CHECK(ok(first->takePushLease(lease("one", 27'000), 17'000, "two")));
  ok(first->releasePushLease("one"));
  CHECK_FALSE(ok(first->pushLease()));
  CHECK(ok(second->takePushLease(lease("two", 28'000), 18'000)));
}

TEST_CASE("the pull log: what one connection's pull applied is read by another, from where it last looked") {
  TempDir dir;
  const std::string path = dir.file("shared.db");
  auto pulling = openStore(path);
  auto other = openStore(path);
  const auto message = [](const std::string& session, const std::string& id) {
    Message m;
    m.id = id;
    m.sessionId = session;
    m.content = "text " + id;
    m.createdAt = 1'000;
    PulledChange change;
    change.seq = 1;
    change.kind = "message";
    change.sessionId = session;
    change.message = m;
    return change;
  };
  const std::int64_t start = ok(other->pullLogEnd());
  CHECK(start == 0);
  ok(pulling->applyPulled({message("s", "m1"), message("t", "m2"), message("s", "m3")}, 3));
  ok(pulling->applyPulled({message("s", "m1")}, 4));  // a replay: nothing logged
  const PulledSince first = ok(other->pulledSince(start));
  CHECK_FALSE(first.missed);
  REQUIRE(first.changes.size() == 2);
  CHECK(first.changes[0].sessionId == "s");
  REQUIRE(first.changes[0].added.size() == 2);
  CHECK(first.changes[0].added[0].id == "m1");
  CHECK(first.changes[0].added[1].id == "m3");
  CHECK(first.changes[0].added[1].content == "text m3");
  CHECK(first.changes[1].sessionId == "t");
  CHECK(ok(other->pulledSince(first.last)).changes.empty());
  CHECK(ok(other->pullLogEnd()) == first.last);

  // Past the newest 10,000 rows the log is trimmed: a reader that far behind is told.
  std::vector<PulledChange> many;
  for (int i = 0; i < 10'001; ++i) many.push_back(message("big", "b" + std::to_string(i)));
  ok(pulling->applyPulled(many, 5));
  const PulledSince behind = ok(other->pulledSince(first.last));
  CHECK(behind.missed);
  REQUIRE(behind.changes.size() == 1);
  CHECK(behind.changes[0].added.size() == 10'000);
  CHECK(behind.changes[0].added.back().id == "b10000");
  CHECK_FALSE(ok(other->pulledSince(behind.last)).missed);
}

TEST_CASE("an outbox seq is never reused: a delete queued while the component's version is sent is not acknowledged with it") {
  TempDir dir;
  auto store = openStore(dir.file("db"));
  ok(store->saveComponent(component("s", "local", "<p/>")));
  const std::vector<OutboxWrite> sent = ok(store->pendingWrites(100));  // a push reads them
  REQUIRE_FALSE(sent.empty());
  ok(store->deleteComponent("s", "local"));  // meanwhile: their rows dropped, the delete queued
  std::vector<std::int64_t> acknowledged;
  for (const OutboxWrite& write : sent) acknowledged.push_back(write.seq);
  ok(store->settleWrites(acknowledged, {}));  // the backend answered the push
  const std::vector<OutboxWrite> left = ok(store->pendingWrites(100));
  REQUIRE(left.size() == 1);
  CHECK(left[0].kind == "component_deleted");
  CHECK(left[0].recordId == "local");
}
