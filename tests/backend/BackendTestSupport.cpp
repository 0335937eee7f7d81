// The backend tier's helpers: libcurl requests, the CLI, raw sockets, integrity_check.
#include "BackendTestSupport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

namespace aieditor::test {

nlohmann::json HttpReply::json() const { return nlohmann::json::parse(body); }

std::string HttpReply::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

namespace {

size_t collectBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

size_t collectHeader(char* data, size_t size, size_t count, void* out) {
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n") + 1);
    (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
  }
  return size * count;
}

}  // namespace

std::optional<HttpReply> tryHttpRequest(const std::string& method, const std::string& url, const std::string& body,
                                        const std::vector<std::string>& headers, const std::string& contentType) {
  HttpReply reply;
  CURL* curl = curl_easy_init();
  if (!curl) return std::nullopt;
  curl_slist* list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  if (!body.empty()) list = curl_slist_append(list, ("Content-Type: " + contentType).c_str());
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) return std::nullopt;
  return reply;
}

HttpReply httpRequest(const std::string& method, const std::string& url, const std::string& body,
                      const std::vector<std::string>& headers, const std::string& contentType) {
  auto reply = tryHttpRequest(method, url, body, headers, contentType);
  INFO(method << " " << url << ": the transfer failed");
  REQUIRE(reply);
  return *reply;
}

namespace {

/// The cluster's connection string (to its `postgres` database), read once.
const std::string& postgresConninfo() {
  static const std::string conninfo = [] {
    const char* file = std::getenv("AIEDITOR_TEST_POSTGRES");
    if (!file || !*file) return std::string();
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
  }();
  return conninfo;
}

/// The database for a test's `db` path, made on first use: the TempDir's name
/// and the file's, both unique enough and safe inside double quotes.
std::string databaseFor(const std::string& db) {
  const std::filesystem::path path(db);
  const std::string name = path.parent_path().filename().string() + "_" + path.filename().string();
  static std::mutex mutex;
  static std::set<std::string> made;
  std::lock_guard lock(mutex);
  if (made.insert(name).second) {
    PGconn* conn = PQconnectdb(postgresConninfo().c_str());
    INFO("the test cluster (AIEDITOR_TEST_POSTGRES): " << PQerrorMessage(conn));
    REQUIRE(PQstatus(conn) == CONNECTION_OK);
    PGresult* result = PQexec(conn, ("CREATE DATABASE \"" + name + "\"").c_str());
    const bool created = PQresultStatus(result) == PGRES_COMMAND_OK;
    INFO("CREATE DATABASE " << name << ": " << PQresultErrorMessage(result));
    PQclear(result);
    PQfinish(conn);
    REQUIRE(created);
  }
  return name;
}

}  // namespace

int terminatePostgresConnections(const std::string& db) {
  REQUIRE(onPostgres());
  const std::string name = databaseFor(db);
  PGconn* conn = PQconnectdb(postgresConninfo().c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  const char* values[] = {name.c_str()};
  PGresult* result = PQexecParams(
      conn, "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1) t", 1,
      nullptr, values, nullptr, nullptr, 0);
  const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK;
  const int count = ok ? std::atoi(PQgetvalue(result, 0, 0)) : -1;
  PQclear(result);
  PQfinish(conn);
  REQUIRE(ok);
  return count;
}

bool onPostgres() { return !postgresConninfo().empty(); }

std::string storageEngine() { return onPostgres() ? "postgres" : "sqlite"; }

std::vector<std::string> storageArgs(const std::string& db) {
  if (!onPostgres()) return {"--db", db};
  std::string conninfo = postgresConninfo();
  conninfo.replace(conninfo.find("dbname=postgres"), std::strlen("dbname=postgres"), "dbname=" + databaseFor(db));
  return {"--postgres", conninfo};
}

std::vector<std::string> withStorage(std::vector<std::string> args, const std::string& db) {
  for (auto& arg : storageArgs(db)) args.push_back(std::move(arg));
  return args;
}

std::string CliRun::lastLine() const {
  std::string text = out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

// A tier whose AIEDITOR_BINARY is another program names the backend apart.
#ifndef AIEDITOR_BACKEND_BINARY
#define AIEDITOR_BACKEND_BINARY AIEDITOR_BINARY
#endif

CliRun runBackendCli(std::vector<std::string> args) {
  ServerProcess process({std::move(args), {}, /*framed=*/false, nullptr, AIEDITOR_BACKEND_BINARY});
  process.closeStdin();
  process.waitForEndOfOutput();
  CliRun run;
  run.code = process.wait();
  run.out = process.output();
  run.err = process.stderrText();
  return run;
}

std::string addUser(const std::string& db, const std::string& name) {
  auto run = runBackendCli(withStorage({"user", "add", name}, db));
  INFO(run.err);
  REQUIRE(run.code == 0);
  REQUIRE(run.lastLine().starts_with("aies_"));
  return run.lastLine();
}

Backend::Backend(const std::string& db, std::vector<std::string> extraArgs,
                 std::map<std::string, std::string> environment)
    : Backend(Spawned{}, db, std::move(extraArgs), std::move(environment)) {
  awaitListening();
}

Backend::Backend(Spawned, const std::string& db, std::vector<std::string> extraArgs,
                 std::map<std::string, std::string> environment) {
  std::vector<std::string> args = withStorage({"serve", "--listen", "127.0.0.1:0"}, db);
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<ServerProcess>(ServerProcess::Options{args, std::move(environment), /*framed=*/false, nullptr, AIEDITOR_BACKEND_BINARY});
}

std::vector<std::unique_ptr<Backend>> Backend::startTogether(const std::string& db, int count,
                                                             std::vector<std::string> extraArgs) {
  std::vector<std::unique_ptr<Backend>> nodes;
  for (int i = 0; i < count; ++i) nodes.emplace_back(new Backend(Spawned{}, db, extraArgs, {}));
  for (auto& node : nodes) node->awaitListening();
  return nodes;
}

void Backend::awaitListening() {
  const std::string out = process_->waitForOutput("\n");
  INFO("aieditor-backend serve: " << process_->stderrText());
  REQUIRE(out.starts_with("listening on http://127.0.0.1:"));
  url_ = out.substr(std::strlen("listening on "));
  url_.pop_back();
  port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
}

std::string Backend::signIn(const std::string& signInToken) const {
  auto reply = httpRequest("POST", url_ + "/api/auth/token",
                           nlohmann::json{{"grant_type", "refresh_token"}, {"refresh_token", signInToken}}.dump());
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json().at("access_token").get<std::string>();
}

HttpReply Backend::call(const std::string& method, const std::string& path, const std::string& accessToken,
                        const nlohmann::json& body) const {
  return httpRequest(method, url_ + path, body.is_null() ? "" : body.dump(), {"Authorization: Bearer " + accessToken});
}

RawClient::RawClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd_ >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawClient::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string RawClient::readResponse(int limitSeconds) {
  std::string data;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limitSeconds);
  for (;;) {
    const auto headerEnd = data.find("\r\n\r\n");
    if (headerEnd != std::string::npos) {
      std::size_t length = 0;
      if (auto at = data.find("Content-Length: "); at != std::string::npos && at < headerEnd)
        length = std::stoul(data.substr(at + 16));
      if (data.size() >= headerEnd + 4 + length) return data;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return data;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return data;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return data;
    data.append(buffer, static_cast<std::size_t>(n));
  }
}

int statusOf(const std::string& raw) {
  if (!raw.starts_with("HTTP/1.1 ") || raw.size() < 12) return 0;
  return std::stoi(raw.substr(9, 3));
}

std::string integrityCheck(const std::string& db) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::string result;
  sqlite3_exec(
      handle, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) += values[0] ? values[0] : "";
        return 0;
      },
      &result, nullptr);
  sqlite3_close(handle);
  return result;
}

}  // namespace aieditor::test
