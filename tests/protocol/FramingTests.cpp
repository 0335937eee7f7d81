// Hand-written framing transcripts: split and merged frames, tolerated
// headers, and malformed, oversize and truncated input.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "aieditor/protocol/Framing.h"

using namespace aieditor::protocol;

namespace {

/// Every event ready now, bodies as text and errors as "error: <message>".
std::vector<std::string> drain(FrameDecoder& decoder) {
  std::vector<std::string> out;
  while (decoder.ready()) {
    auto event = decoder.take();
    if (auto* body = std::get_if<std::string>(&event))
      out.push_back(*body);
    else
      out.push_back("error: " + std::get<FrameError>(event).message);
  }
  return out;
}

bool isError(const std::string& event) { return event.rfind("error: ", 0) == 0; }

}  // namespace

TEST_CASE("encodeFrame writes the LSP header", "[framing]") {
  CHECK(encodeFrame(R"({"a":1})") == "Content-Length: 7\r\n\r\n{\"a\":1}");
  CHECK(encodeFrame("") == "Content-Length: 0\r\n\r\n");
  // Length counts bytes, not characters.
  CHECK(encodeFrame("\"\xC3\xA9\"") == "Content-Length: 4\r\n\r\n\"\xC3\xA9\"");
}

TEST_CASE("FrameDecoder reassembles frames however the bytes arrive", "[framing]") {
  FrameDecoder decoder;
  const std::string body = R"({"jsonrpc":"2.0","method":"x","params":{"text":"Content-Length: 99"}})";
  const std::string frame = encodeFrame(body);

  SECTION("one frame in one feed") {
    decoder.feed(frame);
    CHECK(drain(decoder) == std::vector<std::string>{body});
    CHECK(decoder.pending() == 0);
  }
  SECTION("one byte per feed") {
    for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
      decoder.feed(frame.substr(i, 1));
      REQUIRE_FALSE(decoder.ready());
    }
    decoder.feed(frame.substr(frame.size() - 1));
    CHECK(drain(decoder) == std::vector<std::string>{body});
    CHECK(decoder.pending() == 0);
  }
  SECTION("many frames in one feed") {
    decoder.feed(encodeFrame("1") + encodeFrame("") + encodeFrame("[2]") + frame);
    CHECK(drain(decoder) == std::vector<std::string>{"1", "", "[2]", body});
  }
  SECTION("a feed ending inside the next frame") {
    const std::string two = frame + frame;
    decoder.feed(two.substr(0, frame.size() + 10));
    CHECK(drain(decoder) == std::vector<std::string>{body});
    CHECK(decoder.pending() == 10);
    decoder.feed(two.substr(frame.size() + 10));
    CHECK(drain(decoder) == std::vector<std::string>{body});
  }
  SECTION("a large body split across many feeds") {
    const std::string big(3 << 20, 'x');
    const std::string bigFrame = encodeFrame(big);
    for (std::size_t at = 0; at < bigFrame.size(); at += 4096) decoder.feed(bigFrame.substr(at, 4096));
    auto events = drain(decoder);
    REQUIRE(events.size() == 1);
    CHECK(events[0] == big);
  }
}

TEST_CASE("FrameDecoder tolerates other headers", "[framing]") {
  FrameDecoder decoder;
  SECTION("Content-Type before and after") {
    decoder.feed("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}");
    decoder.feed("Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n[]");
    CHECK(drain(decoder) == std::vector<std::string>{"{}", "[]"});
  }
  SECTION("header names in any case, spaces around the value") {
    decoder.feed("content-length: 2\r\n\r\n{}CONTENT-LENGTH:2\r\n\r\n[]Content-length:   3 \t\r\n\r\n[1]");
    CHECK(drain(decoder) == std::vector<std::string>{"{}", "[]", "[1]"});
  }
  SECTION("a duplicate Content-Length: the last one wins") {
    decoder.feed("Content-Length: 99\r\nContent-Length: 2\r\n\r\n{}");
    CHECK(drain(decoder) == std::vector<std::string>{"{}"});
  }
}

TEST_CASE("FrameDecoder reports bad headers and resynchronises", "[framing]") {
  FrameDecoder decoder;
  const std::string good = encodeFrame(R"({"ok":true})");

  SECTION("missing Content-Length") {
    decoder.feed("Content-Type: text/plain\r\n\r\n{\"lost\":1}" + good);
    auto events = drain(decoder);
    REQUIRE(events.size() == 2);
    CHECK(events[0] == "error: missing Content-Length header");
    CHECK(events[1] == R"({"ok":true})");
  }
  SECTION("non-numeric Content-Length") {
    for (std::string bad : {"abc", "-1", "+5", "5x", "0x10", ""}) {
      CAPTURE(bad);
      decoder.feed("Content-Length: " + bad + "\r\n\r\n{\"lost\":1}" + good);
      auto events = drain(decoder);
      REQUIRE(events.size() == 2);
      CHECK(events[0].find("error: Content-Length is not a number") == 0);
      CHECK(events[1] == R"({"ok":true})");
    }
  }
  SECTION("oversize Content-Length: refused without buffering the body") {
    decoder.feed("Content-Length: " + std::to_string(kMaxContentLength + 1) + "\r\n\r\n");
    auto events = drain(decoder);
    REQUIRE(events.size() == 1);
    CHECK(events[0].find("exceeds the limit") != std::string::npos);
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) {
      decoder.feed(chunk);
      CHECK(decoder.pending() < 64);  // skipped, not held
    }
    decoder.feed(good);
    CHECK(drain(decoder) == std::vector<std::string>{R"({"ok":true})"});
  }
  SECTION("a length too long to fit in 64 bits") {
    decoder.feed("Content-Length: 99999999999999999999999999999999\r\n\r\n" + good);
    auto events = drain(decoder);
    REQUIRE(events.size() == 2);
    CHECK(isError(events[0]));
    CHECK(events[1] == R"({"ok":true})");
  }
  SECTION("exactly the limit is accepted (and waits for its body)") {
    decoder.feed("Content-Length: " + std::to_string(kMaxContentLength) + "\r\n\r\n{}");
    CHECK_FALSE(decoder.ready());
  }
  SECTION("one invalid duplicate spoils the frame") {
    decoder.feed("Content-Length: 2\r\nContent-Length: two\r\n\r\n{}" + good);
    auto events = drain(decoder);
    REQUIRE(events.size() == 2);
    CHECK(isError(events[0]));
    CHECK(events[1] == R"({"ok":true})");
  }
  SECTION("the next header arrives split across feeds") {
    decoder.feed("Content-Length: nope\r\n\r\n{\"lost\":1}Cont");
    CHECK(drain(decoder).size() == 1);
    decoder.feed("ent-Len");
    decoder.feed(good.substr(11));  // "Content-Len" came already
    CHECK(drain(decoder) == std::vector<std::string>{R"({"ok":true})"});
  }
  SECTION("garbage before a frame") {
    decoder.feed("hello there\r\n\r\n" + good);
    auto events = drain(decoder);
    REQUIRE(events.size() == 2);
    CHECK(isError(events[0]));
    CHECK(events[1] == R"({"ok":true})");
  }
  SECTION("a header block that never ends is given up, not buffered") {
    decoder.feed(std::string(200 * 1024, 'h'));
    auto events = drain(decoder);
    REQUIRE(events.size() == 1);
    CHECK(events[0].find("header block longer than") != std::string::npos);
    CHECK(decoder.pending() < 64);
    decoder.feed(good);
    CHECK(drain(decoder) == std::vector<std::string>{R"({"ok":true})"});
  }
  SECTION("several bad frames in a row, then good ones") {
    // Resynchronising after the first skips straight to the next
    // Content-Length, so the frame without one is skipped silently.
    decoder.feed("Content-Length: x\r\n\r\n{}Content-Type: a\r\n\r\n{}Content-Length: 1e3\r\n\r\n{}" + good + good);
    auto events = drain(decoder);
    REQUIRE(events.size() == 4);
    CHECK(events[0] == "error: Content-Length is not a number: \"x\"");
    CHECK(events[1] == "error: Content-Length is not a number: \"1e3\"");
    CHECK(events[2] == R"({"ok":true})");
    CHECK(events[3] == R"({"ok":true})");
  }
}

TEST_CASE("FrameDecoder keeps truncated input pending", "[framing]") {
  FrameDecoder decoder;
  SECTION("inside the headers") {
    decoder.feed("Content-Length: 10\r\n");
    CHECK_FALSE(decoder.ready());
    CHECK(decoder.pending() == 20);
  }
  SECTION("inside the body") {
    decoder.feed("Content-Length: 8\r\n\r\n{\"a\":");
    CHECK_FALSE(decoder.ready());
    CHECK(decoder.pending() == 26);
    decoder.feed("12}");
    CHECK(drain(decoder) == std::vector<std::string>{R"({"a":12})"});
    CHECK(decoder.pending() == 0);
  }
  SECTION("take() without a ready event is an error, not a crash") {
    auto event = decoder.take();
    CHECK(std::holds_alternative<FrameError>(event));
  }
}
