// Connections through the real aieditor-backend: a client's kept-alive
// connection serves all its requests, and many clients connecting at once all
// get a connection, whether or not the server is accepting at that moment.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <vector>

#include "BackendTestSupport.h"

using namespace aieditor::test;

namespace {

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

/// Resumes a process stopped with SIGSTOP, whatever happens in between.
struct Stopped {
  explicit Stopped(pid_t pid) : pid(pid) { ::kill(pid, SIGSTOP); }
  ~Stopped() { ::kill(pid, SIGCONT); }
  pid_t pid;
};

}  // namespace

TEST_CASE("one kept-alive connection serves a client's requests, however many") {
  TempDir dir;
  Backend backend(dir.file("backend.db"));
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, (backend.url() + "/healthz").c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  long connections = 0;
  for (int i = 0; i < 20; ++i) {
    REQUIRE(curl_easy_perform(curl) == CURLE_OK);
    long status = 0, opened = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &opened);  // new connections this request needed
    CHECK(status == 200);
    connections += opened;
  }
  curl_easy_cleanup(curl);
  CHECK(connections == 1);  // httplib's default closes every 5th reply's connection
}

TEST_CASE("clients connecting together all get a connection while the server is not accepting") {
  TempDir dir;
  // Room for every client and the request at the end: the queued connections
  // each take a worker once accepted, until the server sees them closed.
  Backend backend(dir.file("backend.db"), {"--max-connections", "256"});
  constexpr int kClients = 64;
  std::vector<int> sockets;
  {
    // Stopped, the server accepts nothing: the kernel queues each completed
    // handshake for it up to the listen backlog, and drops SYNs past it.
    Stopped stopped(backend.process().pid());
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(backend.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < kClients; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      REQUIRE(fd >= 0);
      sockets.push_back(fd);
      const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
      REQUIRE((rc == 0 || errno == EINPROGRESS));
    }
    // Wait for every handshake (a dropped SYN is retried after 1 s, 3 s, ...,
    // and dropped again while the queue stays full): 10 s at most, never timed.
    std::vector<pollfd> waiting;
    for (int fd : sockets) waiting.push_back({fd, POLLOUT, 0});
    int connected = 0;
    for (int round = 0; round < 100 && !waiting.empty(); ++round) {
      REQUIRE(::poll(waiting.data(), waiting.size(), 100) >= 0);
      std::erase_if(waiting, [&](const pollfd& p) {
        if (!(p.revents & (POLLOUT | POLLERR | POLLHUP))) return false;
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error == 0) ++connected;
        return true;
      });
    }
    CHECK(connected == kClients);  // httplib's own backlog of 5 lets 6 through
  }
  for (int fd : sockets) ::close(fd);
  // Resumed, the server serves again.
  CHECK(httpRequest("GET", backend.url() + "/healthz").status == 200);
}
