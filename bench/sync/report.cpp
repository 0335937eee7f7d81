#include "report.h"

#include <sqlite3.h>

#include <iostream>
#include <sstream>

#include "machine.h"
#include "text.h"

namespace bench {

namespace {

constexpr double kPropagationP99TargetMs = 50;  // issue 15: A's reply → B's session/changed, p99 on loopback
constexpr double kCostTarget = 0.05;            // issue 15: sync adds at most 5% to messages/add p50
constexpr double kDrainTarget = 5'000;          // issue 15: records per second for 10,000 queued writes, SQLite

std::string met(bool known, bool ok) { return !known ? "n/a" : ok ? "**met**" : "not met"; }
std::string orNa(bool known, const std::string& text) { return known ? text : "n/a"; }
std::string more(double on, double off) { return format("{:+.1f}%", (on / off - 1) * 100); }

std::string resultsTable(const SyncResults& r) {
  const Propagation& p = r.propagation;
  const Cost& c = r.cost;
  const Drain& d = r.drain;
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"propagation p99: A's `messages/add` reply → B's `session/changed`", orNa(p.ok(), ms(p.latency.pct(99))),
       orNa(p.ok(), ms(p.floor.pct(99)) + " (a commit on each side + an HTTP round trip)"),
       orNa(p.ok(), ratio(p.latency.pct(99), p.floor.pct(99))), "≤ " + num(kPropagationP99TargetMs, 0) + " ms",
       met(p.ok(), p.latency.pct(99) <= kPropagationP99TargetMs)});
  rows.push_back({"propagation p50", orNa(p.ok(), ms(p.latency.median())), orNa(p.ok(), ms(p.floor.median())),
                  orNa(p.ok(), ratio(p.latency.median(), p.floor.median())), "—", "—"});
  rows.push_back({"`messages/add` p50, sync on (backend up)", orNa(c.ok(), ms(c.on.median())),
                  orNa(c.ok(), ms(c.off.median()) + " (sync off)"), orNa(c.ok(), more(c.on.median(), c.off.median())),
                  format("≤ +{:.0f}%", kCostTarget * 100),
                  met(c.ok(), c.on.median() <= (1 + kCostTarget) * c.off.median())});
  rows.push_back({"`messages/add` p99, sync on", orNa(c.ok(), ms(c.on.pct(99))),
                  orNa(c.ok(), ms(c.off.pct(99)) + " (sync off)"), orNa(c.ok(), more(c.on.pct(99), c.off.pct(99))), "—",
                  "—"});
  rows.push_back({format("backlog drain: {} queued writes, start of sync → `pending` 0", d.queued),
                  orNa(d.ok(), num(d.rate(), 0) + " writes/s"),
                  orNa(d.ok(), num(d.referenceRate(), 0) + " writes/s (the backend alone: POST /api/batch straight)"),
                  orNa(d.ok(), ratio(d.rate(), d.referenceRate())), "≥ " + num(kDrainTarget, 0) + "/s",
                  met(d.ok(), d.rate() >= kDrainTarget)});
  return table({"metric", "sync", "reference", "ratio", "target", "target met?"}, rows);
}

std::string detailTable(const SyncResults& r) {
  const Propagation& p = r.propagation;
  const Cost& c = r.cost;
  const Drain& d = r.drain;
  auto host = [](const Host& h) { return std::vector<std::string>{h.loadAverages, num(h.otherCores, 2) + " cores"}; };
  std::vector<std::vector<std::string>> rows;
  auto row = [&](std::vector<std::string> cells, const Host& h, const std::string& error) {
    for (auto& cell : host(h)) cells.push_back(cell);
    cells.push_back(error.empty() ? "" : "failed: " + error);
    rows.push_back(std::move(cells));
  };
  row({"propagation", std::to_string(p.latency.n()), ms(p.latency.median()), ms(p.latency.pct(99)),
       ms(p.latency.pct(100)), "floor: " + ms(p.floor.median()) + " / " + ms(p.floor.pct(99))},
      p.host, p.error);
  row({"`messages/add`, sync off", std::to_string(c.off.n()), ms(c.off.median()), ms(c.off.pct(99)), ms(c.off.pct(100)),
       ""},
      c.host, c.error);
  row({"`messages/add`, sync on", std::to_string(c.on.n()), ms(c.on.median()), ms(c.on.pct(99)), ms(c.on.pct(100)), ""},
      c.host, "");
  row({"backlog drain", std::to_string(d.queued), "", "", "",
       format("{:.2f} s, of which the server's start {}; CPU per write: server {} + backend {}; the backend alone "
              "{:.2f} s, its CPU per write {}",
              d.seconds, ms(d.startMs), ms(d.editorCpuMs), ms(d.backendCpuMs), d.referenceSeconds,
              ms(d.referenceBackendCpuMs))},
      d.host, d.error);
  return table({"measurement", "samples", "p50", "p99", "max", "", "load avg before (1/5/15 min)",
                "other processes' CPU meanwhile", ""},
               rows);
}

/// A line for each measurement during which other processes used over half a core.
std::string busyNotes(const SyncResults& r) {
  std::string notes;
  auto note = [&](const char* what, const Host& h) {
    if (h.otherCores > 0.5)
      notes += format(
          "- the host was busy during {}: other processes used {} of {} cores (load {}); its figures "
          "say more about the host than about sync\n",
          what, num(h.otherCores, 2), sh("nproc"), h.loadAverages);
  };
  note("propagation", r.propagation.host);
  note("the cost", r.cost.host);
  note("the drain", r.drain.host);
  return notes.empty() ? "" : "### Notes from this run\n\n" + notes + "\n";
}

std::string method(const SyncConfig& cfg) {
  std::ostringstream md;
  md << "### Method\n\n"
     << "- `bench/sync.sh` builds `aieditor`, `aieditor-backend` and this program with the `release` preset. One "
        "`aieditor-backend serve` on SQLite (WAL, synchronous=FULL) on 127.0.0.1 serves every measurement; each "
        "measurement signs in a user of its own (`aieditor-backend user add`). The editors are real `aieditor` "
        "servers, each with its own database, driven over pipes as an editor does.\n"
     << "- Propagation: A and B sync as the same user; B has the session open (`session/open`). A adds one "
        "message at a time; the time runs from reading A's reply (sent once A's commit is durable) to reading B's "
        "`session/changed` naming that message (sent once B's pull has committed it), through A's push "
        "(`POST /api/batch`), the backend's commit, its event on B's `GET /api/events`, and B's pull "
        "(`GET /api/changes`). "
     << cfg.propagationWarmup << " untimed first, then " << cfg.propagationSamples
     << ". After each, one floor sample, timed as a whole: an INSERT+COMMIT into a SQLite file of A's side, "
        "`GET /healthz` on the backend (one kept-alive connection), an INSERT+COMMIT into a SQLite file of B's "
        "side (WAL, synchronous=FULL, the backend's record row, on the same disk): the two durable commits and "
        "the HTTP round trip that propagation cannot do without.\n"
     << "- Cost: two servers at once, one with sync off, one syncing with the backend; sequential "
        "`messages/add` round trips (a new message each, about 150 characters) to one session each. "
     << cfg.costWarmup << " untimed each, then " << cfg.costRounds << " rounds of " << cfg.costPerRound
     << " on each server in turns (each first every other round). After each block of the syncing server, "
        "`sync/now` (untimed) lets its pushes end, so they do not run into the other server's block; the pushes "
        "made during its block (after the sync thread's debounce) are in its times.\n"
     << "- Backlog drain: " << cfg.backlog
     << " `messages/add` (four sessions, pipelined, 1000 in flight) on a "
        "server with sync off, which stops; then a server with sync on opens the same database. Timed from its "
        "spawn to its `sync/status` notification `synced` with `pending` 0 (the outbox empty: every write "
        "acknowledged by the backend and settled). The reference: the same number of messages sent by this program "
        "straight to `POST /api/batch`, "
     << cfg.referenceBatch
     << " writes per request (the sync thread's batch size), one kept-alive connection, as another user.\n"
     << "- The machine has " << sh("nproc")
     << " cores shared with other work. Beside each measurement: the load "
        "averages just before, and the CPU other processes used meanwhile (`/proc/stat`'s busy time less this "
        "program's, the editors' and the backend's), in cores.\n";
  return md.str();
}

}  // namespace

int writeSyncReport(const SyncConfig& cfg, const SyncResults& r) {
  std::ostringstream md;
  md << kSyncPart.begin << "\n";
  md << "## Sync (`aieditor` ↔ `aieditor-backend`)\n\n"
     << "Generated by `bench/sync.sh`" << (cfg.smoke ? " (smoke mode: tiny counts, the figures mean little)" : "")
     << " (issue 15); do not edit by hand. Every figure was measured in the same run as its reference; nothing "
        "asserts a time. What limits each one, and runs beside this one, are in "
        "[benchmark-notes.md](benchmark-notes.md#sync-2026-12-03-issue-15).\n\n";
  md << "### Machine and run\n\n"
     << "- date: " << utcNow() << "\n"
     << "- command: `" << cfg.command << "`" << format(" (took {:.0f} s)", runSeconds()) << "\n"
     << machineLines(cfg.self, cfg.work) << "- " << (r.serverVersion.empty() ? "aieditor" : r.serverVersion) << ", "
     << (r.backendVersion.empty() ? "aieditor-backend" : r.backendVersion) << ", SQLite " << sqlite3_libversion()
     << "\n\n";
  md << "### Results\n\n" << resultsTable(r) << "\n";
  md << "### Each measurement\n\n" << detailTable(r) << "\n" << busyNotes(r);
  md << method(cfg);
  md << kSyncPart.end << "\n";

  std::cout << "\n" << resultsTable(r) << "\n" << detailTable(r) << "\n";
  writePart(cfg.out, kSyncPart, md.str());
  std::cout << format("wrote the sync part of {} ({:.0f} s)\n", cfg.out, runSeconds());
  return r.propagation.ok() && r.cost.ok() && r.drain.ok() ? 0 : 1;
}

}  // namespace bench
