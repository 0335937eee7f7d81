#include "aieditor/server/SessionStores.h"

#include <algorithm>

namespace aieditor::server {

using protocol::StoreActivity;

void ChatStore::loading() { activity_ = StoreActivity::Loading; }

void ChatStore::loaded() {
  // A load does not clear an error: unsaved messages still wait for a retry.
  activity_ = streaming_ ? StoreActivity::Streaming : error_ ? StoreActivity::Error : StoreActivity::Idle;
}

void ChatStore::failed(std::string error) {
  activity_ = StoreActivity::Error;
  error_ = std::move(error);
}

void ChatStore::beginReply(protocol::Message reply) {
  reply.status = protocol::RecordStatus::Streaming;
  streaming_ = std::move(reply);
  activity_ = StoreActivity::Streaming;
}

void ChatStore::delta(std::string_view text) {
  if (streaming_) streaming_->content += text;
}

void ChatStore::endReply() {
  streaming_.reset();
  if (activity_ == StoreActivity::Streaming) activity_ = error_ ? StoreActivity::Error : StoreActivity::Idle;
}

void ChatStore::keepUnsaved(const protocol::Message& message) {
  auto same = [&](const protocol::Message& m) { return m.id == message.id; };
  if (std::ranges::none_of(unsaved_, same)) unsaved_.push_back(message);
}

void ChatStore::allSaved() {
  unsaved_.clear();
  if (activity_ == StoreActivity::Error) activity_ = streaming_ ? StoreActivity::Streaming : StoreActivity::Idle;
  error_.reset();
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
  out.state = activity_;
  out.error = error_;
  if (streaming_) out.streamingMessageId = streaming_->id;
  for (const auto& m : unsaved_) out.unsavedMessageIds.push_back(m.id);
  return out;
}

void ChatStore::reset() { *this = ChatStore{}; }

void ComponentStore::loading() { activity_ = StoreActivity::Loading; }

void ComponentStore::loaded() { activity_ = error_ ? StoreActivity::Error : StoreActivity::Idle; }

void ComponentStore::failed(std::string error) {
  activity_ = StoreActivity::Error;
  error_ = std::move(error);
}

void ComponentStore::keepUnsaved(const protocol::Component& component) { unsaved_.push_back(component); }

void ComponentStore::allSaved() {
  unsaved_.clear();
  if (activity_ == StoreActivity::Error) activity_ = StoreActivity::Idle;
  error_.reset();
}

protocol::ComponentState ComponentStore::state() const { return {activity_, error_, unsaved_}; }

void ComponentStore::reset() { *this = ComponentStore{}; }

}  // namespace aieditor::server
