// The driver's command line and the sizes of a full or a smoke run.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Config {
  bool smoke = false;
  std::string self;  ///< this driver, for its --echo and --relay children
  std::string server, copilot, node, reference, work, out, command;
  std::string referenceServer;  ///< a second aieditor binary (e.g. the previous design), measured beside `server`
  std::string referenceLabel;   ///< how the report names it
  // sizes
  std::vector<long> sizes;  ///< session sizes for the round trip (ascending)
  int rttSamples = 0;       ///< sequential adds per size
  int thrCount = 0;         ///< pipelined adds per size
  int window = 1000;        ///< requests in flight
  int coldRuns = 0, copilotRuns = 0, openRuns = 0;
  double refCapSeconds = 0;  ///< time cap per reference measurement
  int streams = 0;           ///< replies from the fake upstream, to aieditor and as many to the relay floor
  int streamChunks = 0;      ///< content chunks per reply
  int chunkPauseMs = 2;      ///< between chunks, so each goes out alone
  int floorWarmupCommits = 0;  ///< before a floor's SQLite samples (1,100: past the first checkpoint)
  int lockedStreams = 0;     ///< replies while another process holds the database's write lock
  int lockWaitMs = 0;        ///< how long a reply's deltas may take under the lock before it counts as blocked
  unsigned timeLimitSeconds = 0;  ///< the run ends by itself after this, whatever happens

  bool hasReferenceServer() const { return !referenceServer.empty(); }
};

/// The usage line.
extern const char* const kUsage;

/// The command line (argv[0] is the driver), with the sizes of its mode;
/// nothing (after a message on stderr) when it is wrong.
std::optional<Config> parseConfig(int argc, char** argv);

}  // namespace bench
