// The built-in provider: no network, deterministic. It writes a real React
// function component and its CSS, named and shaped after the prompt, and
// streams the reply in several deltas like a model would.
#pragma once

#include <chrono>

#include "providers/Provider.h"
#include "common/Scheduler.h"

namespace aieditor::server {

/// The whole reply the offline provider gives to a request.
std::string offlineReply(const ProviderRequest&);

class OfflineProvider final : public Provider {
 public:
  /// `pause` is the gap between deltas (0 in normal use; tests raise it).
  OfflineProvider(Scheduler&, std::chrono::milliseconds pause);
  std::string name() const override { return "offline"; }
  std::string model() const override { return "offline-1"; }
  void stream(const ProviderRequest&, protocol::CancelToken, StreamHandlers) override;

 private:
  Scheduler& scheduler_;
  std::chrono::milliseconds pause_;
};

}  // namespace aieditor::server
