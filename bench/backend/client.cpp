#include "client.h"

#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "machine.h"
#include "text.h"

namespace bench {

namespace {
size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}
}  // namespace

HttpClient::HttpClient(std::string baseUrl, const std::string& bearer) : base_(std::move(baseUrl)) {
  CURL* curl = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for a body
  if (!bearer.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + bearer).c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received_);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_ = curl;
  headers_ = headers;
}

HttpClient::~HttpClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_slist_free_all(static_cast<curl_slist*>(headers_));
}

HttpReply HttpClient::get(const std::string& path) {
  curl_easy_setopt(static_cast<CURL*>(curl_), CURLOPT_HTTPGET, 1L);
  return perform(path);
}

HttpReply HttpClient::post(const std::string& path, const std::string& jsonBody) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(jsonBody.size()));
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, jsonBody.c_str());
  return perform(path);
}

HttpReply HttpClient::perform(const std::string& path) {
  CURL* curl = static_cast<CURL*>(curl_);
  received_.clear();
  curl_easy_setopt(curl, CURLOPT_URL, (base_ + path).c_str());
  HttpReply reply;
  if (CURLcode rc = curl_easy_perform(curl); rc != CURLE_OK) {
    reply.error = curl_easy_strerror(rc);
    return reply;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = received_;
  return reply;
}

std::optional<BackendProcess> BackendProcess::start(const std::string& binary,
                                                    const std::vector<std::string>& storageArgs, int maxConnections,
                                                    const std::string& stderrPath, std::string& error) {
  std::vector<std::string> argv{binary, "serve", "--listen", "127.0.0.1:0", "--max-connections",
                                std::to_string(maxConnections)};
  argv.insert(argv.end(), storageArgs.begin(), storageArgs.end());
  auto child = Child::spawn(argv, {}, stderrPath);
  if (!child) return error = "cannot spawn " + binary, std::nullopt;
  BackendProcess p;
  p.child_ = std::move(child);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  constexpr std::string_view kReady = "listening on ";
  for (;;) {
    auto eol = p.child_->rbuf.find('\n');
    if (eol != std::string::npos) {
      std::string line = p.child_->rbuf.substr(0, eol);
      if (line.starts_with(kReady)) {
        p.url_ = line.substr(kReady.size());
        return p;
      }
      p.child_->rbuf.erase(0, eol + 1);
      continue;
    }
    if (msUntil(deadline) <= 0 || !p.child_->fill(msUntil(deadline))) {
      error = "aieditor-backend did not print `listening on` (see " + stderrPath + ")";
      return std::nullopt;
    }
  }
}

BackendProcess::~BackendProcess() { stop(); }

double BackendProcess::cpuSeconds() const { return child_ ? processCpuSeconds(child_->pid) : NAN; }

void BackendProcess::stop() {
  if (!child_ || child_->pid <= 0) return;
  ::kill(child_->pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (::waitpid(child_->pid, &status, WNOHANG) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  child_->stop(false);  // closes the pipes; SIGKILL to what is left of its group
  child_.reset();
}

std::optional<std::string> addUser(const std::string& binary, const std::vector<std::string>& storageArgs,
                                   const std::string& name, std::string& error) {
  std::string cmd = binary + " user add " + name;
  for (const auto& a : storageArgs) cmd += " '" + a + "'";
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return error = "cannot run " + binary, std::nullopt;
  std::string out, last;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  const int status = ::pclose(p);
  for (std::size_t start = 0; start < out.size();) {
    auto end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) last = line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (status != 0 || last.empty()) return error = "`aieditor-backend user add " + name + "` failed", std::nullopt;
  return last;
}

std::optional<std::string> signIn(const std::string& url, const std::string& signInToken, std::string& error) {
  HttpClient client(url);
  json body{{"grant_type", "refresh_token"}, {"refresh_token", signInToken}};
  HttpReply reply = client.post("/api/auth/token", body.dump());
  if (reply.status != 200) {
    error = format("POST /api/auth/token: status {} {}", reply.status, reply.error);
    return std::nullopt;
  }
  auto parsed = json::parse(reply.body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("access_token")) return error = "POST /api/auth/token: no access_token", std::nullopt;
  return parsed["access_token"].get<std::string>();
}

}  // namespace bench
