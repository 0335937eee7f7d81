// The notifier's thread: batches of notices as one pg_notify statement.
#include "Notifier.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "ChangeFeed.h"
#include "common/Log.h"

namespace aieditor::backend::pg {

Notifier::Notifier(const Pool& pool) : pool_(pool) {
  // As the LISTEN thread: signals belong to the server's sigwait thread.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

void Notifier::announce(std::vector<ChangeNotice> notices) {
  if (notices.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty())
      queue_ = std::move(notices);
    else
      std::move(notices.begin(), notices.end(), std::back_inserter(queue_));
  }
  queued_.notify_one();
}

void Notifier::run() {
  std::optional<Connection> connection;
  std::vector<ChangeNotice> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and everything sent
    batch.swap(queue_);
    lock.unlock();
    if (!connection || !connection->healthy()) {
      connection.reset();
      auto connected = pool_.connectAlone();
      if (connected && connected->exec("SET synchronous_commit TO off"))
        connection.emplace(std::move(*connected));
      else
        server::log::warn("change notices not sent (listeners catch up from the change log): " +
                          (connected ? std::string("cannot set synchronous_commit") : connected.error().message));
    }
    if (connection && !send(*connection, batch)) connection.reset();
    batch.clear();
    lock.lock();
  }
}

bool Notifier::send(Connection& connection, std::vector<ChangeNotice>& batch) {
  // Writers queue their notices after their commits, so two writes of one
  // user may queue out of seq order; listeners accept either, but in order
  // they need not read the change log to fill what looks like a gap.
  std::ranges::sort(batch, {}, [](const ChangeNotice& n) { return std::pair(n.userId, n.seq); });
  nlohmann::json payloads = nlohmann::json::array();
  for (const auto& notice : batch)
    payloads.push_back(nlohmann::json{
        {"user", notice.userId}, {"seq", notice.seq}, {"session_id", notice.sessionId}, {"kind", notice.kind}}
                           .dump());
  auto sent = connection.query("SELECT pg_notify($1, value) FROM json_array_elements_text($2::json)",
                               {kChangeChannel, payloads.dump()});
  if (sent) return true;
  server::log::warn("change notices not sent (listeners catch up from the change log): " + sent.error().message);
  return sent.error().kind != ErrorKind::ConnectionLost;
}

}  // namespace aieditor::backend::pg
