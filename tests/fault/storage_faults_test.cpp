// Storage that fails under a running server: a full disk (a small tmpfs),
// a database made read-only (chmod, with the server not running as root),
// and the database file moved or deleted while open. In each the server
// keeps answering, every write that could not be saved is answered -32001
// with the reason and reported `failed`, nothing acknowledged is lost, and
// the writes kept while failing are saved once the fault is cleared (a full
// disk, a file moved back, read-only files made writable, even under a
// server started on them).
#include <fcntl.h>
#include <grp.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "FaultSupport.h"

using namespace aieditor::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json addMessage(const std::string& session, const std::string& id, const std::string& content) {
  return {{"sessionId", session}, {"message", {{"id", id}, {"role", "user"}, {"content", content}}}};
}

/// The ids of every message of the session, oldest first.
std::vector<std::string> messageIds(ServerProcess& server, const std::string& session) {
  std::vector<std::string> ids;
  const json page = server.ok("messages/list", {{"sessionId", session}, {"limit", 1000}});
  for (const auto& m : page["messages"]) ids.push_back(m["id"]);
  return ids;
}

/// Waits for the session's `saved` after notification number `from`.
void waitSaved(ServerProcess& server, const std::string& session, std::size_t from) {
  server.waitNotification(
      "persistence/status", [&](const json& s) { return s["sessionId"] == session && s["state"] == "saved"; }, from);
}

/// A write refused for storage reasons: -32001, the reason, and the promise to keep it.
void checkKept(const json& response, const std::string& reason) {
  INFO(response.dump());
  REQUIRE(response.contains("error"));
  CHECK(response["error"]["code"] == -32001);
  CHECK_THAT(response["error"]["message"].get<std::string>(), Catch::Contains(reason));
  CHECK_THAT(response["error"]["message"].get<std::string>(), Catch::Contains("kept in memory"));
}

/// A tmpfs of `bytes` mounted at `path` for the object's life (needs root, as CI runs).
class SmallDisk {
 public:
  SmallDisk(std::string path, std::size_t bytes) : path_(std::move(path)) {
    fs::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  /// Takes every free byte with a file of its own.
  void fill() {
    const int fd = ::open((path_ + "/filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    std::string block(64 * 1024, '\0');
    for (std::size_t size = block.size(); size >= 512; size /= 2)
      while (::write(fd, block.data(), size) == static_cast<ssize_t>(size)) {
      }
    ::close(fd);
  }
  void free() { REQUIRE(::unlink((path_ + "/filler").c_str()) == 0); }

 private:
  std::string path_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("a full disk: failed with the reason, nothing acknowledged lost, kept writes saved once there is room",
          "[storage]") {
  TempDir dir;
  SmallDisk disk(dir.file("disk"), 24 << 20);
  if (!disk.mounted()) {
    WARN("cannot mount a tmpfs here (that needs root): the full-disk case did not run");
    return;
  }
  const std::string db = dir.file("disk/full.db");
  ServerProcess server(serverOn(db));
  server.initialize(json::object());
  server.ok("components/save",
            {{"sessionId", "full"},
             {"component", {{"id", "card"}, {"jsx", "export default function Card() {}"}, {"css", ""}}}});
  disk.fill();
  // The WAL runs ahead of its end in zeros, so the first writes still fit.
  std::vector<std::string> acknowledged, kept;
  const std::string big(64 * 1024, 'x');
  const std::size_t before = server.notificationCount();
  for (int i = 0; i < 1000 && kept.empty(); ++i) {
    const std::string id = "f" + std::to_string(i);
    json response = server.call("messages/add", addMessage("full", id, big));
    if (response.contains("result")) {
      acknowledged.push_back(id);
      continue;
    }
    checkKept(response, "full");
    kept.push_back(id);
  }
  REQUIRE(!kept.empty());
  json failed = server.waitNotification(
      "persistence/status", [](const json& s) { return s["state"] == "failed"; }, before);
  CHECK_THAT(failed["error"].get<std::string>(), Catch::Contains("full"));
  // Writes of every kind are kept behind it, in order.
  checkKept(server.call("components/save",
                        {{"sessionId", "full"}, {"component", {{"id", "card"}, {"jsx", big}, {"css", ""}}}}),
            "full");
  checkKept(server.call("messages/add", addMessage("full", "after", "after")), "full");
  kept.push_back("after");
  // Reads answer, and show what is kept.
  json opened = server.ok("session/open", {{"sessionId", "full"}, {"limit", 1000}});
  CHECK(opened["status"]["state"] == "failed");
  CHECK(opened["status"]["pendingWrites"] == 3);

  const std::size_t cleared = server.notificationCount();
  disk.free();
  waitSaved(server, "full", cleared);
  CHECK(server.ok("session/open", {{"sessionId", "full"}})["status"]["pendingWrites"] == 0);
  std::vector<std::string> expected = acknowledged;
  expected.insert(expected.end(), kept.begin(), kept.end());
  CHECK(messageIds(server, "full") == expected);
  CHECK(server.ok("components/get", {{"sessionId", "full"}, {"componentId", "card"}})["component"]["version"] == 2);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  CHECK(integrityCheck(db) == "ok");
}

TEST_CASE("a database made read-only while the server writes, and while it restarts", "[storage]") {
  TempDir dir;
  const std::string folder = dir.file("data"), db = folder + "/ro.db";
  fs::create_directories(folder);
  ServerProcess::Options options = serverOn(db);
  if (::geteuid() == 0) {
    // Root writes through any permission: run the server as nobody.
    constexpr uid_t kNobody = 65534;
    REQUIRE(::chown(dir.path().c_str(), kNobody, kNobody) == 0);
    REQUIRE(::chown(folder.c_str(), kNobody, kNobody) == 0);
    options.beforeExec = [] {
      if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(126);
    };
  }
  const auto makeReadOnly = [&](bool readOnly) {
    for (const auto& entry : fs::directory_iterator(folder))
      fs::permissions(entry.path(), readOnly ? fs::perms::owner_read : fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(folder, readOnly ? fs::perms::owner_read | fs::perms::owner_exec : fs::perms::owner_all);
  };
  std::vector<std::string> acknowledged;
  {
    ServerProcess server(options);
    server.initialize(json::object());
    server.ok("messages/add", addMessage("ro", "m0", "before"));
    acknowledged.push_back("m0");
    // Permissions change under writes in flight: the open files stay writable,
    // so each write is saved or, if not, answered -32001 and kept.
    std::vector<long> requests;
    for (int i = 1; i <= 40; ++i) {
      requests.push_back(server.send("messages/add", addMessage("ro", "m" + std::to_string(i), "while")));
      if (i == 20) makeReadOnly(true);
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
      json response = server.waitResponse(requests[i]);
      if (response.contains("result"))
        acknowledged.push_back("m" + std::to_string(i + 1));
      else
        checkKept(response, "readonly");
    }
    CHECK(messageIds(server, "ro") == acknowledged);
    server.ok("shutdown", nullptr);
    server.notify("exit", nullptr);
    CHECK(server.wait() == 0);
  }
  // Restarted on the read-only files: reads answer, writes are refused and
  // kept, and saved by a retry once the files are writable again (both of the
  // server's connections reopen: they share the read-only -shm mapping).
  {
    ServerProcess server(options);
    server.initialize(json::object());
    CHECK(messageIds(server, "ro") == acknowledged);
    checkKept(server.call("messages/add", addMessage("ro", "refused", "refused")), "readonly");
    checkKept(server.call("messages/add", addMessage("ro", "refused2", "refused")), "readonly");
    json opened = server.ok("session/open", {{"sessionId", "ro"}, {"limit", 1000}});
    CHECK(opened["status"]["state"] == "failed");
    CHECK(opened["messages"].size() == acknowledged.size() + 2);
    // A retry while still read-only reopens and fails again; reads answer or fail clearly.
    const std::size_t before = server.notificationCount();
    server.waitNotification(
        "persistence/status", [](const json& s) { return s["state"] == "failed"; }, before);
    for (int i = 0; i < 20; ++i) {
      json listed = server.call("messages/list", {{"sessionId", "ro"}, {"limit", 1000}});
      if (listed.contains("error")) CHECK(listed["error"]["code"] == -32001);
    }
    const std::size_t writable = server.notificationCount();
    makeReadOnly(false);
    waitSaved(server, "ro", writable);
    acknowledged.push_back("refused");
    acknowledged.push_back("refused2");
    CHECK(messageIds(server, "ro") == acknowledged);
    server.ok("messages/add", addMessage("ro", "after", "after"));
    acknowledged.push_back("after");
    CHECK(messageIds(server, "ro") == acknowledged);
    server.ok("shutdown", nullptr);
    server.notify("exit", nullptr);
    CHECK(server.wait() == 0);
  }
  // A new server on the files finds everything, and writes.
  ServerProcess server(options);
  server.initialize(json::object());
  CHECK(messageIds(server, "ro") == acknowledged);
  server.ok("messages/add", addMessage("ro", "later", "later"));
  acknowledged.push_back("later");
  CHECK(messageIds(server, "ro") == acknowledged);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  CHECK(server.wait() == 0);
  CHECK(integrityCheck(db) == "ok");
}

TEST_CASE("the database file moved away while open: writes fail clearly until it is back", "[storage]") {
  TempDir dir;
  const std::string db = dir.file("moved.db"), elsewhere = dir.file("elsewhere.db");
  ServerProcess server(serverOn(db));
  server.initialize(json::object());
  server.ok("messages/add", addMessage("mv", "before", "before"));
  REQUIRE(::rename(db.c_str(), elsewhere.c_str()) == 0);
  const std::size_t before = server.notificationCount();
  // Saved into a log that no longer belongs to the file, these would be lost.
  checkKept(server.call("messages/add", addMessage("mv", "during", "during")), "moved or deleted");
  checkKept(
      server.call("components/save", {{"sessionId", "other"}, {"component", {{"id", "c"}, {"jsx", "x"}, {"css", ""}}}}),
      "moved or deleted");
  json failed = server.waitNotification(
      "persistence/status", [](const json& s) { return s["state"] == "failed"; }, before);
  CHECK_THAT(failed["error"].get<std::string>(), Catch::Contains(db));

  SECTION("what was acknowledged went with the file") {
    // A server on the file where it went finds everything acknowledged.
    ServerProcess reader(serverOn(elsewhere));
    reader.initialize(json::object());
    CHECK(messageIds(reader, "mv") == std::vector<std::string>{"before"});
  }
  SECTION("moved back, the kept writes are saved") {
    const std::size_t cleared = server.notificationCount();
    REQUIRE(::rename(elsewhere.c_str(), db.c_str()) == 0);
    waitSaved(server, "mv", cleared);
    waitSaved(server, "other", cleared);
    CHECK(messageIds(server, "mv") == std::vector<std::string>{"before", "during"});
    server.ok("shutdown", nullptr);
    server.notify("exit", nullptr);
    CHECK(server.wait() == 0);
    CHECK(integrityCheck(db) == "ok");
    ServerProcess again(serverOn(db));
    again.initialize(json::object());
    CHECK(messageIds(again, "mv") == std::vector<std::string>{"before", "during"});
    CHECK(again.ok("components/list", {{"sessionId", "other"}})["components"].size() == 1);
  }
}

TEST_CASE("the database file deleted while open: writes fail clearly, the server carries on", "[storage]") {
  TempDir dir;
  const std::string db = dir.file("deleted.db");
  ServerProcess server(serverOn(db));
  server.initialize(json::object());
  server.ok("messages/add", addMessage("rm", "before", "before"));
  REQUIRE(::unlink(db.c_str()) == 0);
  // A write into a deleted file would be acknowledged and then gone.
  checkKept(server.call("messages/add", addMessage("rm", "during", "during")), "moved or deleted");
  checkKept(server.call("messages/add", addMessage("rm", "later", "later")), "moved or deleted");
  // Reads still answer, with what is kept shown.
  json opened = server.ok("session/open", {{"sessionId", "rm"}, {"limit", 1000}});
  CHECK(opened["status"]["state"] == "failed");
  CHECK(opened["status"]["pendingWrites"] == 2);
  CHECK(opened["messages"].size() == 3);
  server.ok("shutdown", nullptr);
  server.notify("exit", nullptr);
  server.wait();
  server.waitForEndOfOutput();
}
