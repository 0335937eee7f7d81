#include "store/StorageThread.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

namespace aieditor::server {

struct StorageThread::Shared : std::enable_shared_from_this<Shared> {
  std::unique_ptr<Store> store;  ///< touched by the storage thread only
  Scheduler& scheduler;

  std::mutex mutex;  ///< guards everything below
  std::condition_variable wake;
  /// Jobs, and reopens (an entry with an Opener: its job's `done` hears of it).
  std::deque<Entry> queue;
  bool stopping = false;
  std::vector<std::pair<Done, StoreResult<void>>> completed;

  Shared(std::unique_ptr<Store> s, Scheduler& sch) : store(std::move(s)), scheduler(sch) {}

  /// Queues entries in order; once stopping, fails them at once.
  void enqueue(std::vector<Entry> entries) {
    std::unique_lock lock(mutex);
    if (stopping) {
      lock.unlock();
      std::vector<std::pair<Done, StoreResult<void>>> refused;
      for (auto& [job, reopen] : entries)
        refused.emplace_back(std::move(job.done),
                             std::unexpected(StoreError{StoreError::Kind::Storage, "the server is shutting down"}));
      return complete(std::move(refused), shared_from_this());
    }
    for (auto& entry : entries) queue.push_back(std::move(entry));
    lock.unlock();
    wake.notify_one();
  }

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
/// Without a connection (`unopened` says why), nothing runs.
std::vector<StoreResult<void>> runBatch(Store* store, const StoreError& unopened,
                                        std::vector<StorageThread::Job>& batch,
                                        std::map<std::string, StoreError>& blocked) {
  using Kind = StoreError::Kind;
  std::vector<StoreResult<void>> results(batch.size());
  const auto block = [&](const std::string& key, const StoreError& why) { blocked.try_emplace(key, why); };
  if (auto begun = store ? store->beginGroup() : std::unexpected(unopened); !begun) {
    // The lock did not come within the busy timeout: nothing ran.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].resume) blocked.erase(batch[i].key);
      auto found = blocked.find(batch[i].key);
      results[i] = std::unexpected(found != blocked.end() ? found->second : begun.error());
      block(batch[i].key, begun.error());
    }
    return results;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& job = batch[i];
    if (job.resume) blocked.erase(job.key);
    if (auto found = blocked.find(job.key); found != blocked.end()) {
      results[i] = std::unexpected(found->second);
      continue;
    }
    results[i] = job.work(*store);
    if (!results[i] && results[i].error().kind == Kind::Storage) block(job.key, results[i].error());
  }
  if (auto committed = store->endGroup(); !committed) {
    // Rolled back: what had succeeded is undone and must be written again.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (results[i]) results[i] = std::unexpected(committed.error());
      if (!results[i] && results[i].error().kind == Kind::Storage) block(batch[i].key, committed.error());
    }
  }
  return results;
}

}  // namespace

StorageThread::StorageThread(std::unique_ptr<Store> writer, Scheduler& scheduler)
    : shared_(std::make_shared<Shared>(std::move(writer), scheduler)), thread_([this] { run(); }) {}

StorageThread::~StorageThread() { finish(); }

void StorageThread::submit(std::vector<Job> jobs) {
  std::vector<Entry> entries;
  entries.reserve(jobs.size());
  for (auto& job : jobs) entries.emplace_back(std::move(job), nullptr);
  shared_->enqueue(std::move(entries));
}

void StorageThread::reopen(Opener open, Done done) {
  std::vector<Entry> entries;
  entries.emplace_back(Job{{}, nullptr, std::move(done)}, std::move(open));
  shared_->enqueue(std::move(entries));
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
  std::map<std::string, StoreError> blocked;
  Opener opener;        ///< the last reopen's, tried again while unopened
  StoreError unopened;  ///< why there is no connection
  for (;;) {
    std::vector<Job> batch;
    Opener reopen;
    {
      // A batch is the jobs up to the next reopen, or that reopen alone.
      std::unique_lock lock(shared_->mutex);
      shared_->wake.wait(lock, [&] { return !shared_->queue.empty() || shared_->stopping; });
      if (shared_->queue.empty()) return;
      auto& queue = shared_->queue;
      if (queue.front().second) {
        reopen = std::move(queue.front().second);
        batch.push_back(std::move(queue.front().first));
        queue.pop_front();
      }
      while (!reopen && !queue.empty() && !queue.front().second) {
        batch.push_back(std::move(queue.front().first));
        queue.pop_front();
      }
    }
    auto& store = shared_->store;
    const bool reopening = reopen != nullptr;
    if (reopening) {
      // Closed first: a new connection shares the old one's mapping otherwise.
      store.reset();
      opener = std::move(reopen);
    }
    if (!store && opener) {
      if (auto opened = opener())
        store = std::move(*opened);
      else
        unopened = opened.error();
    }
    if (reopening) {
      StoreResult<void> outcome = store ? StoreResult<void>{} : std::unexpected(unopened);
      std::vector<std::pair<Done, StoreResult<void>>> finished;
      finished.emplace_back(std::move(batch.front().done), std::move(outcome));
      shared_->complete(std::move(finished), shared_);
      continue;
    }
    auto results = runBatch(store.get(), unopened, batch, blocked);
    std::vector<std::pair<Done, StoreResult<void>>> finished;
    finished.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) finished.emplace_back(std::move(batch[i].done), std::move(results[i]));
    shared_->complete(std::move(finished), shared_);
  }
}

}  // namespace aieditor::server
