// Fuzz target: `session/import` documents. The input is the document's JSON
// text, sent as the params' `document` through the real server (dispatcher,
// validation, the storage thread, SQLite). What the server imports it must
// export, and re-import that export under another id: it must round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "FuzzServer.h"

using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string document(reinterpret_cast<const char*>(data), size);
  aieditor::fuzz::FuzzServer server;
  server.receive(R"({"jsonrpc":"2.0","id":"import","method":"session/import","params":{"document":)" + document + "}}");
  server.settle();
  std::string imported;
  for (const json& message : server.sent())
    if (message.value("id", json()) == "import" && message.contains("result"))
      imported = message["result"].value("sessionId", "");
  if (imported.empty()) return 0;  // refused, with an error: fine

  json exported = server.call("session/export", {{"sessionId", imported}});
  if (!exported.contains("result")) {
    std::fprintf(stderr, "fuzz: an imported session does not export: %s\n", exported.dump().c_str());
    std::abort();
  }
  json again = server.call("session/import",
                           {{"document", exported["result"]["document"]}, {"sessionId", "fuzz-round-trip"}});
  if (!again.contains("result")) {
    std::fprintf(stderr, "fuzz: the server refuses its own export: %s\n", again.dump().substr(0, 2000).c_str());
    std::abort();
  }
  return 0;
}
