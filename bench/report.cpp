#include "report.h"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "machine.h"
#include "text.h"

namespace bench {

namespace {

namespace fs = std::filesystem;

constexpr double kDeltaP99TargetMs = 1;  // issue 6: chat/delta overhead p99

const SizePoint* at(const SessionRun& run, std::size_t i) { return i < run.points.size() ? &run.points[i] : nullptr; }
std::string metText(std::optional<bool> met) { return !met ? "n/a" : *met ? "**met**" : "not met"; }
std::optional<bool> known(bool isKnown, bool v) { return isKnown ? std::optional<bool>(v) : std::nullopt; }
std::string size(long n) { return num(static_cast<double>(n), 0); }

long medianOf(std::vector<long> v) {
  if (v.empty()) return -1L;
  std::ranges::sort(v);
  return v[v.size() / 2];
}

/// The floor for messages/add: pipe round trip + one SQLite insert and commit with fdatasync.
double addFloor(const Floors& f) { return f.pipe.median() + f.sqlite.median(); }

/// A held-lock result for a table cell: its p99, or that the server was blocked.
std::string lockedP99(const Locked& l) {
  if (!l.ran) return "n/a";
  std::string v = l.all.empty() ? "" : ms(l.all.pct(99));
  if (l.blocked) v += (v.empty() ? "" : "; then ") + std::string("blocked: ") + l.blockedWhy;
  if (v.empty()) v = l.error.empty() ? "n/a" : "failed";
  return v;
}

// ---------------------------------------------------------------- the results table

/// The results table; with a reference server, its column beside aieditor's.
class MainTable {
 public:
  MainTable(const Config& cfg, const Results& r) : cfg_(cfg), r_(r) {
    coldStart();
    roundTrips();
    throughput();
    opening();
    streaming();
  }

  std::string text() const {
    std::vector<std::string> head = {"metric", "aieditor", "reference", "ratio", "target", "target met?"};
    if (cfg_.hasReferenceServer()) head.insert(head.begin() + 2, "reference server (" + cfg_.referenceLabel + ")");
    return table(head, rows_);
  }

 private:
  void row(std::string metric, std::string value, std::string reference, std::string r, std::string target,
           std::optional<bool> met, std::string theirs = "—") {
    std::vector<std::string> cells = {std::move(metric), std::move(value), std::move(reference), std::move(r),
                                      std::move(target), metText(met)};
    if (cfg_.hasReferenceServer()) cells.insert(cells.begin() + 2, std::move(theirs));
    rows_.push_back(std::move(cells));
  }

  void coldStart() {
    const Stats &ai = r_.aieditorStart.times, &cp = r_.copilotStart.times;
    long aiRss = r_.aieditorStart.rssMedian, cpRss = r_.copilotStart.rssMedian;
    row(format("cold start: spawn → initialize response, median of {}", ai.n()), ms(ai.median()),
        cp.empty() ? "copilot-language-server: " + r_.copilotStart.error
                   : format("{} (copilot-language-server, median of {})", ms(cp.median()), cp.n()),
        ratio(ai.median(), cp.median()), "≤ 5 ms", known(!ai.empty(), ai.median() <= 5));
    row("RSS after initialize (median)", mib(aiRss), cpRss < 0 ? "n/a" : mib(cpRss) + " (copilot-language-server)",
        ratio(static_cast<double>(aiRss), static_cast<double>(cpRss)), "≤ 10 MiB", known(aiRss >= 0, aiRss >= 0 && aiRss <= 10 * 1024));
  }

  void roundTrips() {
    for (std::size_t i = 0; i < cfg_.sizes.size(); ++i) {
      auto* a = at(r_.aieditor, i);
      auto* t = at(r_.referenceServer, i);
      double p50 = a ? a->rtt.ms.median() : NAN;
      // The floor interleaved with this size's adds (the disk's latency drifts during a run).
      const Floors& fl = a ? a->floor : r_.floors;
      // The floor: pipe round trip + one SQLite insert and commit with
      // fdatasync. The bare fdatasync (the disk's minimum) is shown beside it.
      double floorHere = addFloor(fl);
      double bareHere = fl.pipe.median() + fl.fdatasync.median();
      std::string label = size(a ? a->size : cfg_.sizes[i]);
      row(format("`messages/add` p50, session of {} (n={})", label, a ? a->rtt.ms.n() : 0), ms(p50),
          format("{} (floor: pipe {} + SQLite commit {}); vs pipe + bare fdatasync ({}): {}", ms(floorHere),
                 ms(fl.pipe.median()), ms(fl.sqlite.median()), ms(bareHere), ratio(p50, bareHere)),
          ratio(p50, floorHere), "≤ 1.5× floor", known(a != nullptr, p50 <= 1.5 * floorHere),
          t ? format("{} ({} its floor)", ms(t->rtt.ms.median()), ratio(t->rtt.ms.median(), addFloor(t->floor))) : "n/a");
      double p99 = a ? a->rtt.ms.pct(99) : NAN;
      double floor99 = fl.pipe.pct(99) + fl.sqlite.pct(99);
      row(format("`messages/add` p99, session of {}", label), ms(p99), format("{} (pipe p99 + SQLite commit p99)", ms(floor99)),
          ratio(p99, floor99), "—", std::nullopt, t ? ms(t->rtt.ms.pct(99)) : "n/a");
    }
    auto flatness = [&](const SessionRun& run) {
      auto* first = at(run, 0);
      auto* last = at(run, cfg_.sizes.size() - 1);
      return first && last ? last->rtt.ms.median() / first->rtt.ms.median() : NAN;
    };
    double f = flatness(r_.aieditor), rf = flatness(r_.jsonFile), tf = flatness(r_.referenceServer);
    row(format("flatness: p50 at {} ÷ p50 at {}", size(cfg_.sizes.back()), size(cfg_.sizes.front())),
        std::isnan(f) ? "n/a" : num(f, 2) + "×", std::isnan(rf) ? "n/a" : num(rf, 1) + "× (JSON-file server)", "—", "≤ 1.2×",
        known(!std::isnan(f), f <= 1.2), std::isnan(tf) ? "n/a" : num(tf, 2) + "×");
  }

  void throughput() {
    for (std::size_t i = 0; i < cfg_.sizes.size(); ++i) {
      auto* a = at(r_.aieditor, i);
      auto* j = at(r_.jsonFile, i);
      auto* t = at(r_.referenceServer, i);
      double ar = a ? a->thr.rate() : NAN, jr = j ? j->thr.rate() : NAN, tr = t ? t->thr.rate() : NAN;
      const std::string& jsonError = r_.jsonFile.error;
      row(format("pipelined durable adds, {} in flight, session of {}", cfg_.window, size(cfg_.sizes[i])),
          std::isnan(ar) ? "n/a" : num(ar, 0) + " msg/s",
          std::isnan(jr) ? "JSON-file server: " + (jsonError.empty() ? std::string("n/a") : jsonError)
                         : format("{} msg/s (JSON-file server, n={})", num(jr, jr < 100 ? 1 : 0), j->thr.done),
          ratio(ar, jr), "≥ 20,000 msg/s", known(a != nullptr, ar >= 20000), std::isnan(tr) ? "n/a" : num(tr, 0) + " msg/s");
    }
  }

  void opening() {
    const Opening &ai = r_.aieditorOpen, &js = r_.jsonFileOpen;
    double aiMed = ai.ms.median(), jsMed = js.ms.median();
    row(format("`session/open` first page (50) of {} messages, fresh process", size(ai.size)), ms(aiMed),
        js.ms.empty() ? "n/a" : format("{} (JSON-file server, {} messages)", ms(jsMed), size(js.size)), ratio(aiMed, jsMed),
        "≤ 5 ms", known(!ai.ms.empty(), aiMed <= 5));
    long aiAdd = medianOf(ai.rssAdded), jsAdd = medianOf(js.rssAdded);
    row("RSS added by that `session/open`", ai.rssAdded.empty() ? "n/a" : mib(aiAdd),
        js.rssAdded.empty() ? "n/a" : mib(jsAdd) + " (JSON-file server)",
        ratio(static_cast<double>(aiAdd), static_cast<double>(jsAdd)), "—", std::nullopt);
  }

  void streaming() {
    const Streaming& s = r_.streaming;
    const Stats &da = s.aieditor.all, &fa = s.relay.all, &ta = s.referenceServer.all;
    auto theirs = [&](double v) { return ta.empty() ? std::string("n/a") : ms(v); };
    row(format("chat/delta overhead p50 (fake OpenAI upstream → client; n={})", da.n()), ms(da.median()),
        format("{} (C++ relay floor, n={})", ms(fa.median()), fa.n()), ratio(da.median(), fa.median()), "—", std::nullopt,
        theirs(ta.median()));
    row("chat/delta overhead p99 (fake OpenAI upstream → client)", ms(da.pct(99)), format("{} (C++ relay floor)", ms(fa.pct(99))),
        ratio(da.pct(99), fa.pct(99)), format("p99 ≤ {} ms", kDeltaP99TargetMs), known(!da.empty(), da.pct(99) <= kDeltaP99TargetMs),
        theirs(ta.pct(99)));
    row(format("chat/delta overhead, last chunk of a reply, median (n={})", s.aieditor.last.n()), ms(s.aieditor.last.median()),
        format("{} (C++ relay floor)", ms(s.relay.last.median())), ratio(s.aieditor.last.median(), s.relay.last.median()),
        "—", std::nullopt, s.referenceServer.last.empty() ? "n/a" : ms(s.referenceServer.last.median()));
    const Locked& l = r_.locked;
    row(format("chat/delta overhead p99 while another process holds the database's write lock (n={})", l.all.n()),
        lockedP99(l), format("{} without the lock (above)", ms(da.pct(99))), ratio(l.all.pct(99), da.pct(99)), "—",
        std::nullopt, lockedP99(r_.referenceServerLocked));
  }

  const Config& cfg_;
  const Results& r_;
  std::vector<std::vector<std::string>> rows_;
};

// ---------------------------------------------------------------- the other tables

std::string floorTable(const Floors& f) {
  double pipe = f.pipe.median(), sync = f.fdatasync.median(), sqlite = f.sqlite.median();
  return table({"floor (same disk, same run)", "p50", "p99", "n"},
               {{"pipe round trip, C++ echo, same framing and request", ms(pipe), ms(f.pipe.pct(99)), std::to_string(f.pipe.n())},
                {"SQLite INSERT + COMMIT, WAL, synchronous=FULL", ms(sqlite), ms(f.sqlite.pct(99)), std::to_string(f.sqlite.n())},
                {"bare fdatasync of a 200-byte overwrite", ms(sync), ms(f.fdatasync.pct(99)), std::to_string(f.fdatasync.n())},
                {"pipe + SQLite commit (the target's floor)", ms(pipe + sqlite), "", ""},
                {"pipe + bare fdatasync", ms(pipe + sync), "", ""}});
}

std::string driftTable(const SessionRun& ai) {
  std::vector<std::vector<std::string>> rows;
  for (auto& p : ai.points)
    rows.push_back({size(p.size), ms(p.floor.pipe.median()), ms(p.floor.fdatasync.median()), ms(p.floor.fdatasync.pct(99)),
                    ms(p.floor.sqlite.median()), ms(p.floor.sqlite.pct(99))});
  return table({"floor interleaved with the adds at size", "pipe p50", "bare fdatasync p50", "bare fdatasync p99",
                "SQLite commit p50", "SQLite commit p99"},
               rows);
}

std::string rttTable(const Config& cfg, const Results& r) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(r.aieditor, i);
    auto* j = at(r.jsonFile, i);
    rows.push_back({size(cfg.sizes[i]), a ? ms(a->rtt.ms.median()) : "n/a", a ? ms(a->rtt.ms.pct(99)) : "n/a",
                    a ? std::to_string(a->rtt.ms.n()) : "0", j ? ms(j->rtt.ms.median()) : "n/a",
                    j ? ms(j->rtt.ms.pct(99)) : "n/a", j ? std::to_string(j->rtt.ms.n()) : "0",
                    a && j ? ratio(j->rtt.ms.median(), a->rtt.ms.median()) : "n/a"});
  }
  return table({"session size", "aieditor p50", "aieditor p99", "n", "JSON-file p50", "JSON-file p99", "n",
                "JSON-file ÷ aieditor (p50)"},
               rows);
}

std::string growthTable(const Config& cfg, const Results& r) {
  auto range = [](const SizePoint* p) { return p ? size(p->thrStart) + " → " + size(p->thrStart + p->thr.done) : "n/a"; };
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(r.aieditor, i);
    auto* j = at(r.jsonFile, i);
    rows.push_back({size(cfg.sizes[i]), a ? num(1e6 / a->thr.rate(), 1) + " µs" : "n/a", range(a),
                    j ? num(1e6 / j->thr.rate(), 0) + " µs" : "n/a", range(j),
                    a && j ? ratio(1e6 / j->thr.rate(), 1e6 / a->thr.rate()) : "n/a"});
  }
  return table({"session size", "aieditor µs/message", "aieditor sizes covered", "JSON-file µs/message",
                "JSON-file sizes covered", "JSON-file ÷ aieditor"},
               rows);
}

std::string fillTable(const SessionRun& ai) {
  std::vector<std::vector<std::string>> rows;
  for (auto& [n, us] : ai.growth) rows.push_back({size(n), num(us, 1) + " µs", num(1e6 / us, 0)});
  return rows.empty() ? "" : table({"aieditor session size at end of prefill chunk", "µs per message", "msg/s"}, rows);
}

/// aieditor beside the reference server, with the ratio of the two.
std::string sideBySideTable(const Config& cfg, const Results& r) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(r.aieditor, i);
    auto* t = at(r.referenceServer, i);
    double ap = a ? a->rtt.ms.median() : NAN, tp = t ? t->rtt.ms.median() : NAN;
    rows.push_back({format("`messages/add` p50 ÷ its floor, session of {}", size(cfg.sizes[i])),
                    a ? ratio(ap, addFloor(a->floor)) + " (" + ms(ap) + ")" : "n/a",
                    t ? ratio(tp, addFloor(t->floor)) + " (" + ms(tp) + ")" : "n/a", ratio(ap, tp)});
  }
  for (std::size_t i = 0; i < cfg.sizes.size(); ++i) {
    auto* a = at(r.aieditor, i);
    auto* t = at(r.referenceServer, i);
    double ar = a ? a->thr.rate() : NAN, tr = t ? t->thr.rate() : NAN;
    rows.push_back({format("pipelined adds per second, session of {}", size(cfg.sizes[i])),
                    std::isnan(ar) ? "n/a" : num(ar, 0) + " msg/s", std::isnan(tr) ? "n/a" : num(tr, 0) + " msg/s",
                    ratio(ar, tr)});
  }
  const Stats &da = r.streaming.aieditor.all, &ta = r.streaming.referenceServer.all;
  rows.push_back({"chat/delta overhead p99", ms(da.pct(99)), ms(ta.pct(99)), ratio(da.pct(99), ta.pct(99))});
  rows.push_back({"chat/delta overhead p99 under another process's write lock", lockedP99(r.locked),
                  lockedP99(r.referenceServerLocked), ratio(r.locked.all.pct(99), r.referenceServerLocked.all.pct(99))});
  return table({"metric", "aieditor", "reference server", "aieditor ÷ reference server"}, rows);
}

/// The held-lock measurement, per server.
std::string lockTable(const Config& cfg, const Results& r) {
  auto line = [](const std::string& who, const Locked& l, const Streamed& free) -> std::vector<std::string> {
    return {who,
            l.all.empty() ? "n/a" : ms(l.all.median()),
            lockedP99(l),
            std::to_string(l.all.n()),
            format("{} of {}", l.streamed, l.replies),
            ms(l.heldMs),
            format("{} saved, {} saved later (-32001)", l.saved, l.savedLater),
            ms(free.all.pct(99))};
  };
  std::vector<std::vector<std::string>> rows = {line("aieditor", r.locked, r.streaming.aieditor)};
  if (cfg.hasReferenceServer()) rows.push_back(line("reference server", r.referenceServerLocked, r.streaming.referenceServer));
  return table({"server", "chat/delta p50 under the lock", "p99 under the lock", "n", "replies streamed while it was held",
                "lock held", "chat/send answers after its release", "p99 without the lock"},
               rows);
}

// ---------------------------------------------------------------- notes

struct Notes {
  std::vector<std::string> lines;
  bool aieditorFailed = false;
};

/// The run's notes; aieditor's own failures also fail the run (the references may be missing).
Notes notesFor(const Config& cfg, const Results& r) {
  Notes n;
  auto& notes = n.lines;
  auto add = [&](const std::string& what, const std::string& error) {
    if (!error.empty()) notes.push_back(what + error);
  };
  add("aieditor cold start failed: ", r.aieditorStart.error);
  add("aieditor messages/add: ", r.aieditor.error);
  add("aieditor session/open: ", r.aieditorOpen.error);
  add("aieditor chat/send: ", r.streaming.error);
  add("C++ relay floor: ", r.streaming.relayError);
  add("aieditor chat/send under another process's write lock: ", r.locked.error);
  for (auto& p : r.aieditor.points)
    if (p.rtt.errors || p.thr.errors)
      notes.push_back(format("aieditor at size {}: {} error replies", p.size, p.rtt.errors + p.thr.errors));
  n.aieditorFailed = !notes.empty();
  add("copilot-language-server: ", r.copilotStart.error);
  add("JSON-file reference: ", r.jsonFile.error);
  add("reference server messages/add: ", r.referenceServer.error);
  add("reference server chat/send: ", r.streaming.referenceServerError);
  add("reference server chat/send under another process's write lock: ", r.referenceServerLocked.error);
  auto blocked = [&](const std::string& who, const Locked& l) {
    if (l.blocked)
      notes.push_back(format("{} was blocked while another process held the database's write lock ({}); the lock was "
                             "released then, and {} of {} replies had streamed",
                             who, l.blockedWhy, l.streamed, l.replies));
  };
  blocked("aieditor", r.locked);
  if (cfg.hasReferenceServer()) blocked("the reference server", r.referenceServerLocked);
  // A shared host's neighbours show up first in the pipe floor (two process
  // wake-ups and nothing else). Its best samples tell what the machine does
  // when quiet; where its median is far above them, the host was busy and the
  // figures measured under it say more about the host than the server.
  const double quietPipe = r.floors.pipe.pct(1);
  auto busy = [&](double pipeMedian, const std::string& when) {
    if (pipeMedian > 3 * quietPipe)
      notes.push_back(format("the host was busy {}: the pipe floor's median was {}, against {} at its quietest", when,
                             ms(pipeMedian), ms(quietPipe)));
  };
  busy(r.floors.pipe.median(), "at the start of the run (floors, cold start)");
  for (auto& p : r.aieditor.points) busy(p.floor.pipe.median(), format("during the round trips at size {}", size(p.size)));
  for (auto& p : r.referenceServer.points)
    busy(p.floor.pipe.median(), format("during the reference server's round trips at size {}", size(p.size)));
  const Stats& relay = r.streaming.relay.all;
  if (!relay.empty() && relay.pct(99) > kDeltaP99TargetMs)
    notes.push_back(format("the host was busy during the streaming run: the C++ relay floor alone had a chat/delta p99 of {}, "
                           "over the {} ms target",
                           ms(relay.pct(99)), kDeltaP99TargetMs));
  return n;
}

// ---------------------------------------------------------------- the document

std::string machineSection(const Config& cfg, const Results& r) {
  std::string nodeVersion = cfg.node.empty() ? "n/a" : sh(cfg.node + " --version 2>/dev/null");
  const std::string& cpVersion = r.copilotStart.version;

  std::ostringstream md;
  md << "## Machine and run\n\n";
  md << "- date: " << utcNow() << "\n";
  md << "- command: `" << cfg.command << "`" << format(" (took {:.0f} s)", runSeconds()) << "\n";
  md << machineLines(cfg.self, cfg.work);
  md << "- aieditor " << r.aieditorStart.version << " (Release build), SQLite " << sqlite3_libversion()
     << "; copilot-language-server " << (cpVersion.empty() ? "n/a" : cpVersion) << "; Node " << nodeVersion << "\n";
  if (cfg.hasReferenceServer())
    md << "- reference server: " << cfg.referenceLabel
       << (cfg.referenceLabel == cfg.referenceServer ? "" : " (`" + cfg.referenceServer + "`)") << ", aieditor "
       << (r.referenceServer.version.empty() ? "n/a" : r.referenceServer.version) << "\n";
  md << "\n";
  return md.str();
}

}  // namespace

int writeReport(const Config& cfg, const Results& r) {
  say("writing the report");
  std::string mainTable = MainTable(cfg, r).text();
  std::string floors = floorTable(r.floors), drift = driftTable(r.aieditor), rtt = rttTable(cfg, r),
              growth = growthTable(cfg, r), fill = fillTable(r.aieditor), locked = lockTable(cfg, r);
  Notes notes = notesFor(cfg, r);

  std::ostringstream md;
  md << "# Benchmarks\n\n";
  md << "Generated by `bench/run.sh`" << (cfg.smoke ? " (smoke mode: tiny sizes, the figures mean little)" : "")
     << "; do not edit by hand. Every figure was measured in the same run as its reference; "
        "nothing asserts a time. Issue 6 describes the metrics and targets.\n\n";
  md << machineSection(cfg, r);
  md << "## Results\n\n" << mainTable << "\n";
  if (cfg.hasReferenceServer())
    md << "## Side by side with the reference server\n\nThe reference server (" << cfg.referenceLabel
       << ") was measured in this run by the same code, size by size and reply by reply in turn with aieditor; each "
          "`messages/add` ratio is to the floor interleaved with that server's own adds.\n\n"
       << sideBySideTable(cfg, r) << "\n";
  md << "## Floors\n\nAt the start of the run:\n\n" << floors
     << "\nAnd interleaved with each round-trip measurement, one floor sample after each `messages/add` (the targets use these):\n\n"
     << drift << "\n";
  md << "## `messages/add` round trip by session size\n\n"
        "Sequential requests: each is sent when the previous reply has arrived. The JSON-file reference rewrites the "
        "whole session file (with fsync) on every message; its samples stop after "
     << num(cfg.refCapSeconds, 0) << " s per size, and it starts each size from a freshly written file.\n\n"
     << rtt << "\n";
  md << "## Per-message cost as the session grows (pipelined, " << cfg.window << " in flight)\n\n" << growth << "\n";
  {
    std::string per;
    for (auto& p : r.aieditor.points)
      per += (per.empty() ? "" : ", ") + num(1e6 / p.thr.rate() / 1000 / p.floor.sqlite.median(), 2) + "× at " + size(p.size);
    if (!per.empty())
      md << "aieditor's pipelined cost per message ÷ one SQLite INSERT+COMMIT (p50, interleaved floor): " << per
         << ". Near 1× means one durable commit per message: pipelined requests are not grouped into shared "
            "commits, so throughput is bounded by the commit (fdatasync) rate.\n\n";
  }
  if (!fill.empty()) md << "aieditor while prefilling the session by its own pipelined `messages/add`:\n\n" << fill << "\n";
  md << "## chat/delta while another process holds the database's write lock\n\n"
        "The driver opens the server's database with its own SQLite connection and holds `BEGIN IMMEDIATE` while "
        "the replies stream, so each prompt's write waits for the lock. A reply that answers -32001 (the write "
        "outlasted the server's busy timeout) is saved later, not a failure; a server that sends no chat/delta while "
        "the lock is held is blocked, and the lock is released after "
     << num(cfg.lockWaitMs / 1000.0, 1) << " s.\n\n"
     << locked << "\n";
  md << methodSection(cfg);
  if (!notes.lines.empty()) {
    md << "\n## Notes from this run\n\n";
    for (auto& n : notes.lines) md << "- " << n << "\n";
  }

  std::cout << "\n" << mainTable << "\n" << floors << "\n" << drift << "\n" << rtt << "\n" << growth << "\n" << locked << "\n";
  for (auto& n : notes.lines) std::cout << "note: " << n << "\n";
  // The backend's and sync's parts of the document are bench/backend.sh's and bench/sync.sh's: kept as they were.
  std::string kept;
  for (DocumentPart part : {kBackendPart, kSyncPart, kSearchPart})
    if (std::string text = readPart(cfg.out, part); !text.empty()) kept += "\n" + text;
  fs::create_directories(fs::path(cfg.out).parent_path());
  std::ofstream(cfg.out) << md.str() << kept;
  std::cout << format("\nwrote {} ({:.0f} s)\n", cfg.out, runSeconds());
  return notes.aieditorFailed ? 1 : 0;
}

}  // namespace bench
