#include "providers/AnthropicProvider.h"

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"
#include "providers/Prompt.h"

namespace aieditor::server {

using nlohmann::json;

namespace {

constexpr const char* kApiVersion = "2023-06-01";
constexpr int kMaxTokens = 8192;

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

class AnthropicDecoder final : public EventDecoder {
 public:
  explicit AnthropicDecoder(std::shared_ptr<const Redactor> redactor) : redactor_(std::move(redactor)) {}

  DecodedEvent decode(const SseEvent& event) override {
    json data;
    if (protocol::readJson(event.data, data) || !data.is_object()) return malformed(event.data);
    const json* typeField = member(data, "type");
    const std::string type = typeField && typeField->is_string() ? typeField->get<std::string>() : event.event;
    if (type == "message_start") {
      const json* message = member(data, "message");
      if (!message || !message->is_object()) return malformed(event.data);
      if (const json* model = member(*message, "model"); model && model->is_string())
        completion_.model = model->get<std::string>();
      readUsage(member(*message, "usage"));
    } else if (type == "content_block_delta") {
      const json* delta = member(data, "delta");
      if (!delta || !delta->is_object()) return malformed(event.data);
      if (const json* text = member(*delta, "text"); text && text->is_string()) return DecodedEvent::text(text->get<std::string>());
    } else if (type == "message_delta") {
      readUsage(member(data, "usage"));
      if (const json* delta = member(data, "delta"))
        if (const json* reason = member(*delta, "stop_reason"); reason && !reason->is_null()) stopped_ = true;
    } else if (type == "message_stop") {
      return DecodedEvent::end();
    } else if (type == "error") {
      const json* error = member(data, "error");
      const json* kind = error ? member(*error, "type") : nullptr;
      bool rateLimited = kind && kind->is_string() && kind->get<std::string>() == "rate_limit_error";
      return DecodedEvent::failure(
          ProviderError{rateLimited ? ProviderError::Kind::RateLimited : ProviderError::Kind::Upstream,
                        "provider anthropic reported an error mid-stream: " + upstreamMessage(event.data, *redactor_)});
    }
    // ping, content_block_start/stop and event types added later: nothing to do.
    return {};
  }

  Completion completion() const override { return completion_; }
  bool complete() const override { return stopped_; }

 private:
  void readUsage(const json* usage) {
    if (!usage || !usage->is_object()) return;
    protocol::Usage u = completion_.usage.value_or(protocol::Usage{});
    if (const json* in = member(*usage, "input_tokens"); in && in->is_number_integer()) u.inputTokens = in->get<std::int64_t>();
    if (const json* out = member(*usage, "output_tokens"); out && out->is_number_integer())
      u.outputTokens = out->get<std::int64_t>();
    completion_.usage = u;
  }

  DecodedEvent malformed(const std::string& data) const {
    return DecodedEvent::failure(
        ProviderError{ProviderError::Kind::Malformed,
                      "provider anthropic sent a malformed event: " + upstreamExcerpt(data, 120, *redactor_)});
  }

  std::shared_ptr<const Redactor> redactor_;
  Completion completion_;
  bool stopped_ = false;
};

}  // namespace

std::string anthropicRequestBody(const ProviderRequest& request, const std::string& model, int maxTokens) {
  // The conversation must start with the user and alternate; merge runs of one role.
  json messages = json::array();
  auto add = [&](const char* role, json content) {
    if (!messages.empty() && messages.back()["role"] == role) {
      json& last = messages.back()["content"];
      for (auto& block : content) last.push_back(std::move(block));
      return;
    }
    messages.push_back({{"role", role}, {"content", std::move(content)}});
  };
  for (const auto& turn : request.history) {
    const char* role = turn.role == protocol::Role::Assistant ? "assistant" : "user";
    if (messages.empty() && std::string_view(role) == "assistant") continue;
    add(role, json::array({{{"type", "text"}, {"text", turn.content}}}));
  }
  json content = json::array();
  for (const auto& image : request.images)
    content.push_back({{"type", "image"},
                       {"source", {{"type", "base64"}, {"media_type", image.mimeType}, {"data", image.data}}}});
  const std::string text = userPrompt(request);
  if (!text.empty() || content.empty()) content.push_back({{"type", "text"}, {"text", text}});
  add("user", std::move(content));

  json body = {{"model", model}, {"max_tokens", maxTokens}, {"messages", std::move(messages)}, {"stream", true}};
  if (!request.systemPrompt.empty()) body["system"] = request.systemPrompt;
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::unique_ptr<EventDecoder> makeAnthropicDecoder(std::shared_ptr<const Redactor> redactor) {
  return std::make_unique<AnthropicDecoder>(std::move(redactor));
}

void AnthropicProvider::describe(const ProviderRequest& request, const std::string& model, HttpJob& job) const {
  job.url = config().baseUrl + "/v1/messages";
  job.headers = {"Content-Type: application/json", "Accept: text/event-stream",
                 std::string("anthropic-version: ") + kApiVersion};
  if (!config().apiKey.empty()) job.headers.push_back("x-api-key: " + config().apiKey);
  job.body = anthropicRequestBody(request, model, kMaxTokens);
  job.decoder = makeAnthropicDecoder(config().redactor);
}

}  // namespace aieditor::server
