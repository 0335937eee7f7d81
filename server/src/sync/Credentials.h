// The credentials file: the sync backend's URL and sign-in token a user
// signed in with (`aieditor sync login URL`, or sync/login with remember),
// so that a server started without a token still syncs. It lives beside the
// config file ($XDG_CONFIG_HOME/aieditor/credentials), is JSON
// {"url": ..., "token": ...}, and is only ever readable by its owner: it is
// created with mode 0600 as a temporary file and renamed into place, so no
// other mode or half-written file is ever seen. No error text holds the token.
#pragma once

#include <expected>
#include <optional>
#include <string>

namespace aieditor::server {

struct Credentials {
  std::string url;  ///< without a trailing slash
  std::string token;
};

/// configDirectory()/credentials.
std::string credentialsPath();

/// The file's credentials; nullopt when there is no file. The error names
/// the file and the bad field.
std::expected<std::optional<Credentials>, std::string> readCredentials();

/// Whether the file's folder exists (made if needed) and can be written in.
std::expected<void, std::string> credentialsWritable();

/// Writes the file (mode 0600, atomically), creating its folder if needed.
std::expected<void, std::string> writeCredentials(const Credentials&);

/// Removes the file if it holds `url`; whether it did.
std::expected<bool, std::string> forgetCredentials(const std::string& url);

/// `url` without trailing slashes, as settings and the file compare it.
std::string normalizedUrl(std::string url);

}  // namespace aieditor::server
