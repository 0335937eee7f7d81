// The LISTEN thread.
#include "ChangeFeed.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>

#include <nlohmann/json.hpp>

#include "common/Log.h"

namespace aieditor::backend::pg {

std::optional<ChangeNotice> parseChangePayload(const std::string& payload) {
  const auto parsed = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  const auto user = parsed.find("user"), seq = parsed.find("seq");
  const auto session = parsed.find("session_id"), kind = parsed.find("kind");
  if (user == parsed.end() || !user->is_number_integer() || seq == parsed.end() || !seq->is_number_integer() ||
      session == parsed.end() || !session->is_string() || kind == parsed.end() || !kind->is_string())
    return std::nullopt;
  return ChangeNotice{user->get<std::int64_t>(), seq->get<std::int64_t>(), session->get<std::string>(),
                      kind->get<std::string>()};
}

ChangeFeed::ChangeFeed(const Pool& pool, ChangeListener listener) : pool_(pool), listener_(std::move(listener)) {
  // The thread takes no signals: SIGTERM and SIGINT belong to the server's
  // sigwait thread, and this one may start before the server blocks them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return firstTryDone_; });
}

ChangeFeed::~ChangeFeed() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ChangeFeed::pauseUnlessStopped(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, pause, [&] { return stop_.load(); });
}

void ChangeFeed::run() {
  constexpr std::chrono::milliseconds kFirstPause{100}, kLongestPause{5000};
  auto pause = kFirstPause;
  while (!stop_) {
    auto connection = pool_.connectAlone();
    Result<void> listening = connection ? connection->exec((std::string("LISTEN ") + kChangeChannel).c_str())
                                        : Result<void>(std::unexpected(connection.error()));
    {
      std::lock_guard lock(mutex_);
      firstTryDone_ = true;
    }
    changed_.notify_all();
    if (listening) {
      server::log::info("change feed: listening on " + connection->name());
      pause = kFirstPause;
      listen(*connection);
      if (stop_) return;
      server::log::warn("change feed: lost " + connection->name() + "; reconnecting (notices meanwhile are lost)");
    } else {
      server::log::warn("change feed: cannot listen: " + listening.error().message);
    }
    pauseUnlessStopped(pause);
    pause = std::min(pause * 2, kLongestPause);
  }
}

void ChangeFeed::listen(Connection& connection) {
  constexpr int kPollMilliseconds = 200;  // how long a stop may wait
  while (!stop_) {
    for (const auto& heard : connection.notifications()) {
      if (auto notice = parseChangePayload(heard.payload))
        listener_(*notice);
      else
        server::log::warn("change feed: ignored a notice that is not a change");
    }
    pollfd ready{connection.socket(), POLLIN, 0};
    if (ready.fd < 0) return;
    const int polled = ::poll(&ready, 1, kPollMilliseconds);
    if (polled < 0 && errno != EINTR) return;
    if (polled > 0 && !connection.consumeInput()) return;
  }
}

}  // namespace aieditor::backend::pg
