#include "store/StorageThread.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

namespace aieditor::server {

struct StorageThread::Shared {
  std::unique_ptr<Store> store;  ///< touched by the storage thread only
  Scheduler& scheduler;

  std::mutex mutex;  ///< guards everything below
  std::condition_variable wake;
  std::deque<Job> queue;
  bool stopping = false;
  std::vector<std::pair<Done, StoreResult<void>>> completed;

  Shared(std::unique_ptr<Store> s, Scheduler& sch) : store(std::move(s)), scheduler(sch) {}

  /// Hands finished jobs to the loop; one post carries all that are ready.
  void complete(std::vector<std::pair<Done, StoreResult<void>>> results, const std::shared_ptr<Shared>& self) {
    bool post = false;
    {
      std::lock_guard lock(mutex);
      post = completed.empty();
      for (auto& result : results) completed.push_back(std::move(result));
    }
    if (post) scheduler.post([self] { self->deliver(); });
  }

  /// On the loop thread: runs the callbacks of finished jobs, in order;
  /// false if there were none.
  bool deliver() {
    std::vector<std::pair<Done, StoreResult<void>>> ready;
    {
      std::lock_guard lock(mutex);
      ready.swap(completed);
    }
    for (auto& [done, result] : ready)
      if (done) done(std::move(result));
    return !ready.empty();
  }
};

namespace {

/// Runs one batch as one transaction; returns each job's result, in order.
std::vector<StoreResult<void>> runBatch(Store& store, std::vector<StorageThread::Job>& batch,
                                        std::map<std::string, std::string>& blocked) {
  using Kind = StoreError::Kind;
  std::vector<StoreResult<void>> results(batch.size());
  const auto block = [&](const std::string& key, const std::string& why) { blocked.try_emplace(key, why); };
  if (auto begun = store.beginGroup(); !begun) {
    // The lock did not come within the busy timeout: nothing ran.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].resume) blocked.erase(batch[i].key);
      auto found = blocked.find(batch[i].key);
      results[i] = std::unexpected(found != blocked.end() ? StoreError{Kind::Storage, found->second} : begun.error());
      block(batch[i].key, begun.error().message);
    }
    return results;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& job = batch[i];
    if (job.resume) blocked.erase(job.key);
    if (auto found = blocked.find(job.key); found != blocked.end()) {
      results[i] = std::unexpected(StoreError{Kind::Storage, found->second});
      continue;
    }
    results[i] = job.work(store);
    if (!results[i] && results[i].error().kind == Kind::Storage) block(job.key, results[i].error().message);
  }
  if (auto committed = store.endGroup(); !committed) {
    // Rolled back: what had succeeded is undone and must be written again.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i]) results[i] = std::unexpected(committed.error());
      if (!results[i] && results[i].error().kind == Kind::Storage) block(batch[i].key, committed.error().message);
    }
  }
  return results;
}

}  // namespace

StorageThread::StorageThread(std::unique_ptr<Store> writer, Scheduler& scheduler)
    : shared_(std::make_shared<Shared>(std::move(writer), scheduler)), thread_([this] { run(); }) {}

StorageThread::~StorageThread() { finish(); }

void StorageThread::submit(std::vector<Job> jobs) {
  std::unique_lock lock(shared_->mutex);
  if (shared_->stopping) {
    lock.unlock();
    std::vector<std::pair<Done, StoreResult<void>>> refused;
    for (auto& job : jobs)
      refused.emplace_back(std::move(job.done),
                           std::unexpected(StoreError{StoreError::Kind::Storage, "the server is shutting down"}));
    return shared_->complete(std::move(refused), shared_);
  }
  for (auto& job : jobs) shared_->queue.push_back(std::move(job));
  lock.unlock();
  shared_->wake.notify_one();
}

void StorageThread::finish() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->wake.notify_one();
  if (thread_.joinable()) thread_.join();
  // A callback may submit more (a chat's reply once its prompt's write is
  // done); that is refused at once and delivered here too, while the
  // callbacks' owners still exist, not later from the destructor.
  while (shared_->deliver()) {
  }
}

void StorageThread::run() {
  // Keys whose last write failed; see the header. Only this thread uses it.
  std::map<std::string, std::string> blocked;
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(shared_->mutex);
      shared_->wake.wait(lock, [&] { return !shared_->queue.empty() || shared_->stopping; });
      if (shared_->queue.empty()) return;
      batch.assign(std::make_move_iterator(shared_->queue.begin()), std::make_move_iterator(shared_->queue.end()));
      shared_->queue.clear();
    }
    auto results = runBatch(*shared_->store, batch, blocked);
    std::vector<std::pair<Done, StoreResult<void>>> finished;
    finished.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) finished.emplace_back(std::move(batch[i].done), std::move(results[i]));
    shared_->complete(std::move(finished), shared_);
  }
}

}  // namespace aieditor::server
