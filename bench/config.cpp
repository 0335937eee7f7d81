#include "config.h"

#include <filesystem>
#include <iostream>

namespace bench {

namespace fs = std::filesystem;

const char* const kUsage =
    "usage: driver --server BIN [--reference-server BIN [--reference-label TEXT]] [--copilot BIN]\n"
    "              [--node BIN --reference JS] --work DIR --out FILE [--command TEXT] [--smoke]\n"
    "       driver --echo | --relay PORT\n";

namespace {

void sizeFor(Config& cfg) {
  if (cfg.smoke) {
    cfg.sizes = {20, 500, 2000};
    cfg.rttSamples = 30;
    cfg.thrCount = 300;
    cfg.window = 100;
    cfg.coldRuns = 3;
    cfg.copilotRuns = 1;
    cfg.openRuns = 1;
    cfg.streams = 2;
    cfg.streamChunks = 30;
    cfg.refCapSeconds = 3;
    cfg.lockedStreams = 1;
    cfg.lockWaitMs = 2000;
    cfg.floorWarmupCommits = 50;  // a floor probe per size: 1,100 commits each took most of the smoke run
    cfg.timeLimitSeconds = 240;
  } else {
    cfg.sizes = {100, 10000, 100000};
    cfg.rttSamples = 500;
    cfg.thrCount = 5000;
    cfg.window = 1000;
    cfg.coldRuns = 20;
    cfg.copilotRuns = 20;
    cfg.openRuns = 5;
    cfg.streams = 5;
    cfg.streamChunks = 200;
    cfg.refCapSeconds = 20;
    cfg.lockedStreams = 5;
    cfg.lockWaitMs = 5000;
    cfg.floorWarmupCommits = 1100;
    cfg.timeLimitSeconds = 1500;
  }
}

}  // namespace

std::optional<Config> parseConfig(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Config cfg;
  cfg.self = fs::absolute(argv[0]).string();
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::cerr << "missing value for " << args[i] << "\n";
        return std::nullopt;
      }
      return args[++i];
    };
    std::string* value = nullptr;
    if (args[i] == "--smoke") cfg.smoke = true;
    else if (args[i] == "--server") value = &cfg.server;
    else if (args[i] == "--reference-server") value = &cfg.referenceServer;
    else if (args[i] == "--reference-label") value = &cfg.referenceLabel;
    else if (args[i] == "--copilot") value = &cfg.copilot;
    else if (args[i] == "--node") value = &cfg.node;
    else if (args[i] == "--reference") value = &cfg.reference;
    else if (args[i] == "--work") value = &cfg.work;
    else if (args[i] == "--out") value = &cfg.out;
    else if (args[i] == "--command") value = &cfg.command;
    else {
      std::cerr << "unknown argument " << args[i] << "\n";
      return std::nullopt;
    }
    if (value) {
      auto v = next();
      if (!v) return std::nullopt;
      *value = *v;
    }
  }
  if (cfg.server.empty() || cfg.work.empty() || cfg.out.empty()) {
    std::cerr << kUsage;
    return std::nullopt;
  }
  cfg.work = fs::absolute(cfg.work).string();
  if (cfg.hasReferenceServer()) {
    cfg.referenceServer = fs::absolute(cfg.referenceServer).string();
    if (cfg.referenceLabel.empty()) cfg.referenceLabel = cfg.referenceServer;
  }
  sizeFor(cfg);
  return cfg;
}

}  // namespace bench
