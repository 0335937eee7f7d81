#include "sync/Credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"
#include "providers/Providers.h"

namespace aieditor::server {

using nlohmann::json;

namespace {

std::string systemError(const std::string& what) { return what + ": " + std::strerror(errno); }

/// Writes all of `text` to `fd`, through short writes and EINTR.
bool writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string normalizedUrl(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string credentialsPath() { return configDirectory() + "/credentials"; }

std::expected<std::optional<Credentials>, std::string> readCredentials() {
  const std::string path = credentialsPath();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    return std::unexpected(systemError("credentials file " + path + ": cannot be opened"));
  }
  std::string text;
  try {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    return std::unexpected("credentials file " + path + ": cannot be read: " + e.code().message());
  }
  json file;
  // The parser's message could quote the text, which holds the token.
  if (protocol::readJson(text, file) || !file.is_object())
    return std::unexpected("credentials file " + path + ": must be a JSON object {\"url\": ..., \"token\": ...}");
  Credentials credentials;
  for (auto [key, into] : {std::pair{"url", &credentials.url}, std::pair{"token", &credentials.token}}) {
    const auto value = file.find(key);
    if (value == file.end() || !value->is_string() || value->get_ref<const std::string&>().empty())
      return std::unexpected("credentials file " + path + ": " + key + ": must be a non-empty string");
    *into = value->get<std::string>();
  }
  if (!credentials.url.starts_with("http://") && !credentials.url.starts_with("https://"))
    return std::unexpected("credentials file " + path + ": url: must start with http:// or https://");
  credentials.url = normalizedUrl(std::move(credentials.url));
  return credentials;
}

std::expected<void, std::string> credentialsWritable() {
  std::error_code error;
  std::filesystem::create_directories(configDirectory(), error);
  if (error) return std::unexpected("cannot create " + configDirectory() + ": " + error.message());
  if (::access(configDirectory().c_str(), W_OK) != 0) return std::unexpected(systemError("cannot write in " + configDirectory()));
  return {};
}

std::expected<void, std::string> writeCredentials(const Credentials& credentials) {
  const std::string path = credentialsPath();
  if (auto writable = credentialsWritable(); !writable) return writable;
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const std::string text = json{{"url", normalizedUrl(credentials.url)}, {"token", credentials.token}}.dump(2) + "\n";
  // 0600 from the start: the token is never readable by others, not even briefly.
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return std::unexpected(systemError("cannot write " + temporary));
  const bool written = writeAll(fd, text) && ::fchmod(fd, 0600) == 0 && ::fsync(fd) == 0;
  const std::string why = written ? "" : systemError("cannot write " + temporary);
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string failure = written ? systemError("cannot rename " + temporary + " to " + path) : why;
    ::unlink(temporary.c_str());
    return std::unexpected(failure);
  }
  return {};
}

std::expected<bool, std::string> forgetCredentials(const std::string& url) {
  auto held = readCredentials();
  if (!held) return std::unexpected(held.error());
  if (!*held || (*held)->url != normalizedUrl(url)) return false;
  if (::unlink(credentialsPath().c_str()) != 0 && errno != ENOENT)
    return std::unexpected(systemError("cannot remove " + credentialsPath()));
  return true;
}

}  // namespace aieditor::server
