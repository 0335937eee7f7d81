// Random bytes from getrandom, and hex.
#include "common/Random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace aieditor::server {

std::string toHex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

std::expected<std::string, std::string> randomHex(std::size_t size) {
  std::vector<unsigned char> bytes(size);
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(std::string("getrandom: ") + std::strerror(errno));
    }
    filled += static_cast<std::size_t>(got);
  }
  return toHex(bytes.data(), bytes.size());
}

}  // namespace aieditor::server
