// Fuzz target: the providers' server-sent-events parser and their event
// decoders. The first byte picks the decoder (OpenAI or Anthropic) and where
// the stream is cut into chunks; the rest is the stream. However the bytes
// are cut, the parser must yield the same events, and the decoder must read
// each without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "providers/AnthropicProvider.h"
#include "providers/HttpStream.h"
#include "providers/OpenAiProvider.h"

using aieditor::server::SseEvent;
using aieditor::server::SseParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  SseParser whole;
  const std::vector<SseEvent> expected = whole.feed(stream);

  // The same bytes in chunks of 1 to 32 bytes.
  const std::size_t chunk = (control >> 1) % 32 + 1;
  SseParser pieces;
  std::vector<SseEvent> events;
  for (std::size_t at = 0; at < stream.size(); at += chunk)
    for (auto& event : pieces.feed(stream.substr(at, chunk))) events.push_back(std::move(event));
  if (pieces.pending() != whole.pending() || events.size() != expected.size()) {
    std::fprintf(stderr, "fuzz: cutting the stream into %zu-byte chunks changes its events\n", chunk);
    std::abort();
  }
  for (std::size_t i = 0; i < events.size(); ++i)
    if (events[i].event != expected[i].event || events[i].data != expected[i].data) {
      std::fprintf(stderr, "fuzz: event %zu differs when the stream is cut into %zu-byte chunks\n", i, chunk);
      std::abort();
    }

  auto decoder = (control & 1) ? aieditor::server::makeAnthropicDecoder()
                               : aieditor::server::makeOpenAiDecoder("openai");
  for (const SseEvent& event : expected) {
    auto decoded = decoder->decode(event);
    if (decoded.finished || decoded.error) break;  // the provider stops reading here
  }
  (void)decoder->completion();
  (void)decoder->complete();
  return 0;
}
