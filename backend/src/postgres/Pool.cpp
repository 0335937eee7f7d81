// The connection pool.
#include "Pool.h"

namespace aieditor::backend::pg {

Pool::Lease::~Lease() {
  if (pool_ && connection_) pool_->giveBack(std::move(connection_));
}

Result<Pool::Lease> Pool::acquire() {
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
    ++open_;  // a place taken for the connection opened below, outside the lock
  }
  auto connected = Connection::connect(conninfo_);
  if (!connected) {
    std::lock_guard lock(mutex_);
    --open_;
    returned_.notify_one();
    return std::unexpected(connected.error());
  }
  return Lease(*this, std::make_unique<Connection>(std::move(*connected)));
}

void Pool::giveBack(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->healthy())
    idle_.push_back(std::move(connection));
  else
    --open_;  // dropped; the next borrower opens a new one
  returned_.notify_one();
}

}  // namespace aieditor::backend::pg
