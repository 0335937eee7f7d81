#include "providers/OpenAiProvider.h"

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"
#include "providers/Prompt.h"

namespace aieditor::server {

using nlohmann::json;

namespace {

std::string_view roleName(protocol::Role role) {
  return role == protocol::Role::Assistant ? "assistant" : role == protocol::Role::System ? "system" : "user";
}

std::int64_t tokens(const json& usage, const char* key) {
  auto it = usage.find(key);
  return it != usage.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

class OpenAiDecoder final : public EventDecoder {
 public:
  OpenAiDecoder(std::string provider, std::shared_ptr<const Redactor> redactor)
      : provider_(std::move(provider)), redactor_(std::move(redactor)) {}

  DecodedEvent decode(const SseEvent& event) override {
    if (event.data == "[DONE]") return DecodedEvent::end();
    json chunk;
    if (protocol::readJson(event.data, chunk) || !chunk.is_object()) return malformed(event.data);
    if (auto error = chunk.find("error"); error != chunk.end() && !error->is_null())
      return DecodedEvent::failure(ProviderError{
          ProviderError::Kind::Upstream,
          "provider " + provider_ + " reported an error mid-stream: " + upstreamMessage(event.data, *redactor_)});
    if (auto model = chunk.find("model"); model != chunk.end() && model->is_string())
      completion_.model = model->get<std::string>();
    if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object())
      completion_.usage = protocol::Usage{tokens(*usage, "prompt_tokens"), tokens(*usage, "completion_tokens")};
    DecodedEvent out;
    auto choices = chunk.find("choices");
    if (choices == chunk.end() || choices->is_null()) return out;
    if (!choices->is_array()) return malformed(event.data);
    for (const auto& choice : *choices) {
      if (!choice.is_object()) return malformed(event.data);
      if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object())
        if (auto content = delta->find("content"); content != delta->end() && content->is_string())
          out.delta += content->get<std::string>();
      if (auto reason = choice.find("finish_reason"); reason != choice.end() && !reason->is_null())
        finishReason_ = true;
    }
    return out;
  }

  Completion completion() const override { return completion_; }
  bool complete() const override { return finishReason_; }

 private:
  DecodedEvent malformed(const std::string& data) const {
    return DecodedEvent::failure(
        ProviderError{ProviderError::Kind::Malformed,
                      "provider " + provider_ + " sent a malformed event: " + upstreamExcerpt(data, 120, *redactor_)});
  }

  std::string provider_;
  std::shared_ptr<const Redactor> redactor_;
  Completion completion_;
  bool finishReason_ = false;
};

}  // namespace

std::string openAiRequestBody(const ProviderRequest& request, const std::string& model) {
  json messages = json::array();
  if (!request.systemPrompt.empty()) messages.push_back({{"role", "system"}, {"content", request.systemPrompt}});
  for (const auto& turn : request.history) messages.push_back({{"role", roleName(turn.role)}, {"content", turn.content}});
  const std::string text = userPrompt(request);
  if (request.images.empty()) {
    messages.push_back({{"role", "user"}, {"content", text}});
  } else {
    json parts = json::array();
    if (!text.empty()) parts.push_back({{"type", "text"}, {"text", text}});
    for (const auto& image : request.images)
      parts.push_back({{"type", "image_url"},
                       {"image_url", {{"url", "data:" + image.mimeType + ";base64," + image.data}}}});
    messages.push_back({{"role", "user"}, {"content", std::move(parts)}});
  }
  json body = {{"model", model},
               {"messages", std::move(messages)},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::unique_ptr<EventDecoder> makeOpenAiDecoder(std::string provider, std::shared_ptr<const Redactor> redactor) {
  return std::make_unique<OpenAiDecoder>(std::move(provider), std::move(redactor));
}

void OpenAiProvider::describe(const ProviderRequest& request, const std::string& model, HttpJob& job) const {
  job.url = config().baseUrl + "/chat/completions";
  job.headers = {"Content-Type: application/json", "Accept: text/event-stream"};
  if (!config().apiKey.empty()) job.headers.push_back("Authorization: Bearer " + config().apiKey);
  job.body = openAiRequestBody(request, model);
  job.decoder = makeOpenAiDecoder(name(), config().redactor);
}

}  // namespace aieditor::server
