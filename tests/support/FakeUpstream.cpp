#include "FakeUpstream.h"

#include <asio.hpp>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace aieditor::test {

using asio::ip::tcp;
using nlohmann::json;

namespace {
// Only a broken test hits this; a passing one never waits this long.
constexpr auto kSafetyLimit = std::chrono::seconds(30);

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 529: return "Overloaded";
    default: return "Status";
  }
}

FakeResponse emptyScript() {
  FakeResponse response;
  response.status = 500;
  response.chunks = {R"({"error":{"message":"the fake upstream has no scripted response"}})"};
  return response;
}
}  // namespace

struct FakeUpstream::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<FakeResponse> script;
  FakeResponse fallback = emptyScript();
  std::vector<FakeRequest> requests;
  std::deque<FakeExchange> ended;  ///< exchanges not taken yet, oldest first
  std::size_t clientsGone = 0;
  std::list<asio::steady_timer*> waitingForRelease;  ///< touched on the io thread only

  /// Accepts connections until the io_context stops.
  asio::awaitable<void> do_accept() {
    for (;;) {
      asio::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, do_session(std::move(socket)), asio::detached);
    }
  }

  /// Reads one request and plays the next scripted response.
  asio::awaitable<void> do_session(tcp::socket socket) {
    asio::error_code ec;
    std::string buffer;
    std::size_t headerEnd = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n\r\n",
                                                            asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    FakeRequest request;
    std::string head = buffer.substr(0, headerEnd);
    std::size_t lineEnd = head.find("\r\n");
    std::string requestLine = head.substr(0, lineEnd);
    request.method = requestLine.substr(0, requestLine.find(' '));
    request.path = requestLine.substr(request.method.size() + 1, requestLine.rfind(' ') - request.method.size() - 1);
    for (std::size_t at = lineEnd + 2; at < head.size();) {
      std::size_t end = head.find("\r\n", at);
      std::string line = head.substr(at, end - at);
      at = end + 2;
      if (auto colon = line.find(':'); colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        request.headers[lower(line.substr(0, colon))] = value;
      }
    }
    std::size_t length = request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
    if (buffer.size() < headerEnd + length)
      co_await asio::async_read(socket, asio::dynamic_buffer(buffer), asio::transfer_exactly(headerEnd + length - buffer.size()),
                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    request.body = buffer.substr(headerEnd, length);

    FakeExchange exchange{std::move(request), {}};
    FakeResponse response;
    {
      std::lock_guard lock(mutex);
      requests.push_back(exchange.request);
      if (script.empty()) {
        response = fallback;
      } else {
        response = std::move(script.front());
        script.pop_front();
      }
    }
    changed.notify_all();

    co_await play(socket, response, exchange.chunkWritten);
    {
      std::lock_guard lock(mutex);
      ended.push_back(std::move(exchange));
    }
    changed.notify_all();
  }

  /// Writes the response, then ends the connection as it says; the time just
  /// before each chunk's write() goes into `written`.
  asio::awaitable<void> play(tcp::socket& socket, const FakeResponse& response,
                             std::vector<std::chrono::steady_clock::time_point>& written) {
    asio::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);  // each chunk leaves at once, as a real upstream's do
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
    if (response.status == 200) {
      out += "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n";
    } else {
      std::size_t size = 0;
      for (auto& c : response.chunks) size += c.size();
      out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(size) + "\r\n";
    }
    for (auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    out += "Connection: close\r\n\r\n";
    co_await asio::async_write(socket, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    written.resize(response.chunks.size());
    asio::steady_timer timer(io);
    for (std::size_t i = 0; i < response.chunks.size() && !ec; ++i) {
      if (i > 0 && response.gap.count() > 0) {
        timer.expires_after(response.gap);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      // asio tries the write at once, inside async_write, when nothing else is queued.
      written[i] = std::chrono::steady_clock::now();
      co_await asio::async_write(socket, asio::buffer(response.chunks[i]), asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return;

    switch (response.end) {
      case FakeResponse::End::Close:
        socket.shutdown(tcp::socket::shutdown_both, ec);
        break;
      case FakeResponse::End::Hold: {
        char byte;
        // Returns when the client closes (or the server stops).
        co_await socket.async_read_some(asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
        {
          std::lock_guard lock(mutex);
          ++clientsGone;
        }
        changed.notify_all();
        break;
      }
      case FakeResponse::End::ResetOnRelease: {
        timer.expires_at(asio::steady_timer::time_point::max());
        auto it = waitingForRelease.insert(waitingForRelease.end(), &timer);
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        waitingForRelease.erase(it);
        socket.set_option(asio::socket_base::linger(true, 0), ec);  // close() now sends RST
        break;
      }
    }
    socket.close(ec);
  }
};

FakeUpstream::FakeUpstream() : impl_(std::make_unique<Impl>()) {
  asio::co_spawn(impl_->io, impl_->do_accept(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FakeUpstream::~FakeUpstream() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string FakeUpstream::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

int FakeUpstream::port() const { return impl_->acceptor.local_endpoint().port(); }

void FakeUpstream::enqueue(FakeResponse response) {
  std::lock_guard lock(impl_->mutex);
  impl_->script.push_back(std::move(response));
}

void FakeUpstream::setFallback(FakeResponse response) {
  std::lock_guard lock(impl_->mutex);
  impl_->fallback = std::move(response);
}

std::vector<FakeRequest> FakeUpstream::waitRequests(std::size_t count) {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, kSafetyLimit, [&] { return impl_->requests.size() >= count; });
  return impl_->requests;
}

std::vector<FakeRequest> FakeUpstream::requests() {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

bool FakeUpstream::waitClientGone(std::size_t count) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, kSafetyLimit, [&] { return impl_->clientsGone >= count; });
}

std::optional<FakeExchange> FakeUpstream::takeExchange(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->changed.wait_for(lock, timeout, [&] { return !impl_->ended.empty(); })) return std::nullopt;
  FakeExchange exchange = std::move(impl_->ended.front());
  impl_->ended.pop_front();
  return exchange;
}

void FakeUpstream::release() {
  asio::post(impl_->io, [impl = impl_.get()] {
    for (auto* timer : impl->waitingForRelease) timer->cancel();
  });
}

// ---- Streams ------------------------------------------------------------------

std::string openAiDelta(const std::string& text, const std::string& model) {
  json chunk = {{"id", "chatcmpl-fake"},
                {"object", "chat.completion.chunk"},
                {"created", 1694268190},
                {"model", model},
                {"system_fingerprint", "fp_fake"},
                {"choices", {{{"index", 0}, {"delta", {{"content", text}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}}}};
  return "data: " + chunk.dump() + "\n\n";
}

std::vector<std::string> openAiStream(const std::vector<std::string>& deltas, const std::string& model, int promptTokens,
                                      int completionTokens) {
  auto chunk = [&](json choices, json usage) {
    json c = {{"id", "chatcmpl-fake"}, {"object", "chat.completion.chunk"}, {"created", 1694268190},
              {"model", model},        {"system_fingerprint", "fp_fake"},    {"choices", std::move(choices)}};
    if (!usage.is_null()) c["usage"] = std::move(usage);
    return "data: " + c.dump() + "\n\n";
  };
  std::vector<std::string> out;
  out.push_back(chunk({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}},
                      nullptr));
  for (const auto& d : deltas) out.push_back(openAiDelta(d, model));
  out.push_back(chunk({{{"index", 0}, {"delta", json::object()}, {"logprobs", nullptr}, {"finish_reason", "stop"}}}, nullptr));
  out.push_back(chunk(json::array(), {{"prompt_tokens", promptTokens},
                                      {"completion_tokens", completionTokens},
                                      {"total_tokens", promptTokens + completionTokens}}));
  out.push_back("data: [DONE]\n\n");
  return out;
}

std::string anthropicDelta(const std::string& text) {
  json data = {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", text}}}};
  return "event: content_block_delta\ndata: " + data.dump() + "\n\n";
}

std::vector<std::string> anthropicStream(const std::vector<std::string>& deltas, const std::string& model,
                                         int inputTokens, int outputTokens) {
  auto event = [](const char* name, const json& data) { return std::string("event: ") + name + "\ndata: " + data.dump() + "\n\n"; };
  std::vector<std::string> out;
  out.push_back(event("message_start",
                      {{"type", "message_start"},
                       {"message",
                        {{"id", "msg_fake"}, {"type", "message"}, {"role", "assistant"}, {"content", json::array()},
                         {"model", model}, {"stop_reason", nullptr}, {"stop_sequence", nullptr},
                         {"usage", {{"input_tokens", inputTokens}, {"output_tokens", 1}}}}}}));
  out.push_back(event("content_block_start",
                      {{"type", "content_block_start"}, {"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}}));
  out.push_back(event("ping", {{"type", "ping"}}));
  for (const auto& d : deltas) out.push_back(anthropicDelta(d));
  out.push_back(event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  out.push_back(event("message_delta", {{"type", "message_delta"},
                                        {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}},
                                        {"usage", {{"output_tokens", outputTokens}}}}));
  out.push_back(event("message_stop", {{"type", "message_stop"}}));
  return out;
}

}  // namespace aieditor::test
