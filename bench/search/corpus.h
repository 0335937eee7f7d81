// The benchmark's data: chat messages from a fixed-seed generator (a Zipf
// vocabulary with planted words the queries look for), written straight
// into an aieditor database through its own schema, and, for ripgrep, as
// one JSON file per session as file-based assistants keep them.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "config.h"

namespace bench {

/// Message text: 5 to 55 words, most from a Zipf vocabulary ("the" first),
/// some planted (the queries' words, each in a known share of messages).
class TextGenerator {
 public:
  explicit TextGenerator(std::uint64_t seed, long messages);
  /// Message number `index`'s text (the rare word goes to ten of them).
  std::string message(long index);
  /// The queries, with how many of the messages generated so far contain each.
  std::vector<Query> queries() const;

 private:
  std::string word();
  std::mt19937_64 rng_;
  long messages_;
  std::vector<std::string> vocabulary_;
  std::vector<double> cumulative_;
  long rare_ = 0, common_ = 0, phrase_ = 0, prefix_ = 0, the_ = 0;
};

/// Fills `db` (a database aieditor made, taken back to schema version 6 so
/// that aieditor's own migration indexes it) with cfg.sessions sessions of
/// cfg.messages messages in all, and writes each session to
/// `jsonDir/<session>.json`. The queries with their counts; `error` is set on failure.
std::vector<Query> writeCorpus(const SearchConfig& cfg, const std::string& db, const std::string& jsonDir,
                               std::string& error);

}  // namespace bench
