#include "aieditor/protocol/JsonText.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aieditor::protocol {
namespace {

/// What one pass over the text finds before anything is parsed.
struct Scan {
  std::size_t depth = 0;                    ///< the deepest nesting of [ and {
  std::vector<std::size_t> loneSurrogates;  ///< offsets of "\uXXXX" escapes that are half a pair
};

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The UTF-16 unit of a "\uXXXX" escape starting at `at`, if there is one.
std::optional<unsigned> escapedUnit(std::string_view text, std::size_t at) {
  if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') return std::nullopt;
  unsigned unit = 0;
  for (std::size_t i = at + 2; i < at + 6; ++i) {
    const int digit = hexDigit(text[i]);
    if (digit < 0) return std::nullopt;
    unit = unit * 16 + static_cast<unsigned>(digit);
  }
  return unit;
}

bool isHighSurrogate(unsigned unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool isLowSurrogate(unsigned unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

Scan scan(std::string_view text) {
  Scan found;
  std::size_t depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!inString) {
      if (c == '"')
        inString = true;
      else if (c == '[' || c == '{')
        found.depth = std::max(found.depth, ++depth);
      else if ((c == ']' || c == '}') && depth > 0)
        --depth;
      continue;
    }
    if (c == '"') {
      inString = false;
      continue;
    }
    if (c != '\\') continue;
    const auto unit = escapedUnit(text, i);
    if (!unit) {
      ++i;  // another escape: skip the character it escapes
      continue;
    }
    if (isHighSurrogate(*unit)) {
      if (const auto next = escapedUnit(text, i + 6); next && isLowSurrogate(*next)) {
        i += 11;  // a valid pair
        continue;
      }
    }
    if (isHighSurrogate(*unit) || isLowSurrogate(*unit)) found.loneSurrogates.push_back(i);
    i += 5;
  }
  return found;
}

/// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string parserMessage(const json::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with('[')) {
    if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return std::string(what);
}

/// The parser callback for text that nests too deep: it leaves out every
/// container past the limit (the parser itself never recurses) and keeps the
/// JSON path of the first one.
class DepthLimit {
 public:
  explicit DepthLimit(std::size_t maxDepth) : maxDepth_(maxDepth) {}

  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    // `depth` counts the containers open around the event.
    const auto open = static_cast<std::size_t>(depth);
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (open + 1 > maxDepth_) {
          if (!firstPath_) firstPath_ = path(open);
          return false;
        }
        if (!firstPath_) levels_.push_back({event == json::parse_event_t::array_start, {}, 0});
        return true;
      case json::parse_event_t::key:
        if (!firstPath_ && open > 0) levels_[open - 1].key = parsed.get<std::string>();
        return true;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!firstPath_) {
          levels_.resize(open);
          countElement(open);
        }
        return true;
      case json::parse_event_t::value:
        if (!firstPath_) countElement(open);
        return true;
    }
    return true;
  }

  std::string firstPath() const { return firstPath_.value_or(""); }

 private:
  struct Level {
    bool array;
    std::string key;        ///< objects: the member being read
    std::size_t index = 0;  ///< arrays: the element being read
  };

  void countElement(std::size_t open) {
    if (open > 0 && levels_[open - 1].array) ++levels_[open - 1].index;
  }

  std::string path(std::size_t open) const {
    std::string out;
    for (std::size_t i = 0; i < open && i < levels_.size(); ++i) {
      if (levels_[i].array)
        out += "[" + std::to_string(levels_[i].index) + "]";
      else
        out += (out.empty() ? "" : ".") + levels_[i].key;
    }
    return out;
  }

  std::size_t maxDepth_;
  std::vector<Level> levels_;  ///< the containers open, outermost first
  std::optional<std::string> firstPath_;
};

/// The path as shown in a message: long paths are cut, the field they start
/// from is what a person needs.
std::string shownPath(const std::string& path) {
  constexpr std::size_t kShown = 80;
  if (path.empty()) return "the document";
  return path.size() <= kShown ? path : path.substr(0, kShown) + "...";
}

/// What is left of a document read without its too-deep parts: a member
/// whose value was left out still holds a discarded placeholder, so only the
/// top level's scalars (a request's id) are kept.
void keepTopLevelScalars(json& document) {
  if (!document.is_object()) {
    document = json(json::value_t::discarded);
    return;
  }
  for (auto it = document.begin(); it != document.end();)
    it = it->is_primitive() ? std::next(it) : document.erase(it);
}

}  // namespace

std::optional<JsonTextError> readJson(std::string_view text, json& out, std::size_t maxDepth) {
  const Scan found = scan(text);
  std::string patched;
  if (!found.loneSurrogates.empty()) {
    // "\ud83d" and "\ufffd" have the same length: patched in place.
    patched.assign(text);
    for (std::size_t at : found.loneSurrogates) patched.replace(at, 6, "\\ufffd");
    text = patched;
  }
  try {
    if (found.depth <= maxDepth) {
      out = json::parse(text);
      return std::nullopt;
    }
    DepthLimit limit(maxDepth);
    out = json::parse(text, std::ref(limit));
    keepTopLevelScalars(out);
    return JsonTextError{JsonTextError::Kind::TooDeep,
                         shownPath(limit.firstPath()) + ": nested deeper than " + std::to_string(maxDepth) + " levels",
                         limit.firstPath()};
  } catch (const json::exception& e) {
    out = json(json::value_t::discarded);
    return JsonTextError{JsonTextError::Kind::NotJson, parserMessage(e), ""};
  }
}

std::size_t nestingDepth(const json& value) {
  std::size_t deepest = 0;
  std::vector<std::pair<const json*, std::size_t>> pending{{&value, 0}};
  while (!pending.empty()) {
    const auto [item, depth] = pending.back();
    pending.pop_back();
    if (!item->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const json& child : *item) pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

}  // namespace aieditor::protocol
