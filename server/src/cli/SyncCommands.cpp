#include "cli/SyncCommands.h"

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/LocalClient.h"
#include "sync/Credentials.h"
#include "sync/SyncSettings.h"

namespace aieditor::server {
namespace {

using nlohmann::json;

constexpr const char* kNoUrl =
    "sync is off: no backend URL (sign in with aieditor sync login URL, or set AIEDITOR_SYNC_URL or the config "
    "file's sync.url)";

/// The status, a "name: value" line each.
void printStatus(const json& status) {
  std::cout << "state: " << status["state"].get<std::string>() << "\npending: " << status["pending"]
            << "\nrejected: " << status["rejected"] << '\n';
  for (const char* key : {"user", "lastSyncedAt", "retryAt", "error"})
    if (status.contains(key)) std::cout << key << ": " << status[key].get<std::string>() << '\n';
}

/// One line per refused write: seq, session, kind, record, the backend's reason.
void printRejected(const json& writes) {
  for (const json& write : writes) {
    std::cout << "  #" << write["seq"] << ' ' << write["sessionId"].get<std::string>() << ' '
              << write["kind"].get<std::string>();
    if (write.contains("recordId")) std::cout << ' ' << write["recordId"].get<std::string>();
    if (write.contains("version")) std::cout << " v" << write["version"];
    std::cout << ": " << write["error"].get<std::string>() << '\n';
  }
}

/// The exit code of a command whose outcome was `ok`, once the server stopped.
int finish(LocalClient& client, bool ok) {
  const int code = stop(client);
  return code != 0 ? code : (ok ? 0 : 1);
}

/// `aieditor sync`: push and pull once; 0 when everything went up.
int syncOnce(const ServerOptions& options) {
  LocalClient client(options);
  if (auto init = start(client); !init) return fail(init.error());
  auto status = client.call("sync/now", json::object());
  if (!status) return fail(status.error());
  if ((*status)["state"] == "disabled") {
    stop(client);
    return fail(kNoUrl);
  }
  printStatus(*status);
  return finish(client, (*status)["state"] == "synced");
}

/// `aieditor sync status`: what is configured and what waits, without
/// contacting the backend (`aieditor sync` does).
int syncStatus(ServerOptions options) {
  auto settings = syncSettings({});
  if (!settings) return fail(settings.error());
  options.startSync = false;
  LocalClient client(options);
  if (auto init = start(client); !init) return fail(init.error());
  auto status = client.call("sync/status", json::object());
  if (!status) return fail(status.error());
  auto rejected = client.call("sync/rejected", json::object());
  if (!rejected) return fail(rejected.error());
  if (*settings)
    std::cout << "backend: " << (*settings)->url
              << "\nsigned in: " << ((*settings)->token.empty() ? "no (aieditor sync login URL)" : "yes") << '\n';
  else
    std::cout << "backend: none (" << kNoUrl << ")\n";
  std::cout << "pending: " << (*status)["pending"] << "\nrejected: " << (*status)["rejected"] << '\n';
  printRejected((*rejected)["writes"]);
  return stop(client);
}

/// `aieditor sync login URL`, the token on stdin: saves both in the
/// credentials file and tries them (uploading what waits); 0 when accepted.
int syncLogin(const ServerOptions& options, const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    return fail("sync login: URL must start with http:// or https://");
  std::string token((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  const auto first = token.find_first_not_of(" \t\r\n");
  token = first == std::string::npos ? "" : token.substr(first, token.find_last_not_of(" \t\r\n") - first + 1);
  if (token.empty())
    return fail(
        "sync login: no token on stdin (the backend's sign-in token, aies_..., from aieditor-backend user add "
        "or user token)");
  LocalClient client(options);
  if (auto init = start(client); !init) return fail(init.error());
  auto status = client.call("sync/login", {{"url", url}, {"token", token}, {"remember", true}});
  if (!status) return fail(status.error());
  const std::string state = (*status)["state"];
  const bool accepted = state == "synced" || state == "syncing";
  std::cout << "credentials saved in " << credentialsPath() << '\n';
  if (accepted)
    std::cout << "signed in to " << normalizedUrl(url)
              << ((*status).contains("user") ? " as " + (*status)["user"].get<std::string>() : "") << '\n';
  else
    std::cout << "the token could not be checked: " << (*status).value("error", state) << '\n';
  printStatus(*status);
  return finish(client, accepted);
}

/// `aieditor sync logout`: removes the credentials file; local data and the
/// outbox stay.
int syncLogout(ServerOptions options) {
  auto held = readCredentials();
  if (!held) return fail(held.error());
  if (!*held) {
    std::cout << "not signed in: no credentials file at " << credentialsPath() << '\n';
  } else {
    auto forgot = forgetCredentials((*held)->url);
    if (!forgot) return fail(forgot.error());
    std::cout << "signed out of " << (*held)->url << ": removed " << credentialsPath() << '\n';
  }
  options.startSync = false;
  LocalClient client(options);
  if (auto init = start(client); !init) return fail(init.error());
  auto status = client.call("sync/status", json::object());
  if (!status) return fail(status.error());
  std::cout << "pending: " << (*status)["pending"] << " (kept; they go up after the next sign-in)\n";
  return stop(client);
}

}  // namespace

int runSyncCommand(const ServerOptions& options, const std::vector<std::string>& words) {
  if (words.empty()) return syncOnce(options);
  const std::string& command = words.front();
  if (command == "status" && words.size() == 1) return syncStatus(options);
  if (command == "login" && words.size() == 2) return syncLogin(options, words[1]);
  if (command == "login") return fail("sync login needs one URL (the token is read from stdin)");
  if (command == "logout" && words.size() == 1) return syncLogout(options);
  return fail("unknown sync command: sync " + command + " (sync, sync status, sync login URL, sync logout)");
}

}  // namespace aieditor::server
