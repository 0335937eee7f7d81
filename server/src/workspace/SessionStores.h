// The in-memory stores of one open session. The database is the truth for
// what is saved; these hold what the editor sees that the database may not
// have yet: the reply streaming now, and writes that failed and wait for a
// retry. Each keeps a loading/error state and can be reset.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aieditor/protocol/Protocol.h"

namespace aieditor::server {

/// A store's loading/error state. An error stays until its cause is saved:
/// a reload does not clear it.
class StoreStatus {
 public:
  void loading() { activity_ = protocol::StoreActivity::Loading; }
  /// Back at rest (or streaming, when `busy`).
  void settle(bool busy) {
    activity_ = busy ? protocol::StoreActivity::Streaming
                : error_ ? protocol::StoreActivity::Error
                         : protocol::StoreActivity::Idle;
  }
  void failed(std::string error) {
    activity_ = protocol::StoreActivity::Error;
    error_ = std::move(error);
  }
  void streaming() { activity_ = protocol::StoreActivity::Streaming; }
  void clearError() { error_.reset(); }
  protocol::StoreActivity activity() const { return activity_; }
  const std::optional<std::string>& error() const { return error_; }
  /// Idle, with no error kept.
  bool atRest() const { return activity_ == protocol::StoreActivity::Idle && !error_; }

 private:
  protocol::StoreActivity activity_ = protocol::StoreActivity::Idle;
  std::optional<std::string> error_;
};

class ChatStore {
 public:
  void loading() { status_.loading(); }
  void loaded() { status_.settle(streaming_.has_value()); }
  /// A write failed; the error stays until the session's writes are saved.
  void failed(std::string error) { status_.failed(std::move(error)); }
  /// The last reply failed (its provider's error); the error stays until the
  /// next reply begins, since saving the failed reply does not undo it.
  void replyFailed(std::string error) { replyError_ = std::move(error); }

  /// The reply `messageId` starts streaming; deltas grow it.
  void beginReply(protocol::Message reply);
  void delta(std::string_view text);
  void endReply();

  /// A message the database refused; kept until the retry stores it.
  void keepUnsaved(const protocol::Message&);
  /// Every pending write has been stored.
  void allSaved();

  /// `page` (from the database) with what it lacks: unsaved messages and the
  /// streaming reply, in order.
  std::vector<protocol::Message> merge(std::vector<protocol::Message> page) const;
  protocol::ChatState state() const;
  /// No reply streaming, nothing unsaved, no error: it shows only the database.
  bool empty() const { return !streaming_ && unsaved_.empty() && !replyError_ && status_.atRest(); }
  /// The editor closed its view: forgets the errors, keeps what the
  /// database may lack (the reply streaming, unsaved messages).
  void closeView();
  void reset();

 private:
  StoreStatus status_;
  std::optional<std::string> replyError_;
  std::optional<protocol::Message> streaming_;
  std::vector<protocol::Message> unsaved_;
};

class ComponentStore {
 public:
  void loading() { status_.loading(); }
  void loaded() { status_.settle(false); }
  void failed(std::string error) { status_.failed(std::move(error)); }
  /// A component version the database refused; kept until the retry.
  void keepUnsaved(const protocol::Component&);
  void allSaved();
  protocol::ComponentState state() const;
  bool empty() const { return unsaved_.empty() && status_.atRest(); }
  /// Forgets the error, keeps the unsaved components.
  void closeView() { status_ = StoreStatus{}; }
  void reset();

 private:
  StoreStatus status_;
  std::vector<protocol::Component> unsaved_;
};

}  // namespace aieditor::server
