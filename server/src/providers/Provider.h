// The AI provider interface. The offline provider and the network providers
// implement it; the chat logic sees only this.
//
// Contract: `stream` returns at once. `onDelta` and then exactly one `onDone`
// are called later on the event-loop thread (providers that work on other
// threads post through the Scheduler). When the token is cancelled the
// provider stops promptly and finishes with ProviderError::Kind::Cancelled.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aieditor/protocol/JsonRpc.h"
#include "aieditor/protocol/Protocol.h"

namespace aieditor::server {

struct ProviderTurn {
  protocol::Role role = protocol::Role::User;
  std::string content;
};

struct ProviderRequest {
  std::string model;
  std::string systemPrompt;
  std::vector<ProviderTurn> history;  ///< earlier turns, oldest first
  std::string prompt;
  std::vector<protocol::Image> images;
  std::optional<protocol::Component> current;  ///< the component being iterated on
};

struct Completion {
  std::string model;
  std::optional<protocol::Usage> usage;
};

struct ProviderError {
  enum class Kind { Cancelled, Auth, RateLimited, BadRequest, Network, Timeout, Upstream, Malformed };
  Kind kind = Kind::Upstream;
  std::string message;  ///< for a person; never holds a key
};

struct StreamHandlers {
  std::function<void(std::string delta)> onDelta;
  std::function<void(std::expected<Completion, ProviderError>)> onDone;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  virtual std::string model() const = 0;
  virtual void stream(const ProviderRequest&, protocol::CancelToken, StreamHandlers) = 0;
};

}  // namespace aieditor::server
