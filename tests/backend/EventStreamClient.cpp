#include "EventStreamClient.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

namespace aieditor::test {

EventStreamClient::EventStreamClient(const std::string& baseUrl, const std::string& accessToken,
                                     std::optional<std::string> lastEventId) {
  std::vector<std::string> headers{"Authorization: Bearer " + accessToken, "Accept: text/event-stream"};
  if (lastEventId) headers.push_back("Last-Event-ID: " + *lastEventId);
  thread_ = std::thread([this, url = baseUrl + "/api/events", headers] { run(url, headers); });
}

EventStreamClient::~EventStreamClient() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  thread_.join();
}

void EventStreamClient::run(std::string url, std::vector<std::string> headers) {
  CURL* curl = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, receive);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // The progress callback runs at least once a second, idle or not: it ends
  // the transfer when the test is done with the stream.
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, +[](void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* client = static_cast<EventStreamClient*>(self);
    std::lock_guard lock(client->mutex_);
    return client->stopping_ ? 1 : 0;
  });
  curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  std::lock_guard lock(mutex_);
  status_ = status;
  ended_ = true;
  changed_.notify_all();
}

size_t EventStreamClient::receive(char* data, size_t size, size_t count, void* self) {
  auto* client = static_cast<EventStreamClient*>(self);
  std::lock_guard lock(client->mutex_);
  client->raw_.append(data, size * count);
  client->pending_.append(data, size * count);
  // Events end at a blank line (the server writes "\n" line ends).
  for (auto end = client->pending_.find("\n\n"); end != std::string::npos; end = client->pending_.find("\n\n")) {
    const std::string block = client->pending_.substr(0, end + 1);
    client->pending_.erase(0, end + 2);
    StreamEvent event{"message", "", ""};
    bool any = false;
    for (std::size_t at = 0; at < block.size();) {
      const auto newline = block.find('\n', at);
      const std::string line = block.substr(at, newline - at);
      at = newline + 1;
      if (line.starts_with(":")) {
        client->events_.push_back(StreamEvent{":", "", line.substr(line.find_first_not_of(": "))});
        continue;
      }
      const auto colon = line.find(':');
      const std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (value.starts_with(" ")) value.erase(0, 1);
      if (field == "event") event.event = value, any = true;
      if (field == "id") event.id = value, any = true;
      if (field == "data") event.data += value, any = true;
    }
    if (any) client->events_.push_back(std::move(event));
  }
  client->changed_.notify_all();
  return size * count;
}

std::optional<StreamEvent> EventStreamClient::waitFor(const std::function<bool(const StreamEvent&)>& match,
                                                      std::chrono::seconds limit) {
  std::unique_lock lock(mutex_);
  std::optional<StreamEvent> found;
  changed_.wait_for(lock, limit, [&] {
    for (const auto& event : events_)
      if (match(event)) return found = event, true;
    return ended_;
  });
  return found;
}

bool EventStreamClient::waitConnected() {
  return waitFor([](const StreamEvent& e) { return e.event == ":" && e.data == "connected"; }).has_value();
}

std::vector<StreamEvent> EventStreamClient::waitForChanges(std::size_t count) {
  std::vector<StreamEvent> changes;
  waitFor([&](const StreamEvent&) {
    changes.clear();
    for (const auto& event : events_)
      if (event.event == "change") changes.push_back(event);
    return changes.size() >= count;
  });
  return changes;
}

bool EventStreamClient::waitForEnd(std::chrono::seconds limit) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] { return ended_; });
}

std::vector<StreamEvent> EventStreamClient::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

long EventStreamClient::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string EventStreamClient::body() const {
  std::lock_guard lock(mutex_);
  return raw_;
}

long long changeSeq(const StreamEvent& event) {
  const auto seq = nlohmann::json::parse(event.data).at("seq").get<long long>();
  return std::to_string(seq) == event.id ? seq : -1;
}

}  // namespace aieditor::test
