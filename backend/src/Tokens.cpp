// Token generation (common/Random: getrandom) and digests (OpenSSL SHA-256).
#include "Tokens.h"

#include <openssl/evp.h>

#include <array>

#include "common/Random.h"

namespace aieditor::backend {

std::expected<std::string, std::string> newToken(std::string_view prefix) {
  auto random = server::randomHex(32);
  if (!random) return std::unexpected(random.error());
  return std::string(prefix) + *random;
}

std::string hashToken(std::string_view token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(token.data(), token.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return server::toHex(digest.data(), size);
}

}  // namespace aieditor::backend
