#include "direct.h"

#include <chrono>

#include "PostgresStorage.h"
#include "SqliteStorage.h"
#include "common/Clock.h"
#include "operations.h"
#include "text.h"

namespace bench {

using aieditor::backend::Incoming;
using aieditor::backend::Storage;
using aieditor::protocol::Message;

std::shared_ptr<Storage> openDirectStorage(const std::vector<std::string>& storageArgs, std::size_t connections,
                                           std::string& error) {
  if (storageArgs.size() != 2) return error = "storage: --db PATH or --postgres CONNINFO", nullptr;
  if (storageArgs[0] == "--postgres") {
    auto opened = aieditor::backend::PostgresStorage::open(storageArgs[1], connections);
    if (!opened) return error = opened.error().message, nullptr;
    return std::shared_ptr<Storage>(std::move(*opened));
  }
  auto opened = aieditor::backend::SqliteStorage::open(storageArgs[1], std::chrono::seconds(10));
  if (!opened) return error = opened.error().message, nullptr;
  return std::shared_ptr<Storage>(std::move(*opened));
}

std::vector<std::int64_t> directUsers(Storage& storage, int count, std::string& error) {
  std::vector<std::int64_t> ids;
  for (int i = 1; i <= count; ++i) {
    auto user = storage.addUser(format("direct-{}", i));
    if (!user) return error = user.error().message, std::vector<std::int64_t>();
    ids.push_back(user->id);
  }
  return ids;
}

namespace {

class DirectAdd final : public Operation {
 public:
  DirectAdd(std::shared_ptr<Storage> storage, std::int64_t userId, std::string session)
      : storage_(std::move(storage)), userId_(userId), session_(std::move(session)) {}
  bool once(std::string& error) override {
    Message message;
    message.id = session_ + "-" + std::to_string(++sent_);
    message.sessionId = session_;
    message.content = messageContent();
    message.createdAt = aieditor::server::now();
    auto saved = storage_->addMessage(userId_, Incoming<Message>{std::move(message), false});
    if (saved && saved->created) return true;
    error = saved ? "addMessage: an existing message was found" : "addMessage: " + saved.error().message;
    return false;
  }

 private:
  std::shared_ptr<Storage> storage_;
  std::int64_t userId_;
  std::string session_;
  long sent_ = 0;
};

}  // namespace

OperationFactory directAdds(std::shared_ptr<Storage> storage, const std::vector<std::int64_t>& userIds,
                            const std::string& prefix) {
  return [=](int index, std::string& error) -> std::unique_ptr<Operation> {
    if (static_cast<std::size_t>(index) >= userIds.size()) return error = "no user for this client", nullptr;
    return std::make_unique<DirectAdd>(storage, userIds[static_cast<std::size_t>(index)],
                                       prefix + "-c" + std::to_string(index));
  };
}

}  // namespace bench
