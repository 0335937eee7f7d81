// Random secrets from the OS: the backend's tokens, the preview's URL secret.
#pragma once

#include <cstddef>
#include <expected>
#include <string>

namespace aieditor::server {

/// `size` random bytes from the OS (getrandom), in lowercase hex; the error says why not.
std::expected<std::string, std::string> randomHex(std::size_t size);
/// Bytes in lowercase hex.
std::string toHex(const unsigned char* bytes, std::size_t size);

}  // namespace aieditor::server
