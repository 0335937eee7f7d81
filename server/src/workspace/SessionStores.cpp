#include "workspace/SessionStores.h"

#include <algorithm>

namespace aieditor::server {

void ChatStore::beginReply(protocol::Message reply) {
  reply.status = protocol::RecordStatus::Streaming;
  streaming_ = std::move(reply);
  replyError_.reset();
  status_.streaming();
}

void ChatStore::delta(std::string_view text) {
  if (streaming_) streaming_->content += text;
}

void ChatStore::endReply() {
  streaming_.reset();
  if (status_.activity() == protocol::StoreActivity::Streaming) status_.settle(false);
}

void ChatStore::keepUnsaved(const protocol::Message& message) {
  auto same = [&](const protocol::Message& m) { return m.id == message.id; };
  if (std::ranges::none_of(unsaved_, same)) unsaved_.push_back(message);
}

void ChatStore::allSaved() {
  unsaved_.clear();
  status_.clearError();
  if (status_.activity() == protocol::StoreActivity::Error) status_.settle(streaming_.has_value());
}

std::vector<protocol::Message> ChatStore::merge(std::vector<protocol::Message> page) const {
  auto missing = [&](const protocol::Message& m) {
    return std::ranges::none_of(page, [&](const protocol::Message& p) { return p.id == m.id; });
  };
  std::vector<protocol::Message> extra;
  for (const auto& m : unsaved_)
    if (missing(m)) extra.push_back(m);
  if (streaming_ && missing(*streaming_)) extra.push_back(*streaming_);
  page.insert(page.end(), extra.begin(), extra.end());
  return page;
}

protocol::ChatState ChatStore::state() const {
  protocol::ChatState out;
  out.state = status_.activity();
  out.error = status_.error();
  // A failed reply shows once nothing else is going on; a write's error first.
  if (out.state == protocol::StoreActivity::Idle && replyError_) out.state = protocol::StoreActivity::Error;
  if (!out.error) out.error = replyError_;
  if (streaming_) out.streamingMessageId = streaming_->id;
  for (const auto& m : unsaved_) out.unsavedMessageIds.push_back(m.id);
  return out;
}

void ChatStore::closeView() {
  status_ = StoreStatus{};
  replyError_.reset();
  if (streaming_) status_.streaming();
}

void ChatStore::reset() { *this = ChatStore{}; }

void ComponentStore::keepUnsaved(const protocol::Component& component) { unsaved_.push_back(component); }

void ComponentStore::allSaved() {
  unsaved_.clear();
  status_.clearError();
  if (status_.activity() == protocol::StoreActivity::Error) status_.settle(false);
}

protocol::ComponentState ComponentStore::state() const { return {status_.activity(), status_.error(), unsaved_}; }

void ComponentStore::reset() { *this = ComponentStore{}; }

}  // namespace aieditor::server
