// LSP base framing: `Content-Length: N\r\n\r\n` then N bytes of UTF-8 JSON.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <variant>

namespace aieditor::protocol {

/// Frames above this are refused: no editor sends 64 MiB of JSON, and
/// buffering an absurd length would let one bad header exhaust memory.
inline constexpr std::size_t kMaxContentLength = 64u << 20;

std::string encodeFrame(std::string_view body);

/// A header block that could not be read; its frame was skipped.
struct FrameError {
  std::string message;
};

/// Incremental decoder. Feed it bytes as they arrive and take whole events.
/// After a bad header it resynchronises on the next "Content-Length" header,
/// so one corrupt frame never stalls the stream.
class FrameDecoder {
 public:
  using Event = std::variant<std::string, FrameError>;

  void feed(std::string_view bytes);
  /// True when an event (a body or an error) is ready.
  bool ready();
  Event take();
  /// Bytes held that do not yet form a whole frame (truncated input at EOF).
  std::size_t pending() const { return buffer_.size() - start_; }

 private:
  void parse();
  void resync();
  std::string buffer_;
  std::size_t start_ = 0;
  std::deque<Event> events_;
  /// Skipping bytes after a bad header until the next "Content-Length".
  bool resyncing_ = false;
};

}  // namespace aieditor::protocol
