// readJson: nesting bounded with the path of the first container too deep,
// lone surrogate escapes read as U+FFFD, and no recursion on absurd depth.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"

using namespace aieditor::protocol;

namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

json read(const std::string& text) {
  json out;
  const auto error = readJson(text, out);
  INFO(text);
  REQUIRE(!error);
  return out;
}

}  // namespace

TEST_CASE("readJson names the first container nested too deep", "[jsontext]") {
  json out;
  auto error = readJson(R"({"id":5,"a":[1,{"b":[[[[1]]]]},3],"z":"last"})", out, 4);
  REQUIRE(error);
  CHECK(error->kind == JsonTextError::Kind::TooDeep);
  CHECK(error->path == "a[1].b[0]");
  CHECK(error->message == "a[1].b[0]: nested deeper than 4 levels");
  CHECK(out == json{{"id", 5}, {"z", "last"}});  // only the top level's scalars are kept

  error = readJson(R"([1,[2],{"k":{"j":[0,[1]]}}])", out, 3);
  REQUIRE(error);
  CHECK(error->path == "[2].k.j");
  CHECK(out.is_discarded());

  // A million levels: parsed without recursion, the path shown cut short.
  std::string deep;
  for (int i = 0; i < 1'000'000; ++i) deep += R"({"k":[)";
  deep += "1";
  for (int i = 0; i < 1'000'000; ++i) deep += "]}";
  error = readJson(R"({"id":"x","params":)" + deep + "}", out);
  REQUIRE(error);
  CHECK_THAT(error->message,
             Catch::StartsWith("params.k[0].k[0]") && Catch::EndsWith("...: nested deeper than 512 levels"));
  CHECK(out == json{{"id", "x"}});

  CHECK(read(std::string(512, '[') + std::string(512, ']')).is_array());
  CHECK(nestingDepth(read(std::string(512, '[') + std::string(512, ']'))) == 512);
  CHECK(nestingDepth(json(1)) == 0);
  CHECK(nestingDepth(json::parse(R"({"a":[{}],"b":{}})")) == 3);
}

TEST_CASE("readJson reads lone surrogate escapes as U+FFFD and keeps pairs", "[jsontext]") {
  CHECK(read(R"("\ud83d")") == kReplacement);
  CHECK(read(R"("\uDC00x")") == kReplacement + "x");
  CHECK(read(R"("\ud83d\ude00")") == "\xF0\x9F\x98\x80");
  CHECK(read(R"("\ud83d\ud83d\ude00\ude00")") == kReplacement + "\xF0\x9F\x98\x80" + kReplacement);
  CHECK(read(R"("\\ud83d")") == "\\ud83d");  // an escaped backslash, then text
  CHECK(read(R"("\\\ud83d")") == "\\" + kReplacement);
  CHECK(read(R"({"\ud83d":"[{"})") == json{{kReplacement, "[{"}});  // brackets in strings do not nest

  json out;
  const auto error = readJson(R"("\u12")", out);
  REQUIRE(error);
  CHECK(error->kind == JsonTextError::Kind::NotJson);
  CHECK_THAT(error->message, Catch::StartsWith("parse error at line 1"));
}
