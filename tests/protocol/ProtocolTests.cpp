// Wire types: timestamps, ids, the six converters (round trips and
// rejections naming the bad field's path), params and results.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "aieditor/protocol/Protocol.h"

using namespace aieditor::protocol;

namespace {

constexpr Timestamp kCreated = 1795596000123;  // 2026-11-25T08:40:00.123Z

const json kFrontMessage = json::parse(R"({
  "id": "m1", "sessionId": "s1", "role": "assistant", "content": "Here you go",
  "images": [{"mimeType": "image/png", "data": "aGVsbG8="}],
  "createdAt": "2026-11-25T08:40:00.123Z", "status": "complete",
  "interactionId": "i1", "componentId": "c1"})");
const json kBackMessage = json::parse(R"({
  "id": "m1", "session_id": "s1", "role": "assistant", "content": "Here you go",
  "images": [{"mime_type": "image/png", "data": "aGVsbG8="}],
  "created_at": "2026-11-25T08:40:00.123Z", "status": "complete",
  "interaction_id": "i1", "component_id": "c1"})");

const json kFrontInteraction = json::parse(R"({
  "id": "i1", "sessionId": "s1", "prompt": "make a button", "response": "```jsx\nx\n```",
  "provider": "offline", "model": "offline-1", "status": "interrupted",
  "createdAt": "2026-11-25T08:40:00.123Z", "durationMs": 1234,
  "usage": {"inputTokens": 10, "outputTokens": 200}, "error": "cancelled",
  "metadata": {"temperature": 0.5, "tags": ["a", "b"]}})");
const json kBackInteraction = json::parse(R"({
  "id": "i1", "session_id": "s1", "prompt": "make a button", "response": "```jsx\nx\n```",
  "provider": "offline", "model": "offline-1", "status": "interrupted",
  "created_at": "2026-11-25T08:40:00.123Z", "duration_ms": 1234,
  "usage": {"input_tokens": 10, "output_tokens": 200}, "error": "cancelled",
  "metadata": {"temperature": 0.5, "tags": ["a", "b"]}})");

const json kFrontComponent = json::parse(R"({
  "id": "c1", "sessionId": "s1", "name": "Button",
  "jsx": "export default function Button() { return <button className=\"b\">Hi</button>; }",
  "css": ".b { color: red; }", "version": 2,
  "createdAt": "2026-11-25T08:40:00.123Z", "updatedAt": "2026-11-25T09:00:00.000Z",
  "metadata": {"source": "chat"}})");
const json kBackComponent = json::parse(R"({
  "id": "c1", "session_id": "s1", "name": "Button",
  "jsx": "export default function Button() { return <button className=\"b\">Hi</button>; }",
  "css": ".b { color: red; }", "version": 2,
  "created_at": "2026-11-25T08:40:00.123Z", "updated_at": "2026-11-25T09:00:00.000Z",
  "metadata": {"source": "chat"}})");

json with(json base, const json::json_pointer& at, json value) {
  base[at] = std::move(value);
  return base;
}
json without(json base, const json::json_pointer& at) {
  base[at.parent_pointer()].erase(at.back());
  return base;
}

/// The error text of a converter or fromJSON, or "ok".
template <class Expected>
std::string problem(const Expected& result) {
  return result ? "ok" : result.error().message();
}

template <class T>
std::string parse(const json& value, const char* path = "params") {
  T out;
  return problem(fromJSON(value, out, path));
}

}  // namespace

TEST_CASE("Timestamps are RFC 3339 UTC with milliseconds", "[protocol][time]") {
  CHECK(formatTimestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(formatTimestamp(kCreated) == "2026-11-25T08:40:00.123Z");
  CHECK(formatTimestamp(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(formatTimestamp(-62135596800000) == "0001-01-01T00:00:00.000Z");

  CHECK(parseTimestamp("2026-11-25T08:40:00.123Z") == kCreated);
  CHECK(parseTimestamp("2026-11-25t08:40:00.123z") == kCreated);
  CHECK(parseTimestamp("2026-11-25T10:40:00.123+02:00") == kCreated);
  CHECK(parseTimestamp("2026-11-25T03:10:00.123-05:30") == kCreated);
  CHECK(parseTimestamp("2026-11-25T08:40:00.1239999Z") == kCreated);  // truncated to ms
  CHECK(parseTimestamp("2026-11-25T08:40:00Z") == kCreated - 123);
  CHECK(parseTimestamp("2026-11-25T08:40:00.5Z") == kCreated - 123 + 500);
  CHECK(parseTimestamp("1969-12-31T23:59:59.999Z") == -1);
  CHECK(parseTimestamp("2016-12-31T23:59:60Z") == 1483228800000);  // leap second
  CHECK(parseTimestamp("2024-02-29T00:00:00Z").has_value());
  for (Timestamp t : {Timestamp{0}, kCreated, Timestamp{-86'400'001}, Timestamp{253402300799999}})
    CHECK(parseTimestamp(formatTimestamp(t)) == t);

  for (const char* bad : {"", "2026-11-25", "2026-11-25T08:40:00", "2026-11-25 08:40:00Z", "2026-11-25T08:40Z",
                          "2026-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
                          "2026-11-25T24:00:00Z", "2026-11-25T08:60:00Z", "2026-11-25T08:40:61Z",
                          "2026-11-25T08:40:00.Z", "2026-11-25T08:40:00+2:00", "2026-11-25T08:40:00+0200",
                          "2026-11-25T08:40:00+24:00", "2026-11-25T08:40:00ZZ", "+2026-11-25T08:40:00Z",
                          "2026-1-25T08:40:00Z", "1795596000123"}) {
    CAPTURE(bad);
    CHECK_FALSE(parseTimestamp(bad).has_value());
  }
}

TEST_CASE("Session ids", "[protocol][ids]") {
  CHECK(isValidSessionId("a"));
  CHECK(isValidSessionId("Proj-1.chat_2:main"));
  CHECK(isValidSessionId(std::string(128, 'x')));
  CHECK_FALSE(isValidSessionId(""));
  CHECK_FALSE(isValidSessionId(std::string(129, 'x')));
  for (const char* bad : {"a b", "a/b", "a\\b", "caf\xC3\xA9", "a\n", "../x", "a?b"}) {
    CAPTURE(bad);
    CHECK_FALSE(isValidSessionId(bad));
  }
  CHECK(parse<SessionIdParams>({{"sessionId", "a b"}}) ==
        "params.sessionId: must be 1-128 characters from [A-Za-z0-9._:-]");
  CHECK(parse<SessionIdParams>({{"sessionId", 5}}) == "params.sessionId: must be a string");
  CHECK(parse<SessionIdParams>(nullptr) == "params.sessionId: is required");
  CHECK(parse<SessionIdParams>(json::array({"s1"})) == "params: must be an object");
}

TEST_CASE("Converters round-trip every record in both directions", "[protocol][converters]") {
  SECTION("message") {
    auto back = messageToBackend(kFrontMessage);
    REQUIRE(back);
    CHECK(*back == kBackMessage);
    auto front = messageToFrontend(*back);
    REQUIRE(front);
    CHECK(*front == kFrontMessage);
    CHECK(messageToBackend(*messageToFrontend(kBackMessage)) == kBackMessage);
  }
  SECTION("interaction") {
    auto back = interactionToBackend(kFrontInteraction);
    REQUIRE(back);
    CHECK(*back == kBackInteraction);
    auto front = interactionToFrontend(*back);
    REQUIRE(front);
    CHECK(*front == kFrontInteraction);
    CHECK(interactionToBackend(*interactionToFrontend(kBackInteraction)) == kBackInteraction);
  }
  SECTION("component") {
    auto back = componentToBackend(kFrontComponent);
    REQUIRE(back);
    CHECK(*back == kBackComponent);
    auto front = componentToFrontend(*back);
    REQUIRE(front);
    CHECK(*front == kFrontComponent);
    CHECK(componentToBackend(*componentToFrontend(kBackComponent)) == kBackComponent);
  }
  SECTION("optional fields stay absent") {
    json minimal = without(without(without(kFrontMessage, "/images"_json_pointer), "/interactionId"_json_pointer),
                           "/componentId"_json_pointer);
    auto back = messageToBackend(minimal);
    REQUIRE(back);
    CHECK_FALSE(back->contains("images"));
    CHECK_FALSE(back->contains("interaction_id"));
    CHECK(*messageToFrontend(*back) == minimal);

    json bare = without(without(kFrontInteraction, "/usage"_json_pointer), "/error"_json_pointer);
    auto it = interactionToBackend(without(bare, "/metadata"_json_pointer));
    REQUIRE(it);
    CHECK((*it)["metadata"] == json::object());  // absent metadata reads as {}
    CHECK_FALSE(it->contains("usage"));
  }
  SECTION("offsets are normalised to UTC") {
    auto back = messageToBackend(with(kFrontMessage, "/createdAt"_json_pointer, "2026-11-25T10:40:00.123+02:00"));
    REQUIRE(back);
    CHECK((*back)["created_at"] == "2026-11-25T08:40:00.123Z");
  }
  SECTION("structs survive toJSON / fromJSON") {
    Message m;
    REQUIRE(fromJSON(kFrontMessage, m, "message"));
    CHECK(m.createdAt == kCreated);
    CHECK(m.role == Role::Assistant);
    CHECK(m.images == std::vector<Image>{{"image/png", "aGVsbG8="}});
    Message again;
    REQUIRE(fromBackendJSON(toBackendJSON(m), again, "message"));
    CHECK(again == m);

    Interaction it;
    REQUIRE(fromBackendJSON(kBackInteraction, it, "interaction"));
    CHECK(it.usage == Usage{10, 200});
    CHECK(it.metadata == R"({"tags":["a","b"],"temperature":0.5})");
    Interaction itAgain;
    REQUIRE(fromJSON(toJSON(it), itAgain, "interaction"));
    CHECK(itAgain == it);

    Component c;
    REQUIRE(fromJSON(kFrontComponent, c, "component"));
    CHECK(c.version == 2);
    Component cAgain;
    REQUIRE(fromBackendJSON(toBackendJSON(c), cAgain, "component"));
    CHECK(cAgain == c);
  }
}

TEST_CASE("Converters reject bad input, naming the field", "[protocol][converters]") {
  const std::string idRule = "must be 1-128 characters from [A-Za-z0-9._:-]";
  SECTION("message") {
    CHECK(problem(messageToBackend(with(kFrontMessage, "/role"_json_pointer, "robot"))) ==
          "message.role: must be one of user, assistant, system");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/status"_json_pointer, "done"))) ==
          "message.status: must be one of complete, streaming, interrupted, failed");
    CHECK(problem(messageToBackend(without(kFrontMessage, "/createdAt"_json_pointer))) ==
          "message.createdAt: is required");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/createdAt"_json_pointer, "yesterday"))) ==
          "message.createdAt: must be an RFC 3339 timestamp such as 2026-11-25T08:40:00.123Z");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/content"_json_pointer, nullptr))) ==
          "message.content: is required");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/content"_json_pointer, 3))) ==
          "message.content: must be a string");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/id"_json_pointer, "has space"))) == "message.id: " + idRule);
    CHECK(problem(messageToBackend(with(kFrontMessage, "/componentId"_json_pointer, ""))) ==
          "message.componentId: " + idRule);
    CHECK(problem(messageToBackend(with(kFrontMessage, "/images/0/mimeType"_json_pointer, "image/bmp"))) ==
          "message.images[0].mimeType: must be one of image/png, image/jpeg, image/gif, image/webp");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/images/0/data"_json_pointer, "not base64!!"))) ==
          "message.images[0].data: must be base64 (bad character at offset 3)");
    CHECK(problem(messageToBackend(with(kFrontMessage, "/images"_json_pointer, "x"))) ==
          "message.images: must be an array");
    CHECK(problem(messageToBackend(json::array())) == "message: must be an object");
    // The backend form is read with its own names.
    CHECK(problem(messageToFrontend(kFrontMessage)) == "message.session_id: is required");
    CHECK(problem(messageToFrontend(without(kBackMessage, "/created_at"_json_pointer))) ==
          "message.created_at: is required");
    CHECK(problem(messageToFrontend(with(kBackMessage, "/images/0"_json_pointer, {{"mimeType", "image/png"}}))) ==
          "message.images[0].mime_type: is required");
  }
  SECTION("interaction") {
    CHECK(problem(interactionToBackend(with(kFrontInteraction, "/usage/inputTokens"_json_pointer, -1))) ==
          "interaction.usage.inputTokens: must be an integer of at least 0");
    CHECK(problem(interactionToBackend(with(kFrontInteraction, "/durationMs"_json_pointer, 1.5))) ==
          "interaction.durationMs: must be an integer of at least 0");
    CHECK(problem(interactionToBackend(with(kFrontInteraction, "/metadata"_json_pointer, "{}"))) ==
          "interaction.metadata: must be an object");
    CHECK(problem(interactionToBackend(with(kFrontInteraction, "/provider"_json_pointer, " "))) ==
          "interaction.provider: must not be empty");
    CHECK(problem(interactionToBackend(without(kFrontInteraction, "/response"_json_pointer))) ==
          "interaction.response: is required");
    CHECK(problem(interactionToFrontend(with(kBackInteraction, "/duration_ms"_json_pointer, "1"))) ==
          "interaction.duration_ms: must be an integer of at least 0");
    CHECK(problem(interactionToFrontend(with(kBackInteraction, "/usage"_json_pointer, {{"input_tokens", 1}}))) ==
          "interaction.usage.output_tokens: is required");
  }
  SECTION("component") {
    CHECK(problem(componentToBackend(with(kFrontComponent, "/version"_json_pointer, 0))) ==
          "component.version: must be an integer of at least 1");
    CHECK(problem(componentToBackend(without(kFrontComponent, "/css"_json_pointer))) == "component.css: is required");
    CHECK(problem(componentToBackend(with(kFrontComponent, "/sessionId"_json_pointer, "x/y"))) ==
          "component.sessionId: " + idRule);
    CHECK(problem(componentToFrontend(with(kBackComponent, "/updated_at"_json_pointer, 5))) ==
          "component.updated_at: must be an RFC 3339 timestamp such as 2026-11-25T08:40:00.123Z");
  }
  SECTION("a failed parse leaves the target untouched") {
    Message m;
    REQUIRE(fromJSON(kFrontMessage, m, "message"));
    const Message before = m;
    CHECK_FALSE(fromJSON(with(kFrontMessage, "/status"_json_pointer, "nope"), m, "message"));
    CHECK(m == before);
  }
}

TEST_CASE("Images: type, base64 and size", "[protocol][images]") {
  auto image = [](std::string data) { return json{{"mimeType", "image/jpeg"}, {"data", std::move(data)}}; };
  CHECK(parse<Image>(image("aGk="), "image") == "ok");
  CHECK(parse<Image>(image("aGVsbG8h"), "image") == "ok");
  CHECK(parse<Image>(image("aA=="), "image") == "ok");
  CHECK(parse<Image>(image(""), "image") == "image.data: must not be empty");
  CHECK(parse<Image>(image("aGk"), "image") == "image.data: must be base64 (length a multiple of 4)");
  CHECK(parse<Image>(image("a=Gk"), "image") == "image.data: must be base64 (bad character at offset 1)");
  CHECK(parse<Image>(image("a==="), "image") == "image.data: must be base64 (bad character at offset 1)");
  CHECK(parse<Image>(image("aGk=\n"), "image") == "image.data: must be base64 (length a multiple of 4)");
  CHECK(parse<Image>(image(std::string((20u << 20) / 3 * 4, 'A')), "image") == "ok");
  CHECK(parse<Image>(image(std::string((20u << 20) / 3 * 4 + 4, 'A')), "image") ==
        "image.data: must decode to at most 20 MiB");
  CHECK(parse<Image>({{"mimeType", "image/svg+xml"}, {"data", "aGk="}}, "image") ==
        "image.mimeType: must be one of image/png, image/jpeg, image/gif, image/webp");
}

TEST_CASE("Params: limits, paging and sessions", "[protocol][params]") {
  SECTION("limit is an integer from 1 to 1000") {
    SessionOpenParams open;
    REQUIRE(fromJSON({{"sessionId", "s1"}}, open, "params"));
    CHECK(open.limit == 50);
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"limit", 1000}}, open, "params"));
    CHECK(open.limit == 1000);
    for (json bad : {json(0), json(1001), json(-5), json("10"), json(2.5), json(true)}) {
      CAPTURE(bad);
      CHECK(parse<SessionOpenParams>({{"sessionId", "s1"}, {"limit", bad}}) ==
            "params.limit: must be an integer from 1 to 1000");
      CHECK(parse<PageParams>({{"sessionId", "s1"}, {"limit", bad}}) ==
            "params.limit: must be an integer from 1 to 1000");
      CHECK(parse<SessionListParams>({{"limit", bad}}) == "params.limit: must be an integer from 1 to 1000");
    }
  }
  SECTION("params whose fields are all optional accept absent params") {
    SessionListParams list;
    REQUIRE(fromJSON(nullptr, list, "params"));
    CHECK(list.limit == 50);
    CHECK_FALSE(list.cursor);
    REQUIRE(fromJSON({{"cursor", "abc"}, {"limit", 7}}, list, "params"));
    CHECK(list.cursor == "abc");
    CHECK(parse<SessionListParams>({{"cursor", 3}}) == "params.cursor: must be a string");
  }
  SECTION("page params") {
    PageParams page;
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"before", "m9"}, {"limit", 20}}, page, "params"));
    CHECK(page.before == "m9");
    CHECK(page.limit == 20);
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"before", nullptr}}, page, "params"));
    CHECK_FALSE(page.before);
    CHECK(parse<PageParams>({{"sessionId", "s1"}, {"before", ""}}) ==
          "params.before: must be 1-128 characters from [A-Za-z0-9._:-]");
  }
  SECTION("cancel params keep the id's JSON text") {
    CancelParams cancel;
    REQUIRE(fromJSON({{"id", 12}}, cancel, "params"));
    CHECK(cancel.id == "12");
    REQUIRE(fromJSON({{"id", "abc"}}, cancel, "params"));
    CHECK(cancel.id == "\"abc\"");
    CHECK(parse<CancelParams>({{"id", json::object()}}) == "params.id: must be a number or a string");
    CHECK(parse<CancelParams>(json::object()) == "params.id: is required");
  }
}

TEST_CASE("Params: adding messages and interactions", "[protocol][params]") {
  SECTION("a message may leave out what the server fills in") {
    MessagesAddParams add;
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"message", {{"role", "user"}, {"content", "hi"}}}}, add, "params"));
    CHECK(add.sessionId == "s1");
    CHECK(add.message.sessionId == "s1");
    CHECK(add.message.id.empty());
    CHECK(add.message.createdAt == 0);
    CHECK(add.message.status == RecordStatus::Complete);
    CHECK(add.message.role == Role::User);

    json full = kFrontMessage;
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"message", full}}, add, "params"));
    CHECK(add.message.id == "m1");
    CHECK(add.message.createdAt == kCreated);
  }
  SECTION("rejections") {
    CHECK(parse<MessagesAddParams>({{"sessionId", "s1"}, {"message", {{"role", "user"}, {"content", "hi"}, {"sessionId", "s2"}}}}) ==
          "params.message.sessionId: must equal params.sessionId");
    CHECK(parse<MessagesAddParams>({{"sessionId", "s1"}, {"message", {{"content", "hi"}}}}) ==
          "params.message.role: is required");
    CHECK(parse<MessagesAddParams>({{"sessionId", "s1"}}) == "params.message: is required");
    CHECK(parse<MessagesAddParams>({{"sessionId", "s1"}, {"message", "hi"}}) == "params.message: must be an object");
  }
  SECTION("an interaction needs prompt, provider and model") {
    InteractionsAddParams add;
    REQUIRE(fromJSON({{"sessionId", "s1"},
                      {"interaction", {{"prompt", "p"}, {"provider", "offline"}, {"model", "m"}}}},
                     add, "params"));
    CHECK(add.interaction.sessionId == "s1");
    CHECK(add.interaction.response.empty());
    CHECK(add.interaction.metadata == "{}");
    CHECK(add.interaction.durationMs == 0);
    CHECK(parse<InteractionsAddParams>({{"sessionId", "s1"}, {"interaction", {{"prompt", "p"}, {"model", "m"}}}}) ==
          "params.interaction.provider: is required");
    CHECK(parse<InteractionsAddParams>({{"sessionId", "s1"}, {"interaction", {{"provider", "x"}, {"model", "m"}}}}) ==
          "params.interaction.prompt: is required");
    CHECK(parse<InteractionsAddParams>(
              {{"sessionId", "s1"},
               {"interaction", {{"prompt", "p"}, {"provider", "x"}, {"model", "m"}, {"sessionId", "s9"}}}}) ==
          "params.interaction.sessionId: must equal params.sessionId");
  }
}

TEST_CASE("Params: chat and components", "[protocol][params]") {
  const json png = {{"mimeType", "image/png"}, {"data", "aGk="}};
  SECTION("chat/send") {
    ChatSendParams chat;
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"text", "make a button"}}, chat, "params"));
    CHECK(chat.text == "make a button");
    CHECK_FALSE(chat.newComponent);
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"text", " "}, {"images", {png}}}, chat, "params"));
    CHECK(chat.images.size() == 1);
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"text", "x"}, {"componentId", "c1"}}, chat, "params"));
    CHECK(chat.componentId == "c1");

    CHECK(parse<ChatSendParams>({{"sessionId", "s1"}, {"text", " \n\t"}}) == "params.text: must not be empty");
    CHECK(parse<ChatSendParams>({{"sessionId", "s1"}}) == "params.text: must not be empty");
    CHECK(parse<ChatSendParams>({{"sessionId", "s1"}, {"text", std::string((1 << 20) + 1, 'a')}}) ==
          "params.text: must be at most 1 MiB");
    CHECK(parse<ChatSendParams>({{"sessionId", "s1"}, {"text", "x"}, {"images", json::array({png, png, png, png, png,
                                                                                               png, png, png, png})}}) ==
          "params.images: must hold at most 8 items");
    CHECK(parse<ChatSendParams>({{"sessionId", "s1"}, {"text", "x"}, {"images", {png, {{"mimeType", "image/png"}}}}}) ==
          "params.images[1].data: is required");
    CHECK(parse<ChatSendParams>({{"sessionId", "s1"}, {"text", "x"}, {"componentId", "c1"}, {"newComponent", true}}) ==
          "params.newComponent: cannot be combined with componentId");
  }
  SECTION("components/save") {
    ComponentsSaveParams save;
    REQUIRE(fromJSON({{"sessionId", "s1"},
                      {"component", {{"jsx", "<div/>"}, {"css", ""}, {"metadata", {{"b", 1}, {"a", {1, 2}}}}}}},
                     save, "params"));
    CHECK(save.sessionId == "s1");
    CHECK_FALSE(save.component.id);
    CHECK(save.component.jsx == "<div/>");
    CHECK(save.component.metadata == R"({"a":[1,2],"b":1})");
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"component", {{"id", "c1"}, {"name", "Card"}, {"jsx", ""}, {"css", "a{}"}}}},
                     save, "params"));
    CHECK(save.component.id == "c1");
    CHECK(save.component.name == "Card");
    CHECK(save.component.css == "a{}");
    CHECK_FALSE(save.component.metadata);
    // A whole Component sent back is accepted: its sessionId must match, the rest is ignored.
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"component", with(kFrontComponent, "/metadata"_json_pointer, nullptr)}},
                     save, "params"));
    CHECK(save.component.id == "c1");
    CHECK(save.component.name == "Button");
    CHECK_FALSE(save.component.metadata);

    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"jsx", " "}, {"css", ""}}}}) ==
          "params.component: jsx and css must not both be empty");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"jsx", "x"}}}}) ==
          "params.component.css: is required");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"jsx", "x"}, {"css", ""}, {"metadata", {1}}}}}) ==
          "params.component.metadata: must be an object");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"id", "a b"}, {"jsx", "x"}, {"css", ""}}}}) ==
          "params.component.id: must be 1-128 characters from [A-Za-z0-9._:-]");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"css", ""}}}}) ==
          "params.component.jsx: is required");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"jsx", 1}, {"css", ""}}}}) ==
          "params.component.jsx: must be a string");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", {{"name", 1}, {"jsx", "x"}, {"css", ""}}}}) ==
          "params.component.name: must be a string");
    const json draft = {{"jsx", "x"}, {"css", ""}};
    CHECK(parse<ComponentsSaveParams>(
              {{"sessionId", "s1"}, {"component", with(draft, "/sessionId"_json_pointer, "s2")}}) ==
          "params.component.sessionId: must equal params.sessionId");
    CHECK(parse<ComponentsSaveParams>(
              {{"sessionId", "s1"}, {"component", with(draft, "/sessionId"_json_pointer, "a b")}}) ==
          "params.component.sessionId: must be 1-128 characters from [A-Za-z0-9._:-]");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}}) == "params.component: is required");
    CHECK(parse<ComponentsSaveParams>({{"sessionId", "s1"}, {"component", "x"}}) ==
          "params.component: must be an object");
    CHECK(parse<ComponentsSaveParams>({{"component", draft}}) == "params.sessionId: is required");
    CHECK(parse<ComponentsSaveParams>(nullptr) == "params.sessionId: is required");

    // The draft alone, as the server may read it.
    ComponentDraft alone;
    REQUIRE(fromJSON(with(draft, "/metadata"_json_pointer, {{"k", "v"}}), alone, "component"));
    CHECK(alone.jsx == "x");
    CHECK(alone.metadata == R"({"k":"v"})");
    CHECK(parse<ComponentDraft>({{"jsx", "x"}}, "component") == "component.css: is required");
  }
  SECTION("component references") {
    ComponentRefParams ref;
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"componentId", "c1"}}, ref, "params"));
    CHECK(ref.sessionId == "s1");
    CHECK(ref.componentId == "c1");
    CHECK(parse<ComponentRefParams>({{"sessionId", "s1"}}) == "params.componentId: is required");
    CHECK(parse<ComponentRefParams>({{"componentId", "c1"}}) == "params.sessionId: is required");
    CHECK(parse<ComponentRefParams>({{"sessionId", "s1"}, {"componentId", "a b"}}) ==
          "params.componentId: must be 1-128 characters from [A-Za-z0-9._:-]");
    // delete, history and setCurrent take no version: like any unknown field it is ignored.
    CHECK(parse<ComponentRefParams>({{"sessionId", "s1"}, {"componentId", "c1"}, {"version", 0}, {"extra", true}}) ==
          "ok");

    ComponentsRestoreParams restore;
    REQUIRE(fromJSON({{"sessionId", "s1"}, {"componentId", "c1"}, {"version", 3}}, restore, "params"));
    CHECK(restore.sessionId == "s1");
    CHECK(restore.componentId == "c1");
    CHECK(restore.version == 3);
    CHECK(parse<ComponentsRestoreParams>({{"sessionId", "s1"}, {"componentId", "c1"}, {"version", 0}}) ==
          "params.version: must be an integer of at least 1");
    CHECK(parse<ComponentsRestoreParams>({{"sessionId", "s1"}, {"componentId", "c1"}, {"version", "2"}}) ==
          "params.version: must be an integer of at least 1");
    CHECK(parse<ComponentsRestoreParams>({{"sessionId", "s1"}, {"componentId", "c1"}}) ==
          "params.version: is required");
    CHECK(parse<ComponentsRestoreParams>({{"sessionId", "s1"}, {"componentId", "c1"}, {"version", nullptr}}) ==
          "params.version: is required");
    CHECK(parse<ComponentsRestoreParams>({{"sessionId", "s1"}, {"version", 1}}) == "params.componentId: is required");
    CHECK(parse<ComponentsRestoreParams>(nullptr) == "params.sessionId: is required");

    ComponentsGetParams get;
    REQUIRE(fromJSON({{"sessionId", "s1"}}, get, "params"));
    CHECK_FALSE(get.componentId);
    CHECK_FALSE(get.version);
    CHECK(parse<ComponentsGetParams>({{"sessionId", "s1"}, {"version", "2"}}) ==
          "params.version: must be an integer of at least 1");
  }
}

TEST_CASE("Initialize", "[protocol][lifecycle]") {
  InitializeParams init;
  REQUIRE(fromJSON(json::parse(R"({
    "processId": 4242, "rootUri": null, "capabilities": {"textDocument": {}},
    "clientInfo": {"name": "Visual Studio Code", "version": "1.95.0"},
    "initializationOptions": {"databasePath": "/tmp/a.db", "provider": "offline", "offlineDelayMs": 0}})"),
                   init, "params"));
  CHECK(init.processId == 4242);
  REQUIRE(init.clientInfo);
  CHECK(init.clientInfo->name == "Visual Studio Code");
  CHECK(init.clientInfo->version == "1.95.0");
  CHECK(init.initializationOptions.databasePath == "/tmp/a.db");
  CHECK(init.initializationOptions.offlineDelayMs == 0);
  CHECK_FALSE(init.initializationOptions.apiKey);

  CHECK(parse<InitializeParams>(nullptr) == "ok");
  CHECK(parse<InitializeParams>({{"processId", nullptr}, {"initializationOptions", nullptr}}) == "ok");
  CHECK(parse<InitializeParams>({{"clientInfo", {{"version", "1"}}}}) == "params.clientInfo.name: is required");
  CHECK(parse<InitializeParams>({{"initializationOptions", {{"offlineDelayMs", -1}}}}) ==
        "params.initializationOptions.offlineDelayMs: must be an integer from 0 to 60000");
  CHECK(parse<InitializeParams>({{"initializationOptions", {{"databasePath", ""}}}}) ==
        "params.initializationOptions.databasePath: must not be empty");
  CHECK(parse<InitializeParams>({{"initializationOptions", "x"}}) == "params.initializationOptions: must be an object");

  const InitializeResult result{.serverInfo = {.version = "0.1.0"},
                                .capabilities = {.experimental = {.aieditor = {.databasePath = "/tmp/a.db",
                                                                               .provider = "offline"}}}};
  CHECK(toJSON(result) == json::parse(R"({
    "serverInfo": {"name": "aieditor", "version": "0.1.0"},
    "capabilities": {"experimental": {"aieditor": {"protocolVersion": 1, "databasePath": "/tmp/a.db", "provider": "offline"}}}})"));
  // Byte for byte: the text clients have always received.
  CHECK(toJSON(result).dump() ==
        R"({"capabilities":{"experimental":{"aieditor":{"databasePath":"/tmp/a.db","protocolVersion":1,)"
        R"("provider":"offline"}}},"serverInfo":{"name":"aieditor","version":"0.1.0"}})");
  CHECK(toJSON(ServerInfo{.version = "1.2.3"}) == json{{"name", "aieditor"}, {"version", "1.2.3"}});
  CHECK(toJSON(AieditorCapabilities{.databasePath = "file:/x.db?mode=ro", .provider = "openai"}) ==
        json{{"protocolVersion", 1}, {"databasePath", "file:/x.db?mode=ro"}, {"provider", "openai"}});
  CHECK(toJSON(ServerCapabilities{}) ==
        json::parse(R"({"experimental": {"aieditor": {"protocolVersion": 1, "databasePath": "", "provider": ""}}})"));
}

TEST_CASE("Results and notifications", "[protocol][results]") {
  const Session session{"s1", "Buttons", kCreated, kCreated + 1000};
  CHECK(toJSON(session) == json::parse(R"({"id": "s1", "title": "Buttons",
    "createdAt": "2026-11-25T08:40:00.123Z", "updatedAt": "2026-11-25T08:40:01.123Z"})"));
  CHECK(toJSON(SessionSummary{session, 3, 1}) == json::parse(R"({"id": "s1", "title": "Buttons",
    "createdAt": "2026-11-25T08:40:00.123Z", "updatedAt": "2026-11-25T08:40:01.123Z",
    "messageCount": 3, "componentCount": 1})"));

  PersistenceStatus status{"s1", SaveState::Saved, kCreated, std::nullopt, 0};
  CHECK(toJSON(status) == json::parse(R"({"sessionId": "s1", "state": "saved",
    "lastSavedAt": "2026-11-25T08:40:00.123Z", "pendingWrites": 0})"));
  status = {"s1", SaveState::Failed, std::nullopt, "attempt to write a readonly database", 2};
  CHECK(toJSON(status) == json::parse(R"({"sessionId": "s1", "state": "failed",
    "error": "attempt to write a readonly database", "pendingWrites": 2})"));
  CHECK(toString(SaveState::NotSaved) == "notSaved");

  SessionOpenResult open;
  open.session = session;
  open.status.sessionId = "s1";
  const json opened = toJSON(open);
  CHECK(opened["currentComponentId"].is_null());
  CHECK(opened["messages"] == json::array());
  CHECK(opened["hasMore"] == false);
  CHECK(opened["status"]["state"] == "notSaved");

  CHECK(toJSON(SessionListResult{{SessionSummary{session, 0, 0}}, "next"})["nextCursor"] == "next");
  CHECK_FALSE(toJSON(SessionListResult{})["sessions"].size());
  CHECK_FALSE(toJSON(SessionListResult{}).contains("nextCursor"));
  CHECK(toJSON(ChatDelta{"s1", "m2", "Hel"}) == json{{"sessionId", "s1"}, {"messageId", "m2"}, {"delta", "Hel"}});

  Message user;
  REQUIRE(fromJSON(kFrontMessage, user, "m"));
  const json chat = toJSON(ChatSendResult{user, user, Interaction{}, std::nullopt});
  CHECK(chat["userMessage"] == kFrontMessage);
  CHECK_FALSE(chat.contains("component"));
  CHECK(toJSON(MessagePage{{user}, true}) == json{{"messages", {kFrontMessage}}, {"hasMore", true}});
}

TEST_CASE("Results: one struct per method's reply", "[protocol][results]") {
  Message message;
  REQUIRE(fromJSON(kFrontMessage, message, "m"));
  Interaction interaction;
  REQUIRE(fromJSON(kFrontInteraction, interaction, "i"));
  Component component;
  REQUIRE(fromJSON(kFrontComponent, component, "c"));
  Component second = component;
  second.version = 3;
  const json secondJSON = with(kFrontComponent, "/version"_json_pointer, 3);

  SECTION("sessions") {
    CHECK(toJSON(SessionDeleteResult{"old"}) == json::parse(R"({"sessionId": "old", "deleted": true})"));
    CHECK(toJSON(SessionCloseResult{"demo"}) == json::parse(R"({"sessionId": "demo", "closed": true})"));
    CHECK(toJSON(SessionImportResult{"demo-copy"}) == json::parse(R"({"sessionId": "demo-copy"})"));

    SessionDocument doc;
    doc.session = {"s1", "Buttons", kCreated, kCreated};
    doc.messages.push_back(message);
    const json exported = toJSON(SessionExportResult{doc});
    CHECK(exported == json{{"document", toJSON(doc)}});
    CHECK(exported["document"]["messages"][0] == kBackMessage);
  }
  SECTION("messages and interactions") {
    CHECK(toJSON(MessagesAddResult{message}) == json{{"message", kFrontMessage}});
    CHECK(toJSON(InteractionsAddResult{interaction}) == json{{"interaction", kFrontInteraction}});
  }
  SECTION("components") {
    CHECK(toJSON(ComponentsListResult{{component, second}}) == json{{"components", {kFrontComponent, secondJSON}}});
    CHECK(toJSON(ComponentsListResult{}).dump() == R"({"components":[]})");
    CHECK(toJSON(ComponentResult{component}) == json{{"component", kFrontComponent}});
    CHECK(toJSON(ComponentDeleteResult{"c1"}) == json::parse(R"({"componentId": "c1", "deleted": true})"));
    json restored = secondJSON;
    restored["origin"] = json{{"kind", "restored"}, {"fromVersion", 1}};
    restored["current"] = true;
    json prompted = kFrontComponent;
    prompted["origin"] = json{{"kind", "prompt"}, {"prompt", "a card"}};
    prompted["current"] = false;
    CHECK(toJSON(ComponentHistoryResult{{{component, {OriginKind::Prompt, "a card", std::nullopt}, false},
                                         {second, {OriginKind::Restored, std::nullopt, 1}, true}}}) ==
          json{{"versions", {prompted, restored}}});
    CHECK(toJSON(ComponentHistoryResult{}).dump() == R"({"versions":[]})");
    CHECK(toJSON(ComponentsSetCurrentResult{"c1"}) == json::parse(R"({"currentComponentId": "c1"})"));
  }
  SECTION("providers") {
    CHECK(toJSON(ProviderSetResult{{"openai", "gpt-4o"}, "demo"}) ==
          json::parse(R"({"active": {"provider": "openai", "model": "gpt-4o"}, "sessionId": "demo"})"));
    CHECK(toJSON(ProviderSetResult{{"offline", "offline-1"}, std::nullopt}).dump() ==
          R"({"active":{"model":"offline-1","provider":"offline"}})");
  }
}

TEST_CASE("Session documents", "[protocol][document]") {
  SessionDocument doc;
  doc.session = {"s1", "Buttons", kCreated, kCreated + 5000};
  doc.currentComponentId = "c1";
  REQUIRE(fromBackendJSON(kBackMessage, doc.messages.emplace_back(), "m"));
  REQUIRE(fromBackendJSON(with(kBackMessage, "/id"_json_pointer, "m2"), doc.messages.emplace_back(), "m"));
  REQUIRE(fromBackendJSON(kBackInteraction, doc.interactions.emplace_back(), "i"));
  REQUIRE(fromBackendJSON(with(kBackComponent, "/version"_json_pointer, 1), doc.componentVersions.emplace_back(), "c"));
  REQUIRE(fromBackendJSON(kBackComponent, doc.componentVersions.emplace_back(), "c"));
  const json written = toJSON(doc);

  SECTION("the backend format, losslessly") {
    CHECK(written["schema_version"] == 1);
    CHECK(written["format"] == "aieditor.session");
    CHECK(written["session"] == json::parse(R"({"id": "s1", "title": "Buttons",
      "created_at": "2026-11-25T08:40:00.123Z", "updated_at": "2026-11-25T08:40:05.123Z",
      "current_component_id": "c1"})"));
    CHECK(written["messages"][0] == kBackMessage);
    CHECK(written["interactions"][0] == kBackInteraction);
    CHECK(written["components"][1] == kBackComponent);

    SessionImportParams import;
    REQUIRE(fromJSON({{"document", written}}, import, "params"));
    CHECK(toJSON(import.document) == written);
    CHECK(import.document.messages == doc.messages);
    CHECK(import.document.componentVersions == doc.componentVersions);
    CHECK_FALSE(import.sessionId);
  }
  SECTION("rejections name the path inside the document") {
    auto importing = [](const json& document, json sessionId = nullptr) {
      return parse<SessionImportParams>({{"document", document}, {"sessionId", sessionId}});
    };
    CHECK(importing(written) == "ok");
    CHECK(importing(written, "a b") == "params.sessionId: must be 1-128 characters from [A-Za-z0-9._:-]");
    CHECK(importing(with(written, "/schema_version"_json_pointer, 2)) ==
          "params.document.schema_version: is 2, newer than this server reads (1); upgrade aieditor to import this "
          "document");
    CHECK(importing(with(written, "/schema_version"_json_pointer, 0)) == "params.document.schema_version: must be 1");
    CHECK(importing(without(written, "/schema_version"_json_pointer)) == "params.document.schema_version: is required");
    CHECK(importing(with(written, "/format"_json_pointer, "other")) ==
          "params.document.format: must be \"aieditor.session\"");
    CHECK(importing(with(written, "/messages/1/session_id"_json_pointer, "s2")) ==
          "params.document.messages[1].session_id: must equal session.id (\"s1\")");
    json late = written;
    late["messages"] = json::array({kBackMessage, with(kBackMessage, "/id"_json_pointer, "m2"),
                                    with(kBackMessage, "/id"_json_pointer, "m3"),
                                    with(kBackMessage, "/created_at"_json_pointer, "2026-11-25")});
    late["messages"][3]["id"] = "m4";
    CHECK(importing(late) ==
          "params.document.messages[3].created_at: must be an RFC 3339 timestamp such as 2026-11-25T08:40:00.123Z");
    CHECK(importing(with(written, "/messages/1/id"_json_pointer, "m1")) ==
          "params.document.messages[1].id: duplicates an earlier record");
    CHECK(importing(with(written, "/components/0/version"_json_pointer, 2)) ==
          "params.document.components[1].id: duplicates an earlier record");
    CHECK(importing(with(written, "/interactions/0/session_id"_json_pointer, "s2")) ==
          "params.document.interactions[0].session_id: must equal session.id (\"s1\")");
    CHECK(importing(with(written, "/session/current_component_id"_json_pointer, "c9")) ==
          "params.document.session.current_component_id: must name a component in components");
    CHECK(importing(with(written, "/session/created_at"_json_pointer, nullptr)) ==
          "params.document.session.created_at: is required");
    CHECK(importing(with(written, "/components"_json_pointer, json::object())) ==
          "params.document.components: must be an array");
    CHECK(importing(nullptr) == "params.document: is required");
  }
}
