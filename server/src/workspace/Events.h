// What the logic tells the client without being asked. LspServer implements
// it; Workspace and its helpers call it on the loop thread.
#pragma once

#include "aieditor/protocol/Protocol.h"

namespace aieditor::server {

class Events {
 public:
  virtual ~Events() = default;
  virtual void delta(const protocol::ChatDelta&) = 0;
  virtual void status(const protocol::PersistenceStatus&) = 0;
  /// `sync/status`: on every change of state, or of pending between 0 and non-zero.
  virtual void syncStatus(const protocol::SyncStatus&) {}
  /// `session/changed`: pulled changes altered a session the editor has open.
  virtual void sessionChanged(const protocol::SessionChanged&) {}
};

}  // namespace aieditor::server
