#include "providers/Redaction.h"

#include <algorithm>
#include <cstring>

namespace aieditor::server {

namespace {

bool continuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// A run of a key that looks like one: a digit or a capital somewhere.
bool keyShaped(std::string_view run) {
  return std::any_of(run.begin(), run.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

std::uint64_t runAt(std::string_view text, std::size_t at) {
  static_assert(Redactor::kMinRun == sizeof(std::uint64_t));
  std::uint64_t value = 0;
  std::memcpy(&value, text.data() + at, sizeof value);
  return value;
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& keys) {
  bool keyShapedRuns = false;
  for (const auto& key : keys) {
    if (key.size() < kMinKey || std::find(keys_.begin(), keys_.end(), key) != keys_.end()) continue;
    keys_.push_back(key);
    for (std::size_t at = 0; at + kMinRun <= key.size(); ++at) {
      runs_.insert(runAt(key, at));
      keyShapedRuns = keyShapedRuns || keyShaped(std::string_view(key).substr(at, kMinRun));
    }
  }
  if (!keyShapedRuns) runs_.clear();  // no run could ever be redacted, nor hold a stream back
}

std::vector<Redactor::Stretch> Redactor::stretches(std::string_view text) const {
  std::vector<Stretch> found;
  for (std::size_t at = 0; at + kMinRun <= text.size() && !runs_.empty(); ++at)
    if (runs_.contains(runAt(text, at))) found.push_back({at, at + kMinRun, keyShaped(text.substr(at, kMinRun))});
  for (const auto& key : keys_)
    for (auto at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1))
      found.push_back({at, at + key.size(), true});
  if (found.empty()) return found;

  // Whole characters only, then overlapping runs become one stretch.
  for (auto& s : found) {
    while (s.begin > 0 && continuationByte(text[s.begin])) --s.begin;
    while (s.end < text.size() && continuationByte(text[s.end])) ++s.end;
  }
  std::sort(found.begin(), found.end(), [](const Stretch& a, const Stretch& b) { return a.begin < b.begin; });
  std::vector<Stretch> merged{found.front()};
  for (std::size_t i = 1; i < found.size(); ++i) {
    Stretch& last = merged.back();
    if (found[i].begin < last.end) {
      last.end = std::max(last.end, found[i].end);
      last.redacted = last.redacted || found[i].redacted;
    } else {
      merged.push_back(found[i]);
    }
  }
  return merged;
}

std::string Redactor::redact(std::string_view text) const {
  if (empty()) return std::string(text);
  std::string out;
  std::size_t copied = 0;
  for (const auto& s : stretches(text)) {
    if (!s.redacted) continue;
    out.append(text.substr(copied, s.begin - copied));
    out.append(kMarker);
    copied = s.end;
  }
  if (copied == 0) return std::string(text);
  out.append(text.substr(copied));
  return out;
}

bool Redactor::couldBeginKey(std::string_view tail) const {
  for (const auto& key : keys_) {
    if (tail.size() < key.size() && key.starts_with(tail)) return true;
    // The start of some kMinRun-byte run of the key.
    if (tail.size() < kMinRun && key.size() >= kMinRun && !runs_.empty()) {
      auto at = key.find(tail);
      if (at != std::string::npos && at <= key.size() - kMinRun) return true;
    }
  }
  return false;
}

std::size_t Redactor::settled(std::string_view text) const {
  const std::size_t n = text.size();
  if (empty()) return n;
  std::size_t longest = kMinRun - 1;
  for (const auto& key : keys_) longest = std::max(longest, key.size() - 1);
  std::size_t hold = n;
  for (std::size_t at = n - std::min(n, longest); at < n; ++at)
    if (couldBeginKey(text.substr(at))) {
      hold = at;
      break;
    }
  while (hold > 0 && hold < n && continuationByte(text[hold])) --hold;
  // A stretch reaching into the held tail may still grow, or turn out key-shaped.
  auto found = stretches(text);
  for (auto it = found.rbegin(); it != found.rend() && it->end > hold; ++it) hold = std::min(hold, it->begin);
  return hold;
}

std::string RedactingStream::feed(std::string_view piece) {
  if (redactor_->empty()) return std::string(piece);
  held_.append(piece);
  std::size_t cut = redactor_->settled(held_);
  if (held_.size() - cut > kMaxHeld) {
    cut = held_.size() - kMaxHeld;
    while (cut > 0 && continuationByte(held_[cut])) --cut;
  }
  std::string out = redactor_->redact(std::string_view(held_).substr(0, cut));
  held_.erase(0, cut);
  return out;
}

std::string RedactingStream::finish() {
  std::string out = redactor_->redact(held_);
  held_.clear();
  return out;
}

}  // namespace aieditor::server
