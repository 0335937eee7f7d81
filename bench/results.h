// What the measurements found: the measurements (measure.h, streaming.h) fill
// these, the report (report.h) reads them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "stats.h"

namespace bench {

/// Spawn → initialize response, several runs after one uncounted run.
struct ColdStart {
  Stats times;
  long rssMedian = -1;
  std::string version, error;
};

/// The floor: a C++ echo over a pipe, one SQLite INSERT+COMMIT, one bare fdatasync.
struct Floors {
  Stats pipe, fdatasync, sqlite;
};

/// Requests sent with a window in flight.
struct Pipelined {
  long done = 0, errors = 0;
  double seconds = 0;
  std::string firstError;
  double rate() const { return seconds > 0 ? static_cast<double>(done) / seconds : NAN; }
};

/// Requests sent one after the other's reply.
struct Sequential {
  Stats ms;
  long errors = 0;
  std::string firstError;
};

/// `messages/add` at one session size.
struct SizePoint {
  long size = 0;
  Sequential rtt;
  Pipelined thr;
  long thrStart = 0;  ///< session size when the pipelined run began
  Floors floor;       ///< interleaved with the round trips: the disk's latency drifts
};

/// One server's session through the sizes.
struct SessionRun {
  std::string version;  ///< serverInfo.version, from initialize
  std::vector<SizePoint> points;
  std::vector<std::pair<long, double>> growth;  ///< (session size at chunk end, µs per message pipelined)
  std::string error;
};

/// `session/open` of the largest session in a fresh process.
struct Opening {
  long size = 0;
  Stats ms;
  std::vector<long> rssAdded;
  std::string error;
};

/// chat/delta samples: upstream write() → the driver has parsed the notification.
struct Streamed {
  Stats all;   ///< every chunk
  Stats last;  ///< the last chunk of each reply: it races the end of the reply (the save)
};

struct Streaming {
  Streamed aieditor, relay, referenceServer;
  std::string error, relayError, referenceServerError;
};

/// chat/delta while another process holds the database's write lock.
struct Locked {
  bool ran = false;
  int replies = 0;           ///< chat/send sent while the lock was held
  int streamed = 0;          ///< of them, whose last chunk arrived while it was held
  bool blocked = false;      ///< a reply's chunks did not all come while the lock was held
  std::string blockedWhy;    ///< e.g. "no chat/delta within 3.1 s"
  double heldMs = NAN;       ///< how long the lock was held
  Stats all;                 ///< every chunk that arrived while the lock was held
  int saved = 0;             ///< chat/send answered with a result
  int savedLater = 0;        ///< answered -32001: the write failed and is retried later
  std::string error;         ///< the measurement failed
};

struct Results {
  Floors floors;
  ColdStart aieditorStart, copilotStart;
  SessionRun aieditor, referenceServer, jsonFile;
  Opening aieditorOpen, jsonFileOpen;
  Streaming streaming;
  Locked locked, referenceServerLocked;
};

}  // namespace bench
