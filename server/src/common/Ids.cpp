#include "common/Ids.h"

#include <random>

namespace aieditor::server {

std::string newId() {
  // UUIDv7 (RFC 9562): 48-bit ms timestamp, version 7, variant 10, random rest.
  thread_local std::mt19937_64 random{std::random_device{}()};
  const auto ms = static_cast<std::uint64_t>(now());
  const std::uint64_t a = random(), b = random();
  unsigned char bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  for (int i = 6; i < 16; ++i) bytes[i] = static_cast<unsigned char>((i < 11 ? a : b) >> (8 * (i % 8)));
  bytes[6] = static_cast<unsigned char>(0x70 | (bytes[6] & 0x0F));
  bytes[8] = static_cast<unsigned char>(0x80 | (bytes[8] & 0x3F));
  // 8-4-4-4-12 hex digits. Every message gets one; snprintf cost more than the rest.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0F];
  }
  return text;
}

}  // namespace aieditor::server
