// The Anthropic Messages API, streamed (`stream: true`).
#pragma once

#include "aieditor/server/HttpStream.h"

namespace aieditor::server {

/// The request body for `request` (exposed for tests).
std::string anthropicRequestBody(const ProviderRequest&, const std::string& model, int maxTokens);
/// A decoder for the message_start ... message_stop event stream.
std::unique_ptr<EventDecoder> makeAnthropicDecoder();

class AnthropicProvider final : public Provider {
 public:
  AnthropicProvider(Scheduler&, EndpointConfig);
  std::string name() const override { return "anthropic"; }
  std::string model() const override { return config_.model; }
  void stream(const ProviderRequest&, protocol::CancelToken, StreamHandlers) override;

 private:
  EndpointConfig config_;
  HttpStreamer streamer_;
};

}  // namespace aieditor::server
