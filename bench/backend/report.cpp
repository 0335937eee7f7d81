#include "report.h"

#include <sqlite3.h>

#include <iostream>
#include <sstream>

#include "machine.h"
#include "text.h"

namespace bench {

namespace {

constexpr double kSqlitePostsTarget = 10'000;  // issue 14: 64 clients on SQLite, durable POSTs/s
constexpr double kPostgresFloorRatio = 0.7;    // issue 14: PostgreSQL at 64 clients ÷ its direct-insert floor
constexpr double kFanOutP99TargetMs = 20;      // issue 14: SSE fan-out p99 at 100 subscribers

std::string met(bool known, bool ok) { return !known ? "n/a" : ok ? "**met**" : "not met"; }
std::string perSecond(const Load& l) { return l.ok() ? num(l.rate(), 0) + "/s" : "n/a"; }
std::string p(const Load& l, double pct) { return l.ok() ? ms(l.latency.pct(pct)) : "n/a"; }
std::string cpu(const Load& l) { return l.ok() ? ms(l.serverCpuMs) + " + " + ms(l.clientCpuMs) : "n/a"; }

const Level* at64(const StorageRun& run) {
  for (const auto& level : run.levels)
    if (level.clients == 64) return &level;
  return nullptr;
}

std::string storageTable(const StorageRun& run, bool withHealth) {
  std::vector<std::string> head{"clients", "POSTs/s", "POST p50", "POST p99", "CPU per POST: server + clients", "floor commits/s",
                                "floor p50", "floor p99", "POSTs/s ÷ floor", "storage alone: adds/s", "storage alone: CPU per add (+ other processes)"};
  if (withHealth) head.insert(head.end(), {"GET /healthz req/s", "healthz p50", "healthz p99", "CPU per GET: server + clients"});
  head.insert(head.end(), {run.engine == "PostgreSQL" ? "other processes' CPU during the POSTs / the floor (PostgreSQL's own included)"
                                                      : "other processes' CPU during the POSTs / the floor",
                            "load avg before POSTs (1/5/15 min)"});
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : run.levels) {
    std::vector<std::string> row{std::to_string(l.clients), perSecond(l.post), p(l.post, 50), p(l.post, 99),
                                 cpu(l.post), perSecond(l.floor), p(l.floor, 50), p(l.floor, 99),
                                 l.post.ok() && l.floor.ok() ? ratio(l.post.rate(), l.floor.rate()) : "n/a",
                                 perSecond(l.direct),
                                 l.direct.ok() ? format("{} (+ {} cores)", ms(l.direct.clientCpuMs), num(l.direct.neighbourCores, 2))
                                               : "n/a"};
    if (withHealth)
      row.insert(row.end(), {perSecond(l.health), p(l.health, 50), p(l.health, 99), cpu(l.health)});
    row.insert(row.end(), {format("{} / {} cores", l.post.ok() ? num(l.post.neighbourCores, 2) : "n/a",
                                  l.floor.ok() ? num(l.floor.neighbourCores, 2) : "n/a"),
                           l.post.loadAverages});
    rows.push_back(std::move(row));
  }
  return table(head, rows);
}

std::string resultsTable(const BackendResults& r) {
  std::vector<std::vector<std::string>> rows;
  if (const Level* l = at64(r.sqlite))
    rows.push_back({"SQLite, 64 clients: durable POSTs/s", perSecond(l->post),
                    perSecond(l->floor) + " (64 writers, each INSERT its own commit)",
                    l->post.ok() && l->floor.ok() ? ratio(l->post.rate(), l->floor.rate()) : "n/a",
                    "≥ " + num(kSqlitePostsTarget, 0) + "/s", met(l->post.ok(), l->post.rate() >= kSqlitePostsTarget)});
  if (const Level* l = at64(r.postgres)) {
    const bool known = l->post.ok() && l->floor.ok();
    rows.push_back({"PostgreSQL, 64 clients: durable POSTs/s", perSecond(l->post),
                    perSecond(l->floor) + " (64 libpq connections, each INSERT its own commit)",
                    known ? ratio(l->post.rate(), l->floor.rate()) : "n/a", format("≥ {}× floor", kPostgresFloorRatio),
                    met(known, known && l->post.rate() >= kPostgresFloorRatio * l->floor.rate())});
  } else {
    rows.push_back({"PostgreSQL, 64 clients: durable POSTs/s", "not measured", r.postgres.notRun + r.postgres.error,
                    "—", format("≥ {}× floor", kPostgresFloorRatio), "n/a"});
  }
  const FanOut& f = r.fanOut;
  rows.push_back({format("SSE fan-out p99, POST sent → event received, {} subscribers", f.subscribers),
                  f.ok() ? ms(f.latency.pct(99)) : "n/a", f.ok() ? "the POST itself: p99 " + ms(f.post.pct(99)) : "",
                  "—", "≤ " + num(kFanOutP99TargetMs, 0) + " ms",
                  met(f.ok(), f.ok() && f.latency.pct(99) <= kFanOutP99TargetMs)});
  return table({"metric", "aieditor-backend", "floor", "ratio", "target", "target met?"}, rows);
}

std::string fanOutTable(const FanOut& f) {
  if (!f.ok()) return "Not measured: " + f.error + "\n";
  return table({"subscribers", "events timed", "p50", "p99", "max", "the POST p50", "the POST p99", "load avg before"},
               {{std::to_string(f.subscribers), std::to_string(f.latency.n()), ms(f.latency.median()),
                 ms(f.latency.pct(99)), ms(f.latency.pct(100)), ms(f.post.median()), ms(f.post.pct(99)),
                 f.loadAverages}});
}

std::string method(const BackendConfig& cfg, const BackendResults& r) {
  std::ostringstream md;
  md << "### Method\n\n"
     << "- `bench/backend.sh` builds `aieditor-backend` and this program with the `release` preset.\n"
     << "- Closed loop: each client is a thread with its own libcurl handle (one kept-alive connection) and sends its "
        "next request when the last is answered. Each measurement: "
     << cfg.warmup << " untimed requests per client, then " << num(cfg.seconds, 1)
     << " s; throughput is the requests timed ÷ the time from the common start to the last one's end. Levels run in "
        "turn on the same server and disk: `GET /healthz`, the floor, the storage alone, then the POSTs.\n"
     << "- Storage alone: the backend's own storage code (`SqliteStorage` or `PostgresStorage`, opened as `serve` "
        "opens it) linked into this program, each client a thread calling `addMessage` for a user of its own "
        "(`direct-1` ...): the same transaction a POST commits, without HTTP, sign-in or JSON. On SQLite it is a "
        "database file of its own beside the backend's; on PostgreSQL the backend's database, with a pool of as "
        "many connections as threads. Its CPU per add is this program's (user + system); the other processes' "
        "beside it include PostgreSQL's own work. The POSTs' rate ÷ this rate is what the HTTP layer costs.\n"
     << "- Each client is a user of its own (`bench-1` ... `bench-64`, made with `aieditor-backend user add` and "
        "signed in), as a team's members each write their own data: one user's writes take turns on that user's "
        "change counter (`seq`), which on PostgreSQL is a row lock held to the commit.\n"
     << "- A POST is `POST /api/sessions/<client's session>/messages` with a new message id, " << r.bodyBytes
     << " bytes of JSON; 201 is required (the backend answers after its commit). The server runs with "
        "`--max-connections "
     << cfg.maxConnections << "`.\n"
     << "- SQLite floor: the backend's `records` row (its stored JSON, " << r.storedBytes
     << " bytes) inserted by as many writers as clients (each with its own user id) into a database beside the backend's, each writer its own "
        "connection (WAL, synchronous=FULL, busy timeout 30 s), each INSERT its own transaction and commit. The "
        "backend also updates the session, the user's seq and the change log in the same transaction, and shares "
        "commits between writes that arrive together (group commit), which the floor's writers cannot; and a "
        "floor writer that finds the lock taken sleeps in SQLite's busy handler (1 ms, 2 ms, 5 ms, ... up to 100 ms), "
        "so many floor writers mostly sleep.\n"
     << "- PostgreSQL floor: the same row into a table of the same shape, each writer its own libpq connection, each "
        "INSERT autocommitted.\n"
     << "- CPU per request: the backend process's user + system time (`/proc/PID/stat`), and this program's (the "
        "clients'), over the measurement and its warm-up, ÷ their requests. It drifts less with the neighbours' load "
        "than the rates do; both share the machine's cores, so a rate above cores ÷ (server + clients) cannot be "
        "reached here.\n"
     << "- `GET /healthz` touches no storage (it answers the engine's name and the version): it is the cost of "
        "HTTP, routing and the JSON reply alone.\n"
     << "- Fan-out: " << cfg.subscribers << " subscribers on `GET /api/events` (one libcurl multi handle on one thread, "
        "one connection each), all connected (`: connected` received) before the first POST; then one POST at a "
        "time from another connection, each once every subscriber has its event ("
     << cfg.fanOutWarmup << " untimed first, " << cfg.fanOutPosts
     << " timed). Timed from just before the POST is sent to the event's arrival at each subscriber: an upper bound "
        "of commit → event, since it includes the POST's own time (reported beside it).\n"
     << "- The machine has " << sh("nproc") << " cores shared with other work, and the clients run on them too. "
        "Beside each row: the CPU other processes used during the POSTs and during the floor (`/proc/stat`'s busy "
        "time less the backend's and the clients'; on PostgreSQL this includes the PostgreSQL server, which is "
        "how its cost per POST and per floor insert can be compared), and the load averages just before (which "
        "count the clients' own threads once they run).\n";
  return md.str();
}

}  // namespace

int writeBackendReport(const BackendConfig& cfg, const BackendResults& r) {
  std::ostringstream md;
  md << kBackendPart.begin << "\n";
  md << "## Team backend (`aieditor-backend`)\n\n"
     << "Generated by `bench/backend.sh`" << (cfg.smoke ? " (smoke mode: tiny counts, the figures mean little)" : "")
     << " (issue 14); do not edit by hand. Every figure was measured in the same run as its floor; nothing asserts "
        "a time.\n\n";
  md << "### Machine and run\n\n"
     << "- date: " << utcNow() << "\n"
     << "- command: `" << cfg.command << "`" << format(" (took {:.0f} s)", runSeconds()) << "\n"
     << machineLines(cfg.self, cfg.work) << "- " << (r.version.empty() ? "aieditor-backend (version unknown)" : r.version)
     << ", SQLite " << sqlite3_libversion() << "; "
     << (r.postgres.detail.empty() ? "PostgreSQL not measured" : r.postgres.detail) << "\n\n";
  md << "### Results\n\n" << resultsTable(r) << "\n";
  md << "### SQLite (" << r.sqlite.detail << ")\n\n";
  md << (r.sqlite.error.empty() ? "" : "Failed: " + r.sqlite.error + "\n\n") << storageTable(r.sqlite, true) << "\n";
  md << "### PostgreSQL\n\n";
  if (!r.postgres.notRun.empty())
    md << "Not measured: " << r.postgres.notRun << ".\n\n";
  else
    md << (r.postgres.error.empty() ? "" : "Failed: " + r.postgres.error + "\n\n") << storageTable(r.postgres, false)
       << "\n";
  md << "### SSE fan-out (`GET /api/events`)\n\n" << fanOutTable(r.fanOut) << "\n";
  md << method(cfg, r);
  md << kBackendPart.end << "\n";

  std::cout << "\n" << resultsTable(r) << "\n" << storageTable(r.sqlite, true) << "\n";
  if (!r.postgres.levels.empty()) std::cout << storageTable(r.postgres, false) << "\n";
  std::cout << fanOutTable(r.fanOut) << "\n";
  writePart(cfg.out, kBackendPart, md.str());
  std::cout << format("wrote the backend part of {} ({:.0f} s)\n", cfg.out, runSeconds());

  bool failed = !r.sqlite.error.empty() || r.sqlite.levels.empty() || !r.fanOut.ok() ||
                (r.postgres.notRun.empty() && (!r.postgres.error.empty() || r.postgres.levels.empty()));
  for (const auto* run : {&r.sqlite, &r.postgres})
    for (const auto& l : run->levels)
      failed = failed || !l.post.ok() || !l.floor.ok() || !l.direct.ok() || (run == &r.sqlite && !l.health.ok());
  return failed ? 1 : 0;
}

}  // namespace bench
