// Keeps the configured API keys out of text that came from an upstream, so
// that no form of a key reaches a message, an interaction, an export, a log
// or an error: the one redaction every provider's output goes through.
//
// What is replaced by "[redacted]" (one marker per connected stretch):
// - every occurrence of a whole key of at least kMinKey (4) characters;
// - every stretch made of runs of at least kMinRun (8) characters that also
//   occur in a key (a prefix, a suffix, a middle part), when one of those
//   runs is key-shaped: it holds an ASCII digit or an uppercase letter.
// Why 8 and key-shaped: issued keys are random (base62 or hex), where almost
// every 8-character run holds a digit or a capital, so a leaked part of a
// key is caught; yet a placeholder key such as "sk-no-key-required" does not
// take the word "required" out of every reply, nor does a public prefix like
// "sk-proj-" alone count as a key. Fewer than 8 characters of a random key
// give nothing away. Matching is on bytes; a replaced stretch is widened to
// whole UTF-8 characters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace aieditor::server {

class Redactor {
 public:
  static constexpr std::size_t kMinKey = 4;  ///< shorter keys would match everywhere
  static constexpr std::size_t kMinRun = 8;
  static constexpr std::string_view kMarker = "[redacted]";

  Redactor() = default;
  /// Empty strings and duplicates are ignored.
  explicit Redactor(const std::vector<std::string>& keys);

  bool empty() const { return keys_.empty(); }
  /// `text` with every key and key-shaped part of one replaced.
  std::string redact(std::string_view text) const;
  /// How many leading bytes of `text` are settled: whatever is appended to
  /// `text` later, they redact the same. The rest could still be (part of) a
  /// key; it is the shortest such tail, so ordinary text is rarely held.
  std::size_t settled(std::string_view text) const;

 private:
  struct Stretch {
    std::size_t begin = 0, end = 0;
    bool redacted = false;
  };
  /// The stretches of key material in `text`, in order, disjoint.
  std::vector<Stretch> stretches(std::string_view text) const;
  /// Whether `tail` could begin a run of kMinRun bytes of a key, or a whole key.
  bool couldBeginKey(std::string_view tail) const;

  std::vector<std::string> keys_;
  /// Every kMinRun-byte run of a key, as its 8 bytes; empty when none is
  /// key-shaped (placeholder keys), since then only whole keys are redacted.
  std::unordered_set<std::uint64_t> runs_;
};

/// Redacts a text that arrives in pieces (a streamed reply): a key split
/// across two pieces is still caught. Only a tail that could still turn out
/// to be part of a key is held back, and `finish` gives it out at the end.
/// Joined, its output is exactly `redact` of the joined input (unless a
/// tail outgrows kMaxHeld, which no issued key comes near).
class RedactingStream {
 public:
  explicit RedactingStream(const Redactor& redactor) : redactor_(&redactor) {}
  /// What of the text so far can go out now (may be empty).
  std::string feed(std::string_view piece);
  /// The held tail, redacted; the stream starts over.
  std::string finish();

 private:
  /// A tail held for longer than this (a pathological key) goes out anyway.
  static constexpr std::size_t kMaxHeld = 16 * 1024;
  const Redactor* redactor_;
  std::string held_;
};

}  // namespace aieditor::server
