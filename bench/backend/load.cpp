#include "load.h"

#include <atomic>
#include <fstream>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "machine.h"

namespace bench {

Load runLoad(int clients, int warmup, double seconds, const OperationFactory& make) {
  Load load;
  load.clients = clients;
  load.loadAverages = loadAverages();
  std::mutex mutex;
  std::latch ready(clients + 1), go(1);
  std::atomic<bool> failed{false};
  Clock::time_point start, lastEnd;
  std::vector<std::thread> threads;
  auto fail = [&](const std::string& why) {
    std::lock_guard lock(mutex);
    if (load.error.empty()) load.error = why;
    failed = true;
  };
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      std::string error;
      auto op = make(i, error);
      for (int w = 0; op && w < warmup && !failed; ++w)
        if (!op->once(error)) op.reset();
      if (!op) fail(error.empty() ? "cannot start client" : error);
      ready.arrive_and_wait();
      go.wait();
      Stats mine;
      Clock::time_point myEnd = start;
      const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
      while (op && !failed) {
        const auto t0 = Clock::now();
        if (t0 >= end) break;
        if (!op->once(error)) {
          fail(error);
          break;
        }
        myEnd = Clock::now();
        mine.add(msBetween(t0, myEnd));
      }
      std::lock_guard lock(mutex);
      load.latency.v.insert(load.latency.v.end(), mine.v.begin(), mine.v.end());
      lastEnd = std::max(lastEnd, myEnd);
    });
  ready.arrive_and_wait();
  start = lastEnd = Clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  load.done = static_cast<long>(load.latency.n());
  load.seconds = msBetween(start, lastEnd) / 1000;
  return load;
}

}  // namespace bench
