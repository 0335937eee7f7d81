#include "InProcess.h"

#include <catch2/catch.hpp>

namespace aieditor::test {

// Only a safety net for a broken server: a passing test never gets near it.
constexpr auto kSafetyLimit = std::chrono::seconds(60);

void ManualScheduler::post(std::function<void()> work) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(std::move(work));
  }
  posted_.notify_all();
}

void ManualScheduler::after(std::chrono::milliseconds delay, std::function<void()> work) {
  timers_.emplace(now_ + delay, std::move(work));
}

bool ManualScheduler::runReady() {
  bool ran = false;
  for (;;) {
    std::function<void()> work;
    {
      std::lock_guard lock(mutex_);
      if (ready_.empty()) return ran;
      work = std::move(ready_.front());
      ready_.pop_front();
    }
    work();
    ran = true;
  }
}

void ManualScheduler::runUntil(const std::function<bool()>& done) {
  const auto limit = std::chrono::steady_clock::now() + kSafetyLimit;
  while (!done()) {
    if (runReady()) continue;
    std::unique_lock lock(mutex_);
    if (!posted_.wait_until(lock, limit, [&] { return !ready_.empty(); }))
      FAIL("nothing happened: the awaited event never came");
  }
}

void ManualScheduler::advance(std::chrono::milliseconds by) {
  now_ += by;
  while (!timers_.empty() && timers_.begin()->first <= now_) {
    auto work = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    work();
  }
  runReady();
}

InProcessClient::InProcessClient(server::ServerOptions options)
    : server_(std::make_unique<server::LspServer>(std::move(options), scheduler_, [this](std::string body) {
        json message = json::parse(body);
        if (message.contains("method")) notifications_.push_back(std::move(message));
        else if (message.contains("id") && message["id"].is_number_integer()) {
          const long id = message["id"].get<long>();
          responses_[id] = std::move(message);
        }
      })) {}

InProcessClient::~InProcessClient() { stop(); }

void InProcessClient::stop() { server_.reset(); }

json InProcessClient::initialize(const json& initializationOptions) {
  json result = ok("initialize", {{"processId", nullptr}, {"initializationOptions", initializationOptions}});
  notify("initialized", json::object());
  return result;
}

long InProcessClient::send(const std::string& method, const json& params) {
  const long id = nextId_++;
  server_->receive(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
  return id;
}

json InProcessClient::wait(long id) {
  scheduler_.runUntil([&] { return responses_.contains(id); });
  json response = std::move(responses_[id]);
  responses_.erase(id);
  return response;
}

json InProcessClient::ok(const std::string& method, const json& params) {
  json response = call(method, params);
  INFO(method << " -> " << response.dump().substr(0, 800));
  REQUIRE(response.contains("result"));
  return response["result"];
}

void InProcessClient::notify(const std::string& method, const json& params) {
  server_->receive(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
}

json InProcessClient::waitNotification(const std::string& method, const std::function<bool(const json&)>& match,
                                       std::size_t from) {
  std::optional<json> found;
  scheduler_.runUntil([&] {
    for (std::size_t i = from; i < notifications_.size(); ++i)
      if (notifications_[i]["method"] == method && (!match || match(notifications_[i]["params"]))) {
        found = notifications_[i]["params"];
        return true;
      }
    return false;
  });
  return *found;
}

}  // namespace aieditor::test
