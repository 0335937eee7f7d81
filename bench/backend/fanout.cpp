#include "fanout.h"

#include <curl/curl.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "client.h"
#include "machine.h"
#include "operations.h"
#include "text.h"

namespace bench {

namespace {

/// What the subscribers have received, shared by the curl thread and the publisher.
struct Board {
  std::mutex mutex;
  std::condition_variable changed;
  int connected = 0;  ///< streams that have sent `: connected` (no change is missed after it)
  std::vector<std::vector<Clock::time_point>> arrivals;  ///< per subscriber, per change event
  std::string error;
};

struct Subscriber {
  Board* board = nullptr;
  int index = 0;
  bool connected = false;
  std::string buffer;  ///< the part of the stream not yet split into events
};

/// Splits the stream into events at blank lines and stamps each change event.
size_t onStreamData(char* data, size_t size, size_t count, void* user) {
  const auto now = Clock::now();
  auto* sub = static_cast<Subscriber*>(user);
  sub->buffer.append(data, size * count);
  std::lock_guard lock(sub->board->mutex);
  for (auto end = sub->buffer.find("\n\n"); end != std::string::npos; end = sub->buffer.find("\n\n")) {
    const std::string event = sub->buffer.substr(0, end + 1);
    sub->buffer.erase(0, end + 2);
    if (event.find(": connected\n") != std::string::npos && !sub->connected) {
      sub->connected = true;
      ++sub->board->connected;
    }
    if (event.starts_with("event: change\n")) sub->board->arrivals[static_cast<std::size_t>(sub->index)].push_back(now);
  }
  sub->board->changed.notify_all();
  return size * count;
}

}  // namespace

FanOut measureFanOut(const std::string& url, const std::string& accessToken, int subscribers, int warmup, int posts) {
  FanOut result;
  result.subscribers = subscribers;
  result.loadAverages = loadAverages();
  Board board;
  board.arrivals.resize(static_cast<std::size_t>(subscribers));
  std::vector<Subscriber> subs(static_cast<std::size_t>(subscribers));
  const std::string auth = "Authorization: Bearer " + accessToken;
  curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
  std::vector<CURL*> easies;
  for (int i = 0; i < subscribers; ++i) {
    subs[static_cast<std::size_t>(i)] = Subscriber{&board, i, false, {}};
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, (url + "/api/events").c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, onStreamData);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &subs[static_cast<std::size_t>(i)]);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_multi_add_handle(multi, e);
    easies.push_back(e);
  }

  // The publisher: once every stream is connected, one POST at a time, each
  // after every subscriber has received the one before.
  std::atomic<bool> finished{false};
  std::vector<Clock::time_point> sent;
  std::thread publisher([&] {
    HttpClient client(url, accessToken);
    auto fail = [&](const std::string& why) {
      std::lock_guard lock(board.mutex);
      if (board.error.empty()) board.error = why;
    };
    {
      std::unique_lock lock(board.mutex);
      if (!board.changed.wait_for(lock, std::chrono::seconds(30), [&] { return board.connected == subscribers; }))
        board.error = format("only {} of {} event streams connected within 30 s", board.connected, subscribers);
    }
    for (int k = 0; k < warmup + posts && board.error.empty(); ++k) {
      const auto t0 = Clock::now();
      HttpReply reply = client.post("/api/sessions/fanout/messages", messageBody(format("fanout-{}", k)));
      const auto t1 = Clock::now();
      if (reply.status != 201) {
        fail(format("POST for the fan-out: status {} {}", reply.status, reply.error));
        break;
      }
      sent.push_back(t0);
      if (k >= warmup) result.post.add(msBetween(t0, t1));
      std::unique_lock lock(board.mutex);
      const auto all = [&] {
        for (const auto& a : board.arrivals)
          if (a.size() <= static_cast<std::size_t>(k)) return false;
        return true;
      };
      if (!board.changed.wait_for(lock, std::chrono::seconds(10), all))
        board.error = format("event {} did not reach every subscriber within 10 s", k + 1);
    }
    finished = true;
    curl_multi_wakeup(multi);
  });

  while (!finished) {
    int running = 0;
    curl_multi_perform(multi, &running);
    if (running < subscribers) {
      std::lock_guard lock(board.mutex);
      if (board.error.empty()) board.error = format("{} event streams ended early", subscribers - running);
      board.changed.notify_all();
    }
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  publisher.join();
  for (CURL* e : easies) {
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);

  result.error = board.error;
  if (result.error.empty())
    for (const auto& arrivals : board.arrivals)
      for (std::size_t k = static_cast<std::size_t>(warmup); k < sent.size(); ++k)
        result.latency.add(msBetween(sent[k], arrivals[k]));
  return result;
}

}  // namespace bench
