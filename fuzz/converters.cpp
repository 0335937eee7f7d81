// Fuzz target: the six converters between the frontend (camelCase) and the
// backend (snake_case) forms of Message, Interaction and Component. The first
// byte picks the converter, the rest is the JSON it gets. A conversion that
// succeeds must convert back, and converting the result again must give the
// same JSON: the two forms carry the same record.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "aieditor/protocol/Protocol.h"

namespace p = aieditor::protocol;
using nlohmann::json;

namespace {

using Converter = std::expected<json, p::FieldError> (*)(const json&);

struct Pair {
  const char* name;
  Converter forth;
  Converter back;
};

constexpr Pair kPairs[] = {
    {"messageToBackend", p::messageToBackend, p::messageToFrontend},
    {"messageToFrontend", p::messageToFrontend, p::messageToBackend},
    {"interactionToBackend", p::interactionToBackend, p::interactionToFrontend},
    {"interactionToFrontend", p::interactionToFrontend, p::interactionToBackend},
    {"componentToBackend", p::componentToBackend, p::componentToFrontend},
    {"componentToFrontend", p::componentToFrontend, p::componentToBackend},
};

[[noreturn]] void broken(const char* converter, const char* what, const json& value) {
  std::fprintf(stderr, "fuzz: %s: %s: %s\n", converter, what, value.dump().substr(0, 2000).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Pair& pair = kPairs[data[0] % std::size(kPairs)];
  // The server only ever converts JSON its dispatcher parsed; the same parser here.
  json input = json::parse(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), nullptr, false);
  if (input.is_discarded()) return 0;

  auto converted = pair.forth(input);
  if (!converted) {
    if (converted.error().path.empty() || converted.error().problem.empty())
      broken(pair.name, "an error that names no field or no problem", input);
    return 0;
  }
  auto back = pair.back(*converted);
  if (!back) broken(pair.name, "its output does not convert back", *converted);
  auto again = pair.forth(*back);
  if (!again) broken(pair.name, "the round trip's output does not convert", *back);
  if (*again != *converted) broken(pair.name, "a round trip changes the record", *converted);
  return 0;
}
