#include "aieditor/protocol/Framing.h"

#include <algorithm>
#include <iostream>
#include <optional>

namespace aieditor::protocol {
namespace {

constexpr std::string_view kHeaderEnd = "\r\n\r\n";
constexpr std::string_view kContentLength = "content-length";
/// Real header blocks are a line or two. One this long without its blank
/// line is garbage; giving up on it keeps a stream of garbage from being
/// buffered forever while we wait for "\r\n\r\n".
constexpr std::size_t kMaxHeaderBlock = 64 * 1024;
/// A buffer grown past this by one large frame is given back once the frame
/// is consumed, instead of being held for the rest of the session.
constexpr std::size_t kKeptCapacity = 1u << 20;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower(x) == lower(y);
         });
}

/// Position of `needle` (lower case) in `hay` at or after `from`, ignoring case.
std::size_t findIgnoreCase(std::string_view hay, std::string_view needle, std::size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  auto it = std::search(hay.begin() + static_cast<std::ptrdiff_t>(from), hay.end(), needle.begin(), needle.end(),
                        [](char h, char n) { return lower(h) == n; });
  return it == hay.end() ? std::string_view::npos : static_cast<std::size_t>(it - hay.begin());
}

std::string_view trimSpace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 32;
  std::string out = "\"" + std::string(text.substr(0, kShown));
  if (text.size() > kShown) out += "...";
  return out + "\"";
}

/// What a header block says: the body length, or why it cannot be read.
struct Headers {
  std::optional<std::size_t> length;
  std::string error;
  /// Offset in the block just past the last "Content-Length" name that
  /// starts a line, where resynchronisation looks for the next frame.
  std::size_t resumeAt = 1;
};

/// Reads the header lines of one frame. Headers other than Content-Length
/// (Content-Type, ...) and lines without a colon are ignored, as LSP allows.
Headers readHeaders(std::string_view block) {
  Headers headers;
  std::size_t lineStart = 0;
  bool seen = false;
  while (lineStart <= block.size()) {
    std::size_t lineEnd = block.find("\r\n", lineStart);
    if (lineEnd == std::string_view::npos) lineEnd = block.size();
    const std::string_view line = block.substr(lineStart, lineEnd - lineStart);
    const std::size_t colon = line.find(':');
    const std::string_view name = colon == std::string_view::npos ? line : trimSpace(line.substr(0, colon));
    if (colon != std::string_view::npos && equalsIgnoreCase(name, kContentLength)) {
      headers.resumeAt = lineStart + static_cast<std::size_t>(name.data() - line.data()) + name.size();
      const std::string_view value = trimSpace(line.substr(colon + 1));
      std::size_t length = 0;
      bool tooLarge = false;
      const bool numeric = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return c >= '0' && c <= '9';
      });
      for (char c : value) {
        if (!numeric || tooLarge) break;
        length = length * 10 + static_cast<std::size_t>(c - '0');
        tooLarge = length > kMaxContentLength;  // stop before it can overflow
      }
      if (!numeric && headers.error.empty())
        headers.error = "Content-Length is not a number: " + quoted(value);
      else if (tooLarge && headers.error.empty())
        headers.error = "Content-Length " + quoted(value) + " exceeds the limit of " +
                        std::to_string(kMaxContentLength) + " bytes";
      // A duplicate is a client bug. Like clangd, take the last value, so a
      // client that works with clangd works here, and warn on stderr.
      if (seen && numeric && !tooLarge)
        std::cerr << "aieditor: warning: duplicate Content-Length header; using the last value (" << length
                  << ")\n";
      if (numeric && !tooLarge) headers.length = length;
      seen = true;
    }
    lineStart = lineEnd + 2;
  }
  if (!seen) headers.error = "missing Content-Length header";
  if (!headers.error.empty()) headers.length.reset();
  return headers;
}

}  // namespace

std::string encodeFrame(std::string_view body) {
  std::string frame = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  frame.append(body);
  return frame;
}

void FrameDecoder::feed(std::string_view bytes) {
  buffer_.append(bytes);
  parse();
}

bool FrameDecoder::ready() { return !events_.empty(); }

FrameDecoder::Event FrameDecoder::take() {
  if (events_.empty()) return FrameError{"no frame is ready"};
  Event event = std::move(events_.front());
  events_.pop_front();
  return event;
}

// Splits the buffer into events. A frame whose header block is bad is
// reported once and then skipped by searching for the next "Content-Length"
// (see resync), because after a bad header the body's length is unknown or
// not to be trusted. An oversize body is skipped the same way rather than
// buffered.
void FrameDecoder::parse() {
  for (;;) {
    if (resyncing_) {
      resync();
      if (resyncing_) break;
    }
    const std::string_view view = std::string_view(buffer_).substr(start_);
    const std::size_t headerEnd = view.find(kHeaderEnd);
    if (headerEnd == std::string_view::npos) {
      if (view.size() <= kMaxHeaderBlock) break;  // wait for the rest of the headers
      events_.emplace_back(FrameError{"header block longer than " + std::to_string(kMaxHeaderBlock) +
                                      " bytes without a blank line"});
      start_ += 1;
      resyncing_ = true;
      continue;
    }
    const Headers headers = readHeaders(view.substr(0, headerEnd));
    if (!headers.length) {
      events_.emplace_back(FrameError{headers.error});
      start_ += headers.resumeAt;
      resyncing_ = true;
      continue;
    }
    const std::size_t bodyStart = headerEnd + kHeaderEnd.size();
    if (view.size() - bodyStart < *headers.length) break;  // wait for the rest of the body
    events_.emplace_back(std::string(view.substr(bodyStart, *headers.length)));
    start_ += bodyStart + *headers.length;
  }
  // Drop consumed bytes: all of them when the buffer is drained, else once
  // they are the larger part, so each byte is moved a bounded number of times.
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  if (buffer_.capacity() > kKeptCapacity && buffer_.size() < kKeptCapacity / 2) buffer_.shrink_to_fit();
}

// Looks for the next "Content-Length" (any case) from start_. Without one,
// every byte is dropped except a tail that may be the start of the name
// split across two feeds.
void FrameDecoder::resync() {
  const std::size_t found = findIgnoreCase(buffer_, kContentLength, start_);
  if (found != std::string::npos) {
    start_ = found;
    resyncing_ = false;
    return;
  }
  const std::size_t keep = kContentLength.size() - 1;
  if (buffer_.size() - start_ > keep) start_ = buffer_.size() - keep;
}

}  // namespace aieditor::protocol
