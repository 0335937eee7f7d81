// kill -9 of aieditor-backend during a stream of POSTs: every write that got
// a 2xx is there after a restart, and the database passes integrity_check.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "BackendTestSupport.h"

using namespace aieditor::test;
using nlohmann::json;

TEST_CASE("kill -9 during a stream of POSTs loses no acknowledged write") {
  TempDir dir;
  const std::string db = dir.file("backend.db");
  const std::string signIn = addUser(db, "alice");
  std::set<std::string> acknowledged;
  {
    Backend backend(db);
    const std::string access = backend.signIn(signIn);
    std::mutex mutex;
    std::condition_variable enough;
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
      writers.emplace_back([&, w] {
        for (int i = 0;; ++i) {
          const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
          // The transfer is expected to break at the kill: that ends this writer.
          auto reply = tryHttpRequest("POST", backend.url() + "/api/sessions/crash/messages",
                                      json{{"id", id}, {"role", "user"}, {"content", id}}.dump(),
                                      {"Authorization: Bearer " + access});
          if (!reply || reply->status < 200 || reply->status >= 300) return;
          std::lock_guard lock(mutex);
          acknowledged.insert(id);
          enough.notify_all();
        }
      });
    {
      std::unique_lock lock(mutex);
      REQUIRE(enough.wait_for(lock, std::chrono::seconds(60), [&] { return acknowledged.size() >= 40; }));
    }
    backend.process().kill9();
    for (auto& writer : writers) writer.join();
  }
  REQUIRE(acknowledged.size() >= 40);

  if (!onPostgres()) CHECK(integrityCheck(db) == "ok");  // PostgreSQL recovers from its WAL at its own restart
  Backend restarted(db);
  auto messages =
      restarted.call("GET", "/api/sessions/crash/messages?limit=1000", restarted.signIn(signIn)).json()["messages"];
  std::set<std::string> stored;
  for (const auto& m : messages) stored.insert(m["id"].get<std::string>());
  for (const auto& id : acknowledged) CHECK(stored.count(id) == 1);
}
