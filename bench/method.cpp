// The report's Method section: what is measured, and how.
#include <sstream>

#include "report.h"
#include "text.h"

namespace bench {

std::string methodSection(const Config& cfg) {
  std::ostringstream md;
  md << "## Method\n\n";
  md << "- The driver (`bench/driver.cpp` and the files beside it) spawns each server with `posix_spawn` and talks "
        "LSP-framed JSON-RPC over pipes, as an editor does. Times are wall-clock (`steady_clock`) in the driver, from "
        "writing a request to parsing its reply.\n";
  md << "- Cold start: from just before spawn to the parsed `initialize` response; RSS is `VmRSS` of "
        "`/proc/PID/status` right after it. aieditor opens an existing (small) database; the first run, which creates "
        "it, is not counted. copilot-language-server gets the same `initialize` plus the `editorInfo` it asks for, with "
        "HOME in the work directory and no network; it is killed right after, and its first run (page cache) is not "
        "counted.\n";
  md << "- Round trip: `messages/add` of a ~150-character message into one session that grows from 0 to "
     << num(static_cast<double>(cfg.sizes.back()), 0)
     << " by the server's own pipelined `messages/add`; at each size, " << cfg.rttSamples
     << " sequential adds, then " << cfg.thrCount << " pipelined ones. The floor is a C++ echo of the same frame over "
        "the same kind of pipe plus one SQLite INSERT+COMMIT (WAL, synchronous=FULL) on the same disk, as the issue "
        "defines it; the target's ratio is to this floor. The floor's database is warmed up first ("
     << num(cfg.floorWarmupCommits, 0) << " commits"
     << (cfg.floorWarmupCommits >= 1100 ? ", past the first checkpoint), so its commits overwrite a WAL that has wrapped"
                                        : "; too few to pass the first checkpoint: the smoke run's floor is rough)")
     << "; aieditor's session of 100 is "
        "measured soon after the server started, whose WAL (deleted by SQLite when the last connection closes) is "
        "laid out in zeros 4 MiB at a time by the server, so its commits do not extend the file either. Beside it, "
        "the disk's own minimum: one bare `fdatasync` of a 200-byte overwrite in an allocated file (no size change, "
        "so no metadata write); each `messages/add` commit writes about three 4 KiB WAL frames (the message row and "
        "its two indexes; the session row is left alone while the session is first in the list) plus SQLite's "
        "bookkeeping, so it cannot reach that minimum. One floor sample is taken after each sequential add, so the "
        "two see the same disk.\n";
  if (cfg.hasReferenceServer())
    md << "- Reference server (`--reference-server`, " << cfg.referenceLabel
       << "): a second aieditor binary, measured by the same code in the same run: its own session and database grow "
          "beside aieditor's, size by size (aieditor first at each size, each with its own interleaved floor), and it "
          "takes its turn after aieditor and the relay floor in the streaming run, from an upstream of its own.\n";
  md << "- JSON-file reference (`bench/reference/json-file-server.js`, vscode-jsonrpc): its session file is written "
        "by the driver at each size (the file it would have produced), then it serves the same requests; on each "
        "message it rewrites the whole file (write temporary, fsync, rename). For the pipelined run it is restarted "
        "on a file of exactly the size again, and sends at most one window of requests, fewer when they would not "
        "finish within the time cap; aieditor's pipelined runs are "
     << cfg.thrCount << " requests.\n";
  md << "- Opening: a fresh server process on the database holding the largest session; the time of `session/open "
        "{limit: 50}` and the `VmRSS` it adds. The page cache is warm (the run just wrote the data).\n";
  md << "- Streaming: a fake OpenAI upstream runs on a thread of the driver (`tests/support/FakeUpstream.cpp`, the "
        "server tests' own: HTTP/1.1 on 127.0.0.1) and answers `POST /v1/chat/completions` in the API's streaming "
        "wire format (200, `text/event-stream`, `Connection: close`): a role chunk, then "
     << cfg.streamChunks << " `chat.completion.chunk` content events " << cfg.chunkPauseMs
     << " ms apart, each in its own write() with TCP_NODELAY, the last one followed in the same write() by the "
        "finish_reason and usage events and `data: [DONE]`. Content chunk i carries the marker «i», and the upstream "
        "notes the time just before its write(). aieditor runs its `openai` provider against it (initializationOptions "
        "provider/baseUrl/model, a dummy OPENAI_API_KEY) and gets "
     << cfg.streams << " `chat/send` in an opened session. A sample is, for each marker found in a `chat/delta`, the "
        "time the driver has read and parsed that notification minus the upstream's write() of that chunk; a delta "
        "that merged several chunks gives each its own sample, so a chunk held back counts its wait. Every chunk "
        "counts (no warm-up is dropped); the last chunk of each reply, which the end of the stream follows at once, "
        "is also shown on its own. The floor is a trivial C++ relay, a separate process like the server "
        "(`driver --relay`): for each framed request it streams from the same upstream over loopback TCP (blocking "
        "reads, one JSON parse per event) and writes each chunk's content at once as a framed `chat/delta` to its "
        "stdout; it is timed by the same code, one relay reply after each aieditor reply, so both see the same "
        "machine. The floor is thus loopback TCP + parse + pipe + two process wake-ups; what aieditor adds is "
        "libcurl, the hand-off from its transfer thread to the event loop, and the notification's JSON.\n";
  md << "- Under another process's write lock: a fresh server on its own database, pointed at its own fake upstream, "
        "with one session per reply opened (and one reply streamed) first. The driver then opens the database with "
        "its own SQLite connection and runs `BEGIN IMMEDIATE`, and sends "
     << cfg.lockedStreams
     << " `chat/send`, each once the last chunk of the one before has arrived, without waiting for their responses: "
        "each prompt's write waits for the lock, the chunks are timed as above from the `chat/delta` notifications. "
        "The lock is rolled back (nothing is written) once the last reply's last chunk has arrived, or when a reply's "
        "chunks have not all arrived within "
     << num(cfg.lockWaitMs / 1000.0, 1)
     << " s plus the stream's length, which is reported as blocked; only then are the responses awaited. A -32001 "
        "response (the write outlasted the server's busy timeout) counts as a reply saved later.\n";
  return md.str();
}

}  // namespace bench
