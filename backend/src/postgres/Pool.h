// A pool of PostgreSQL connections: libpq connections are not thread-safe, so
// each call borrows one for its transaction. Connections open on demand up to
// `size`; a broken one is dropped when it comes back and replaced by the next
// borrower, so a server restart costs the calls in flight, not the process.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Pg.h"

namespace aieditor::backend::pg {

class Pool {
 public:
  Pool(std::string conninfo, std::size_t size) : conninfo_(std::move(conninfo)), size_(size == 0 ? 1 : size) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// A borrowed connection, given back (or dropped when broken) at its end.
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };
  /// Waits while every connection is borrowed; opens a new one when allowed.
  Result<Lease> acquire();
  /// Connects once without keeping it in the pool (migrations, LISTEN).
  Result<Connection> connectAlone() const { return Connection::connect(conninfo_); }

 private:
  void giveBack(std::unique_ptr<Connection>);
  const std::string conninfo_;  ///< never shown: it may hold a password
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  ///< idle and borrowed, under mutex_
};

}  // namespace aieditor::backend::pg
