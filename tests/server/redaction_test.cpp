// The redaction of configured keys, in process: whole keys, key-shaped runs
// of them, several keys, multibyte text, and a stream split anywhere.
#include <catch2/catch.hpp>
#include <random>

#include "providers/HttpStream.h"
#include "providers/Redaction.h"

using namespace aieditor::server;

namespace {

const std::string kKey = "sk-T3st-Q7vR2mX9kL4pT8wZ3nB6yH1cF5gJ0dS";
const std::string kOtherKey = "sk-ant-api03-Zq8Lw2Nf5Rt1Yp7Hc4Vb9Mk";

/// Redacts `text` fed in the given pieces, joining the output.
std::string streamed(const Redactor& redactor, const std::vector<std::string>& pieces) {
  RedactingStream stream(redactor);
  std::string out;
  for (const auto& piece : pieces) out += stream.feed(piece);
  return out + stream.finish();
}

bool validUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE("redaction: whole keys anywhere, repeated, adjacent and at either end") {
  const Redactor r({kKey});
  CHECK(r.redact(kKey) == "[redacted]");
  CHECK(r.redact("key " + kKey + " and " + kKey + ".") == "key [redacted] and [redacted].");
  CHECK(r.redact(kKey + kKey) == "[redacted][redacted]");
  CHECK(r.redact(kKey + " at the start") == "[redacted] at the start");
  CHECK(r.redact("at the end " + kKey) == "at the end [redacted]");
  CHECK(r.redact("nothing here") == "nothing here");
  CHECK(r.redact("") == "");
}

TEST_CASE("redaction: a run of 8 or more characters of a key, but not fewer") {
  const Redactor r({kKey});
  CHECK(r.redact("prefix " + kKey.substr(0, 8) + ".") == "prefix [redacted].");
  CHECK(r.redact("suffix " + kKey.substr(kKey.size() - 8)) == "suffix [redacted]");
  CHECK(r.redact("middle " + kKey.substr(11, 9) + " done") == "middle [redacted] done");
  CHECK(r.redact("short " + kKey.substr(11, 7) + " kept") == "short " + kKey.substr(11, 7) + " kept");
  // OpenAI's own way of quoting a key: its start and its end, starred between.
  CHECK(r.redact("Incorrect API key provided: " + kKey.substr(0, 11) + "*****" + kKey.substr(kKey.size() - 8) + ".") ==
        "Incorrect API key provided: [redacted]*****[redacted].");
  // Parts that only touch keep a marker each.
  CHECK(r.redact(kKey.substr(0, 20) + kKey.substr(12)) == "[redacted][redacted]");
  // Keys overlapping in the text become one marker.
  const Redactor two({"ABCD1234efgh", "efgh5678IJKL"});
  CHECK(two.redact("<ABCD1234efgh5678IJKL>") == "<[redacted]>");
}

TEST_CASE("redaction: every configured key, and placeholder keys leave words alone") {
  const Redactor r({kKey, "", kOtherKey, kKey, "abc"});
  CHECK(r.redact(kOtherKey + "/" + kKey) == "[redacted]/[redacted]");
  CHECK(r.redact("part " + kOtherKey.substr(5, 12)) == "part [redacted]");
  CHECK(r.redact("abc abc") == "abc abc");  // shorter than 4: not a key worth scrubbing

  const Redactor placeholder({"sk-no-key-required"});
  CHECK(placeholder.redact("a key is required") == "a key is required");      // not key-shaped
  CHECK(placeholder.redact("key: sk-no-key-required") == "key: [redacted]");  // the whole key always
  CHECK(Redactor({kKey}).redact("sk-T3st- alone is a public-looking prefix") ==
        "[redacted] alone is a public-looking prefix");
  CHECK(Redactor({"sk-proj-Ab12Cd34Ef56"}).redact("keys start with sk-proj-") == "keys start with sk-proj-");
}

TEST_CASE("redaction: multibyte text around a key, and parts widened to whole characters") {
  const Redactor r({kKey});
  CHECK(r.redact("é" + kKey + "日本語") == "é[redacted]日本語");
  CHECK(r.redact("🙂" + kKey.substr(3, 10) + "🙂") == "🙂[redacted]🙂");
  // A key with a multibyte character: a run starting inside a character
  // (here the second byte of "©", which "é" shares) takes the character along.
  const Redactor accented({"clé-ABCD1234-xyz"});
  std::string out = accented.redact("©-ABCD1234 ok");
  CHECK(out == "[redacted] ok");
  CHECK(validUtf8(out));
}

TEST_CASE("redaction: cut after redaction, so a key across the cut leaves nothing") {
  const Redactor r({kKey});
  std::string body = std::string(290, 'x') + kKey + " tail";
  std::string excerpt = upstreamExcerpt(body, 300, r);
  CHECK(excerpt == std::string(290, 'x') + "[redacted]");
  CHECK(upstreamMessage(body, r).find(kKey.substr(0, 8)) == std::string::npos);
  CHECK(upstreamMessage(R"({"error":{"message":"bad key )" + kKey.substr(0, 12) + R"(..."}})", r) ==
        "bad key [redacted]...");
  CHECK(validUtf8(upstreamExcerpt(std::string(299, 'x') + "é", 300, Redactor())));
}

TEST_CASE("redaction: a stream split anywhere redacts as the whole text does") {
  const Redactor r({kKey, kOtherKey});
  const std::vector<std::string> parts = {"Hello ",
                                          "wörld ",
                                          "🙂",
                                          "sk-",
                                          "required ",
                                          "\n",
                                          "a",
                                          "s",
                                          "e",
                                          kKey,
                                          kOtherKey,
                                          kKey.substr(0, 9),
                                          kKey.substr(20),
                                          kOtherKey.substr(4, 8),
                                          kKey.substr(0, 7),
                                          "code",
                                          "```jsx\n"};
  std::mt19937 random(13);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    for (int i = 0, n = 1 + static_cast<int>(random() % 12); i < n; ++i) text += parts[random() % parts.size()];
    std::vector<std::string> pieces;
    for (std::size_t at = 0; at < text.size();) {
      std::size_t length = 1 + random() % 12;
      pieces.push_back(text.substr(at, length));
      at += length;
    }
    INFO("text: " << text);
    CHECK(streamed(r, pieces) == r.redact(text));
  }
}

TEST_CASE("redaction: a stream holds back only a tail that could begin a key") {
  const Redactor r({kKey});
  RedactingStream stream(r);
  CHECK(stream.feed("Here is `Counter`.\n") == "Here is `Counter`.\n");  // nothing held
  CHECK(stream.feed("Your key is sk") == "Your key is ");                // "sk" could begin the key
  const std::string rest = kKey.substr(2, kKey.size() - 3);
  for (char c : rest) CHECK(stream.feed(std::string(1, c)).empty());  // one byte a delta
  CHECK(stream.feed(kKey.substr(kKey.size() - 1)) == "[redacted]");   // no longer key can follow
  CHECK(stream.feed(", and more") == ", and more");
  CHECK(stream.feed(" sk-T3") == " ");
  CHECK(stream.finish() == "sk-T3");  // at the end, what was held goes out
  const Redactor placeholderKey({"sk-no-key-required"});
  RedactingStream local(placeholderKey);
  CHECK(local.feed("no key is requ") == "no key is requ");  // only the whole key could follow
  CHECK(local.feed("ired, sk-no") == "ired, ");
  CHECK(local.feed("-key-required!") == "[redacted]!");
  const Redactor nothing;
  RedactingStream none(nothing);
  CHECK(none.feed("sk-T3") == "sk-T3");  // no key configured: nothing held
}
