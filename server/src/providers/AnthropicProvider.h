// The Anthropic Messages API, streamed (`stream: true`).
#pragma once

#include "providers/HttpStream.h"

namespace aieditor::server {

/// The request body for `request` (exposed for tests).
std::string anthropicRequestBody(const ProviderRequest&, const std::string& model, int maxTokens);
/// A decoder for the message_start ... message_stop event stream; `redactor`
/// scrubs the upstream text its error messages quote.
std::unique_ptr<EventDecoder> makeAnthropicDecoder(
    std::shared_ptr<const Redactor> redactor = std::make_shared<const Redactor>());

class AnthropicProvider final : public HttpProvider {
 public:
  using HttpProvider::HttpProvider;
  std::string name() const override { return "anthropic"; }

 private:
  void describe(const ProviderRequest&, const std::string& model, HttpJob&) const override;
};

}  // namespace aieditor::server
