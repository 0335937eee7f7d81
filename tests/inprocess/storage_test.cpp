// The storage thread, save tracking and the retry path, in process: a real
// SQLite file, another connection holding its lock, a short busy timeout,
// and retries fired by advancing the hand-driven scheduler's clock.
#include <sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>

#include "HeldLock.h"
#include "InProcess.h"
#include "providers/OfflineProvider.h"
#include "store/StorageThread.h"
#include "workspace/SaveTracker.h"
#include "workspace/Workspace.h"

using namespace aieditor;
using namespace aieditor::test;
using server::StoreError;
using server::StoreResult;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aieditor-inprocess-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

struct RecordingEvents final : server::Events {
  std::vector<protocol::PersistenceStatus> statuses;
  void delta(const protocol::ChatDelta&) override {}
  void status(const protocol::PersistenceStatus& s) override { statuses.push_back(s); }
};

/// A storage thread on a fresh database, with trackers' events recorded.
struct Storage {
  TempDir dir;
  ManualScheduler scheduler;
  RecordingEvents events;
  std::unique_ptr<server::StorageThread> thread;
  Storage() {
    auto store = server::Store::open(dir.file("a.db"));
    REQUIRE(store);
    thread = std::make_unique<server::StorageThread>(std::move(*store), scheduler);
  }
};

std::unexpected<StoreError> diskFull() { return std::unexpected(StoreError{StoreError::Kind::Storage, "disk is full"}); }

std::vector<std::string> states(const std::vector<protocol::PersistenceStatus>& statuses, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < statuses.size(); ++i) out.emplace_back(protocol::toString(statuses[i].state));
  return out;
}

server::ServerOptions options(const std::string& db) {
  server::ServerOptions o;
  o.databasePath = db;
  o.busyTimeout = std::chrono::milliseconds(50);
  o.retryInterval = std::chrono::milliseconds(2000);
  return o;
}

}  // namespace

TEST_CASE("a failing write runs once per attempt, keeps its own error, and is replayed in order") {
  Storage storage;
  auto& [dir, scheduler, events, thread] = storage;
  server::SaveTracker tracker("s", events, *thread, [] {});

  int runsA = 0;
  int runsB = 0;
  bool failA = true;  // read by the storage thread only while the test waits
  std::vector<std::string> order;
  std::optional<StoreResult<void>> doneA, doneB;
  tracker.write(
      [&](server::Store&) -> StoreResult<void> {
        ++runsA;
        order.push_back("A");
        if (failA) return diskFull();
        return {};
      },
      [&](StoreResult<void> r) { doneA = r; });
  tracker.write(
      [&](server::Store&) -> StoreResult<void> {
        ++runsB;
        order.push_back("B");
        return {};
      },
      [&](StoreResult<void> r) { doneB = r; });
  scheduler.runUntil([&] { return doneA && doneB; });

  // A ran once and failed; B, a later write of the same session, did not
  // run at all (it would have landed before A), and both are kept.
  CHECK(runsA == 1);
  CHECK(runsB == 0);
  REQUIRE_FALSE(*doneA);
  CHECK(doneA->error().message == "disk is full");
  REQUIRE_FALSE(*doneB);
  CHECK(doneB->error().message == "disk is full");
  CHECK(tracker.status().state == protocol::SaveState::Failed);
  CHECK(tracker.status().pendingWrites == 2);
  CHECK(tracker.status().error == "disk is full");

  failA = false;
  const std::size_t before = events.statuses.size();
  tracker.retry();
  scheduler.runUntil([&] { return !tracker.busy(); });
  CHECK(runsA == 2);
  CHECK(runsB == 1);
  CHECK(order == std::vector<std::string>{"A", "A", "B"});
  CHECK(states(events.statuses, before) == std::vector<std::string>{"saving", "saved"});
  CHECK(tracker.status().pendingWrites == 0);

  // Nothing kept: a retry runs nothing again.
  tracker.retry();
  scheduler.runReady();
  CHECK(runsA == 2);
  CHECK(runsB == 1);
}

TEST_CASE("a reopen runs in queue order: earlier jobs on the old connection, later ones on the new") {
  Storage storage;
  auto& [dir, scheduler, events, thread] = storage;
  std::vector<server::Store*> ranOn;  // storage thread only while the test waits
  std::vector<std::string> outcomes;
  const auto job = [&](std::string name) {
    return server::StorageThread::Job{"s",
                                      [&](server::Store& s) -> StoreResult<void> {
                                        ranOn.push_back(&s);
                                        return {};
                                      },
                                      [&, name](StoreResult<void> r) { outcomes.push_back(name + (r ? "" : "!")); }};
  };
  int opens = 0;
  bool failOpen = true;  // read by the storage thread only while the test waits
  const std::string db = dir.file("a.db");
  auto opener = [&]() -> StoreResult<std::unique_ptr<server::Store>> {
    ++opens;
    if (failOpen) return std::unexpected(StoreError{StoreError::Kind::Storage, "unable to open database file"});
    return server::Store::open(db);
  };
  std::vector<server::StorageThread::Job> before;
  before.push_back(job("a"));
  thread->submit(std::move(before));
  thread->reopen(opener, [&](StoreResult<void> r) { outcomes.push_back(r ? "reopened" : "reopen failed"); });
  std::vector<server::StorageThread::Job> after;
  after.push_back(job("b"));
  thread->submit(std::move(after));
  scheduler.runUntil([&] { return outcomes.size() == 3; });
  // The open failed: a later job fails with the reason instead of running.
  CHECK(outcomes == std::vector<std::string>{"a", "reopen failed", "b!"});
  CHECK(ranOn.size() == 1);
  CHECK(opens == 2);  // the reopen, then once more before b's batch

  failOpen = false;
  std::vector<server::StorageThread::Job> later;
  later.push_back(job("c"));
  later.push_back(job("d"));
  later.front().resume = true;
  thread->submit(std::move(later));
  scheduler.runUntil([&] { return outcomes.size() == 5; });
  CHECK(outcomes[3] == "c");
  CHECK(outcomes[4] == "d");
  REQUIRE(ranOn.size() == 3);
  CHECK(opens == 3);
  CHECK(ranOn[1] == ranOn[2]);
}

TEST_CASE("writes of other sessions are not held up by one session's kept write") {
  Storage storage;
  auto& [dir, scheduler, events, thread] = storage;
  server::SaveTracker broken("broken", events, *thread, [] {});
  server::SaveTracker fine("fine", events, *thread, [] {});
  std::optional<StoreResult<void>> failed, saved;
  broken.write([](server::Store&) -> StoreResult<void> { return diskFull(); }, [&](auto r) { failed = r; });
  fine.write([](server::Store& s) -> StoreResult<void> {
    auto session = s.ensureSession("fine", 1);
    if (!session) return std::unexpected(session.error());
    return {};
  }, [&](auto r) { saved = r; });
  scheduler.runUntil([&] { return failed && saved; });
  CHECK_FALSE(*failed);
  CHECK(*saved);
  CHECK(fine.status().state == protocol::SaveState::Saved);
  CHECK(broken.status().state == protocol::SaveState::Failed);
}

TEST_CASE("in process: a lock held past the busy timeout fails the write, keeps it, and retries replay it") {
  TempDir dir;
  const std::string db = dir.file("held.db");
  InProcessClient client(options(db));
  client.initialize();
  client.ok("messages/add", {{"sessionId", "s"}, {"message", {{"id", "m0"}, {"role", "user"}, {"content", "before"}}}});
  client.ok("session/import", {{"document", client.ok("session/export", {{"sessionId", "s"}})["document"]},
                               {"sessionId", "doomed"}});

  HeldLock lock(db);
  const long write = client.send("messages/add", {{"sessionId", "s"}, {"message", {{"id", "m1"}, {"role", "user"}, {"content", "kept"}}}});
  // Requests that need no write answer while it waits.
  CHECK(client.ok("provider/list", json::object())["active"]["provider"] == "offline");
  CHECK(client.ok("messages/list", {{"sessionId", "s"}})["messages"].size() == 1);

  json error = client.wait(write);
  REQUIRE(error.contains("error"));
  CHECK(error["error"]["code"] == -32001);
  CHECK_THAT(error["error"]["message"].get<std::string>(), Catch::Contains("database is locked"));
  CHECK_THAT(error["error"]["message"].get<std::string>(), Catch::Contains("kept in memory"));
  json failed = client.waitNotification("persistence/status", [](const json& s) {
    return s["sessionId"] == "s" && s["state"] == "failed"; });
  CHECK(failed["pendingWrites"] == 1);
  CHECK_THAT(failed["error"].get<std::string>(), Catch::Contains("database is locked"));

  // A delete and an import, also kept while the lock is held.
  json deleted = client.call("session/delete", {{"sessionId", "doomed"}});
  CHECK(deleted["error"]["code"] == -32001);
  json document = client.ok("session/export", {{"sessionId", "s"}})["document"];
  json imported = client.call("session/import", {{"document", document}, {"sessionId", "copy"}});
  CHECK(imported["error"]["code"] == -32001);

  // A retry while the lock is still held fails again and keeps them.
  const std::size_t beforeRetry = client.notifications().size();
  REQUIRE(client.scheduler().timers() == 1);
  client.scheduler().advance(std::chrono::milliseconds(2000));
  for (const char* session : {"s", "doomed", "copy"})
    client.waitNotification("persistence/status", [&](const json& s) {
      return s["sessionId"] == session && s["state"] == "saving"; }, beforeRetry);
  for (const char* session : {"s", "doomed", "copy"})
    client.waitNotification("persistence/status", [&](const json& s) {
      return s["sessionId"] == session && s["state"] == "failed"; }, beforeRetry);

  // Released: the next retry saves everything, once.
  lock.release();
  const std::size_t beforeSave = client.notifications().size();
  client.scheduler().advance(std::chrono::milliseconds(2000));
  for (const char* session : {"s", "doomed", "copy"})
    client.waitNotification("persistence/status", [&](const json& s) {
      return s["sessionId"] == session && s["state"] == "saved" && s["pendingWrites"] == 0; }, beforeSave);
  CHECK(client.scheduler().timers() == 0);

  // More time passing changes nothing: nothing is replayed a second time.
  const std::size_t settled = client.notifications().size();
  client.scheduler().advance(std::chrono::milliseconds(10000));
  CHECK(client.notifications().size() == settled);
  json messages = client.ok("messages/list", {{"sessionId", "s"}})["messages"];
  REQUIRE(messages.size() == 2);
  CHECK(messages[1]["id"] == "m1");
  json sessions = client.ok("session/list", json::object())["sessions"];
  std::vector<std::string> ids;
  for (const auto& s : sessions) ids.push_back(s["id"]);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"copy", "s"});
}

TEST_CASE("in process: shutdown answers once the writes on their way are durable") {
  TempDir dir;
  const std::string db = dir.file("shutdown.db");
  InProcessClient client(options(db));
  client.initialize();
  const long add = client.send("messages/add", {{"sessionId", "s"}, {"message", {{"id", "m1"}, {"role", "user"}, {"content", "x"}}}});
  const long shutdown = client.send("shutdown", nullptr);
  json reply = client.wait(shutdown);
  CHECK(reply.contains("result"));
  // The add was answered first: its write was durable before shutdown replied.
  CHECK(client.answered(add));
  CHECK(client.wait(add).contains("result"));
}

TEST_CASE("in process: a session stays in memory only while something of it is on its way, kept or streaming") {
  using namespace std::chrono_literals;
  TempDir dir;
  const std::string db = dir.file("sessions.db");
  ManualScheduler scheduler;
  RecordingEvents events;
  server::WorkspaceOptions o;
  o.databasePath = db;
  o.busyTimeout = 50ms;
  server::Workspace workspace(o, std::make_unique<server::OfflineProvider>(scheduler, 10ms), scheduler, events);
  workspace.openStore();
  int answered = 0;
  auto add = [&](const std::string& sessionId) {
    protocol::MessagesAddParams params;
    params.sessionId = sessionId;
    params.message.role = protocol::Role::User;
    params.message.content = "hello";
    workspace.addMessage(params, [&](auto) { ++answered; });
  };
  auto settle = [&](int count) {
    scheduler.runUntil([&] { return answered == count; });
    scheduler.runReady();
  };

  for (int i = 0; i < 100; ++i) add("s" + std::to_string(i));
  CHECK(workspace.sessionsInMemory() == 100);
  settle(100);
  CHECK(workspace.sessionsInMemory() == 0);

  // Opening reads the session back; nothing stays.
  std::optional<protocol::Result<protocol::SessionOpenResult>> opened;
  workspace.openSession({"s7", 50}, [&](auto r) { opened = std::move(r); });
  REQUIRE(opened.has_value());
  REQUIRE(opened->has_value());
  CHECK((*opened)->status.state == protocol::SaveState::Saved);
  CHECK((*opened)->messages.size() == 1);
  scheduler.runReady();
  CHECK(workspace.sessionsInMemory() == 0);

  SECTION("a kept write keeps its session until its retry stores it") {
    HeldLock lock(db);
    add("kept");
    settle(101);
    CHECK(workspace.sessionsInMemory() == 1);
    CHECK(workspace.unsaved().size() == 1);
    lock.release();
    scheduler.advance(o.retryInterval);
    scheduler.runUntil(
        [&] { return workspace.unsaved().empty() && events.statuses.back().state == protocol::SaveState::Saved; });
    scheduler.runReady();
    CHECK(workspace.sessionsInMemory() == 0);
  }
  SECTION("a streaming reply keeps its session until its write is stored") {
    std::optional<protocol::Result<protocol::ChatSendResult>> sent;
    workspace.chatSend({"chat", "a todo list", {}, {}, false}, {}, [&](auto r) { sent = std::move(r); });
    scheduler.runReady();  // the prompt is saved; the reply streams on
    CHECK(workspace.sessionsInMemory() == 1);
    while (!sent) {
      scheduler.advance(10ms);
      scheduler.runReady();
    }
    REQUIRE(sent->has_value());
    scheduler.runReady();
    CHECK(workspace.sessionsInMemory() == 0);
  }
  SECTION("a delete drops the session, and its streaming reply") {
    std::optional<protocol::Result<protocol::ChatSendResult>> sent;
    workspace.chatSend({"s3", "a todo list", {}, {}, false}, {}, [&](auto r) { sent = std::move(r); });
    std::optional<protocol::Result<protocol::SessionDeleteResult>> deleted;
    workspace.deleteSession({"s3"}, [&](auto r) { deleted = std::move(r); });
    REQUIRE(sent.has_value());  // at once: nothing of the reply is written
    CHECK(sent->error().code == protocol::ErrorCode::RequestCancelled);
    scheduler.runUntil([&] { return deleted.has_value(); });
    CHECK(deleted->has_value());
    scheduler.runReady();
    CHECK(workspace.sessionsInMemory() == 0);
  }
}
