// The built-in provider: no network, deterministic. A first prompt gets a
// real React function component and its CSS, named and shaped after the
// prompt; a prompt on the current component edits it as asked (theme,
// colours, sizes, parts, title, name), or says what it could not do and
// leaves it as it was. The reply streams in several deltas like a model's.
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
