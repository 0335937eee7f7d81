// Fuzz target: a whole byte stream from the editor, through the LSP frame
// decoder and the JSON-RPC dispatcher into the real LspServer and Workspace
// (offline provider, a fresh SQLite file), then settled: every write durable,
// every reply sent. The server must neither crash nor hang, and everything it
// sends must be JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "FuzzServer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  aieditor::fuzz::FuzzServer server;
  server.feedStream(std::string_view(reinterpret_cast<const char*>(data), size));
  server.settle();
  return 0;
}
