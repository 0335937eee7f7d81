#include "measure.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "editor.h"
#include "machine.h"
#include "operations.h"
#include "requests.h"
#include "rounds.h"
#include "text.h"

namespace bench {

namespace {

constexpr int kTimeoutMs = 60'000;

/// Watches the host over a measurement: the load averages before it, then
/// the CPU every process used less this program's and `ours` (its children).
class HostWatch {
 public:
  explicit HostWatch(std::vector<std::function<double()>> ours)
      : ours_(std::move(ours)), start_(Clock::now()), all_(busyCpuSeconds()), mine_(sum()) {
    host_.loadAverages = loadAverages();
  }
  Host finish() {
    const double others = (busyCpuSeconds() - all_) - (sum() - mine_);
    host_.otherCores = std::max(0.0, others) / (msSince(start_) / 1000);
    return host_;
  }

 private:
  double sum() const {
    double total = selfCpuSeconds();
    for (const auto& cpu : ours_)
      if (double s = cpu(); !std::isnan(s)) total += s;
    return total;
  }
  std::vector<std::function<double()>> ours_;
  Clock::time_point start_;
  double all_, mine_;
  Host host_;
};

std::function<double()> cpuOf(Editor& editor) {
  return [pid = editor.child().pid] { return processCpuSeconds(pid); };
}
std::function<double()> cpuOf(const BackendProcess& backend) {
  return [&backend] { return backend.cpuSeconds(); };
}

json addParams(const std::string& session, const std::string& id, long i) {
  return {{"sessionId", session}, {"message", {{"id", id}, {"role", "user"}, {"content", content(i)}}}};
}

/// sync/now, which must end synced.
bool syncNow(Editor& editor, std::string& error) {
  auto status = editor.call("sync/now", json::object(), error);
  if (status && (*status)["state"] != "synced") error = "sync/now: " + status->dump();
  return status && error.empty();
}

}  // namespace

std::string SyncWorld::tokenFor(const std::string& user, std::string& error) const {
  return addUser(cfg.backend, {"--db", cfg.work + "/backend.db"}, user, error).value_or("");
}

Propagation measurePropagation(const SyncWorld& world) {
  const SyncConfig& cfg = world.cfg;
  Propagation r;
  const std::string token = world.tokenFor("propagation", r.error);
  if (token.empty()) return r;
  auto a = Editor::start(cfg, "propagation-a", world.backend.url(), token, r.error);
  auto b = a ? Editor::start(cfg, "propagation-b", world.backend.url(), token, r.error) : nullptr;
  if (!b) return r;
  // The session exists on B and is open there, as an editor showing it.
  const std::string session = "live";
  if (!a->call("messages/add", addParams(session, "p-first", 0), r.error) || !syncNow(*a, r.error) ||
      !syncNow(*b, r.error) || !b->call("session/open", {{"sessionId", session}}, r.error))
    return r;
  // The floor's parts, one of each per sample: a commit on A's side, one HTTP round trip, a commit on B's side.
  const std::string body = messageBody("floor");
  std::vector<std::unique_ptr<Operation>> floor;
  for (const std::string side : {"a", "b"}) {
    const std::string db = cfg.work + "/floor-" + side + ".db";
    if (r.error = createSqliteFloor(db); !r.error.empty()) return r;
    auto insert = sqliteInserts(db, body, side)(0, r.error);
    if (!insert) return r;
    floor.push_back(std::move(insert));
  }
  floor.insert(floor.begin() + 1, getHealth(world.backend.url())(0, r.error));  // between the two commits

  HostWatch watch({cpuOf(*a), cpuOf(*b), cpuOf(world.backend)});
  for (int i = 0; i < cfg.propagationWarmup + cfg.propagationSamples; ++i) {
    const std::string id = format("p{}", i);
    const std::size_t from = b->notificationCount();
    if (!a->call("messages/add", addParams(session, id, i), r.error)) return r;
    const auto replied = Clock::now();
    auto changed = b->waitNotification(
        "session/changed",
        [&](const json& p) {
          if (p["sessionId"] != session || !p.contains("messages")) return false;
          return std::ranges::any_of(p["messages"], [&](const json& m) { return m["id"] == id; });
        },
        from, kTimeoutMs, r.error);
    if (!changed) return r;
    const auto floorStart = Clock::now();
    for (auto& part : floor)
      if (!part->once(r.error)) return r;
    if (i < cfg.propagationWarmup) continue;
    r.latency.add(msBetween(replied, changed->at));
    r.floor.add(msSince(floorStart));
  }
  r.host = watch.finish();
  return r;
}

Cost measureCost(const SyncWorld& world) {
  const SyncConfig& cfg = world.cfg;
  Cost r;
  const std::string token = world.tokenFor("cost", r.error);
  if (token.empty()) return r;
  auto off = Editor::start(cfg, "cost-off", "", "", r.error);
  auto on = off ? Editor::start(cfg, "cost-on", world.backend.url(), token, r.error) : nullptr;
  if (!on) return r;
  auto adds = [](Editor& editor, int count, Stats* into, std::string& error) {
    const std::string session = "cost";
    Sequential s = sequential(
        editor.child(), count, 0, editor.nextId(), [&](std::int64_t id, long i) { return addRequest(id, session, i); },
        kTimeoutMs);
    if (s.errors > 0) return error = "messages/add: " + s.firstError, false;
    if (into) into->v.insert(into->v.end(), s.ms.v.begin(), s.ms.v.end());
    return true;
  };
  if (!adds(*off, cfg.costWarmup, nullptr, r.error) || !adds(*on, cfg.costWarmup, nullptr, r.error) ||
      !syncNow(*on, r.error))
    return r;
  HostWatch watch({cpuOf(*off), cpuOf(*on), cpuOf(world.backend)});
  for (int round = 0; round < cfg.costRounds; ++round) {
    // In turns, each going first every other round; the pushes an "on" block
    // caused end (sync/now, untimed) before the next block.
    for (bool syncing : round % 2 ? std::vector{true, false} : std::vector{false, true}) {
      if (!adds(syncing ? *on : *off, cfg.costPerRound, syncing ? &r.on : &r.off, r.error)) return r;
      if (syncing && !syncNow(*on, r.error)) return r;
    }
  }
  r.host = watch.finish();
  return r;
}

Drain measureDrain(const SyncWorld& world) {
  const SyncConfig& cfg = world.cfg;
  Drain r;
  const std::string token = world.tokenFor("drain", r.error);
  if (token.empty()) return r;
  {
    // The backlog: written with sync off (pipelined, four sessions), so the outbox holds it all.
    auto seed = Editor::start(cfg, "drain", "", "", r.error);
    if (!seed) return r;
    Pipelined p = pipeline(
        seed->child(), cfg.backlog, 1000, seed->nextId(),
        [](std::int64_t id, long i) { return addRequest(id, format("backlog-{}", i % 4), i); }, kTimeoutMs);
    if (p.errors > 0 || p.done != cfg.backlog) return r.error = "writing the backlog: " + p.firstError, r;
    auto status = seed->call("sync/status", json::object(), r.error);
    if (!status) return r;
    r.queued = (*status)["pending"].get<long>();
  }
  std::unique_ptr<Editor> syncing;
  const double backendCpu = world.backend.cpuSeconds();
  HostWatch watch({cpuOf(world.backend), [&] { return syncing ? processCpuSeconds(syncing->child().pid) : 0.0; }});
  const auto start = Clock::now();
  syncing = Editor::start(cfg, "drain", world.backend.url(), token, r.error);
  if (!syncing) return r;
  r.startMs = msSince(start);
  auto synced = syncing->waitNotification(
      "sync/status", [](const json& s) { return s["state"] == "synced" && s["pending"] == 0; }, 0,
      cfg.timeLimitSeconds * 1000, r.error);
  if (!synced) return r;
  r.seconds = msBetween(start, synced->at) / 1000;
  r.host = watch.finish();
  r.editorCpuMs = processCpuSeconds(syncing->child().pid) * 1000 / static_cast<double>(r.queued);
  r.backendCpuMs = (world.backend.cpuSeconds() - backendCpu) * 1000 / static_cast<double>(r.queued);
  auto status = syncing->call("sync/status", json::object(), r.error);
  if (!status) return r;
  if ((*status)["pending"] != 0) return r.error = "pending after the drain: " + status->dump(), r;

  // The reference: the same number of writes from this program straight to
  // POST /api/batch, in batches of the sync thread's size, one kept-alive connection.
  auto access = signIn(world.backend.url(), world.tokenFor("drain-reference", r.error), r.error);
  if (!access) return r;
  HttpClient client(world.backend.url(), *access);
  const auto referenceStart = Clock::now();
  const double referenceCpu = world.backend.cpuSeconds();
  for (long sent = 0; sent < r.queued;) {
    json batch{{"writes", json::array()}};
    for (; sent < r.queued && batch["writes"].size() < static_cast<std::size_t>(cfg.referenceBatch); ++sent)
      batch["writes"].push_back(
          {{"kind", "message"},
           {"session_id", format("backlog-{}", sent % 4)},
           {"record", {{"id", format("r{}", sent)}, {"role", "user"}, {"content", content(sent)}}}});
    HttpReply reply = client.post("/api/batch", batch.dump());
    if (reply.status != 200) return r.error = format("POST /api/batch: status {} {}", reply.status, reply.error), r;
    r.referenceWrites += static_cast<long>(batch["writes"].size());
  }
  r.referenceSeconds = msSince(referenceStart) / 1000;
  r.referenceBackendCpuMs = (world.backend.cpuSeconds() - referenceCpu) * 1000 / static_cast<double>(r.referenceWrites);
  return r;
}

}  // namespace bench
