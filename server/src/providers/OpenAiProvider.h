// The OpenAI Chat Completions API, streamed (`stream: true`). The base URL
// makes it serve every compatible server: OpenAI, Ollama, llama.cpp's server,
// vLLM, LM Studio, OpenRouter.
#pragma once

#include "providers/HttpStream.h"

namespace aieditor::server {

/// The request body for `request` (exposed for tests).
std::string openAiRequestBody(const ProviderRequest&, const std::string& model);
/// A decoder for the chat.completion.chunk stream; `redactor` scrubs the
/// upstream text its error messages quote.
std::unique_ptr<EventDecoder> makeOpenAiDecoder(
    std::string provider, std::shared_ptr<const Redactor> redactor = std::make_shared<const Redactor>());

class OpenAiProvider final : public HttpProvider {
 public:
  using HttpProvider::HttpProvider;
  std::string name() const override { return "openai"; }

 private:
  void describe(const ProviderRequest&, const std::string& model, HttpJob&) const override;
};

}  // namespace aieditor::server
