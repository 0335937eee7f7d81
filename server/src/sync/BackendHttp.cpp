#include "sync/BackendHttp.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"
#include "providers/CurlLibrary.h"

namespace aieditor::server {

namespace {

struct Transfer {
  HttpReply reply;
  const std::atomic<bool>* stop = nullptr;
  const std::function<void(std::string_view)>* onBody = nullptr;  ///< a stream's reader, for a 200

  static std::size_t onWrite(char* data, std::size_t size, std::size_t count, void* self) {
    auto& transfer = *static_cast<Transfer*>(self);
    if (transfer.onBody && transfer.reply.status == 200)
      (*transfer.onBody)(std::string_view(data, size * count));
    else
      transfer.reply.body.append(data, size * count);
    return size * count;
  }
  static std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* self) {
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {  // the status line (the last one wins, after a 100)
      if (const auto space = line.find(' '); space != std::string_view::npos)
        static_cast<Transfer*>(self)->reply.status =
            std::strtol(std::string(line.substr(space + 1, 3)).c_str(), nullptr, 10);
    }
    constexpr std::string_view kName = "retry-after:";
    if (line.size() > kName.size()) {
      bool match = true;
      for (std::size_t i = 0; i < kName.size() && match; ++i)
        match = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == kName[i];
      if (match) {
        const std::string value(line.substr(kName.size()));
        char* end = nullptr;
        const long seconds = std::strtol(value.c_str(), &end, 10);
        if (end != value.c_str() && seconds >= 0) static_cast<Transfer*>(self)->reply.retryAfter = std::chrono::seconds(seconds);
      }
    }
    return size * count;
  }
  static int onProgress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Transfer*>(self)->stop->load() ? 1 : 0;  // non-zero aborts
  }
};

/// This thread's handle for requests (not streams), kept for the thread's
/// life: libcurl keeps its connection to the backend open between requests
/// (a push's batches, a pull's pages, the next push), so they pay for no new
/// connection (nor, over https, a new TLS handshake). One closed meanwhile
/// is noticed and replaced by libcurl.
CURL* requestHandle(const CurlLibrary& curl) {
  struct Handle {
    explicit Handle(const CurlLibrary& library) : curl(library), easy(library.easy_init()) {}
    const CurlLibrary& curl;
    CURL* easy;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() {
      if (easy) curl.easy_cleanup(easy);
    }
  };
  thread_local Handle handle(curl);
  return handle.easy;
}

/// One request: a POST of `body` when there is one, else a GET. A stream
/// (`stream` set) has no time limit but ends when quiet for `timeout`.
std::expected<HttpReply, std::string> perform(const std::string& url, const std::string* body,
                                              const std::string& bearer, std::chrono::milliseconds timeout,
                                              const std::atomic<bool>& stop,
                                              const std::vector<std::string>& extraHeaders = {},
                                              const std::function<void(std::string_view)>* stream = nullptr) {
  auto loaded = loadCurl();
  if (!loaded) return std::unexpected(loaded.error());
  const CurlLibrary& curl = **loaded;
  // A stream holds its connection for as long as it lasts: a handle of its own.
  std::unique_ptr<CURL, decltype(curl.easy_cleanup)> own(stream ? curl.easy_init() : nullptr, curl.easy_cleanup);
  CURL* e = stream ? own.get() : requestHandle(curl);
  if (!e) return std::unexpected(std::string("curl_easy_init failed"));
  curl_slist* headers = curl.slist_append(nullptr, "Content-Type: application/json");
  const std::string authorization = "Authorization: Bearer " + bearer;
  if (!bearer.empty()) headers = curl.slist_append(headers, authorization.c_str());
  for (const std::string& header : extraHeaders) headers = curl.slist_append(headers, header.c_str());
  std::unique_ptr<curl_slist, decltype(curl.slist_free_all)> headerList(headers, curl.slist_free_all);
  Transfer transfer;
  transfer.stop = &stop;
  transfer.onBody = stream;
  char errorBuffer[CURL_ERROR_SIZE] = {};
  // Every option a request uses is set on each use: a reused handle keeps
  // the last request's (pointers to its buffers, unused until set again).
  curl.easy_setopt(e, CURLOPT_URL, url.c_str());
  curl.easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl.easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  if (body) {
    curl.easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl.easy_setopt(e, CURLOPT_POSTFIELDS, body->c_str());
  } else {
    curl.easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  curl.easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl.easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  if (stream) {
    // A stream is read only when it answered 200; anything else is read as a reply.
    curl.easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl.easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max<std::int64_t>(1, timeout.count() / 1000)));
  } else {
    curl.easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  curl.easy_setopt(e, CURLOPT_ERRORBUFFER, errorBuffer);
  curl.easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::onWrite);
  curl.easy_setopt(e, CURLOPT_WRITEDATA, &transfer);
  curl.easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
  curl.easy_setopt(e, CURLOPT_HEADERDATA, &transfer);
  curl.easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  curl.easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Transfer::onProgress);
  curl.easy_setopt(e, CURLOPT_XFERINFODATA, &transfer);
  if (const CURLcode code = curl.easy_perform(e); code != CURLE_OK)
    return std::unexpected(std::string(*errorBuffer ? errorBuffer : curl.easy_strerror(code)));
  curl.easy_getinfo(e, CURLINFO_RESPONSE_CODE, &transfer.reply.status);
  return std::move(transfer.reply);
}

}  // namespace

std::expected<HttpReply, std::string> postJson(const std::string& url, const std::string& body,
                                               const std::string& bearer, std::chrono::milliseconds timeout,
                                               const std::atomic<bool>& stop) {
  return perform(url, &body, bearer, timeout, stop);
}

std::expected<HttpReply, std::string> getJson(const std::string& url, const std::string& bearer,
                                              std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
  return perform(url, nullptr, bearer, timeout, stop);
}

std::expected<HttpReply, std::string> getStream(const std::string& url, const std::string& bearer,
                                                const std::vector<std::string>& headers,
                                                std::chrono::milliseconds quiet, const std::atomic<bool>& stop,
                                                const std::function<void(std::string_view)>& onData) {
  return perform(url, nullptr, bearer, quiet, stop, headers, &onData);
}

std::string errorMessage(const nlohmann::json& body) {
  if (!body.is_object()) return "";
  const auto error = body.find("error");
  if (error == body.end() || !error->is_object()) return "";
  const auto message = error->find("message");
  return message != error->end() && message->is_string() ? message->get<std::string>() : "";
}

std::string backendMessage(const HttpReply& reply) {
  nlohmann::json body;
  std::string message;
  if (!protocol::readJson(reply.body, body)) message = errorMessage(body);
  return message.empty() ? reply.body.substr(0, 200) : message;
}

bool retryable(long status) { return status == 429 || status >= 500; }

}  // namespace aieditor::server
