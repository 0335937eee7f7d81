#include "rounds.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace bench {

Pipelined pipeline(Child& c, long total, int window, std::int64_t& nextId, const MakeRequest& make, int stallTimeoutMs) {
  Pipelined r;
  int flags = ::fcntl(c.in, F_GETFL);
  ::fcntl(c.in, F_SETFL, flags | O_NONBLOCK);
  std::string out;
  long sent = 0;
  auto t0 = Clock::now();
  while (r.done < total) {
    while (sent < total && sent - r.done < window && out.size() < (1 << 16)) {
      out += frame(make(nextId++, sent));
      ++sent;
    }
    pollfd p[2] = {{c.out, POLLIN, 0}, {c.in, static_cast<short>(out.empty() ? 0 : POLLOUT), 0}};
    int n = ::poll(p, 2, stallTimeoutMs);
    if (n == 0) {
      r.firstError = r.firstError.empty() ? "stalled: no progress for " + std::to_string(stallTimeoutMs) + " ms" : r.firstError;
      break;
    }
    if (n < 0) continue;
    if (!out.empty() && (p[1].revents & (POLLOUT | POLLERR))) {
      ssize_t w = ::write(c.in, out.data(), out.size());
      if (w > 0) out.erase(0, static_cast<std::size_t>(w));
      else if (w < 0 && errno != EAGAIN && errno != EINTR) {
        r.firstError = "write failed";
        break;
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP)) {
      if (!c.fill(0)) {
        r.firstError = "server closed its stdout";
        break;
      }
      while (auto f = c.takeFrame()) {
        json j = json::parse(*f, nullptr, false);
        if (!j.is_object() || !j.contains("id") || j.contains("method")) continue;
        ++r.done;
        if (j.contains("error")) {
          ++r.errors;
          if (r.firstError.empty()) r.firstError = j["error"].dump();
        }
      }
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ::fcntl(c.in, F_SETFL, flags);
  return r;
}

Sequential sequential(Child& c, int count, double capSeconds, std::int64_t& nextId, const MakeRequest& make,
                      int timeoutMs, const std::function<void()>& between) {
  Sequential s;
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    if (capSeconds > 0 && i >= 5 && msSince(start) > capSeconds * 1000) break;
    std::int64_t id = nextId++;
    std::string body = make(id, i);
    auto t0 = Clock::now();
    c.send(body);
    auto r = c.awaitResponse(id, timeoutMs);
    double ms = msSince(t0);
    if (!r) {
      s.firstError = "no response (" + c.error + ")";
      ++s.errors;
      break;
    }
    if (r->contains("error")) {
      ++s.errors;
      if (s.firstError.empty()) s.firstError = (*r)["error"].dump();
    }
    s.ms.add(ms);
    if (between) between();  // untimed: e.g. a floor sample, interleaved
  }
  return s;
}

}  // namespace bench
