// The command line: serve, and the user commands over the same database.
#include "Cli.h"

#include <algorithm>
#include <charconv>
#include <malloc.h>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "Api.h"
#include "HttpServer.h"
#include "SqliteStorage.h"
#include "Tokens.h"
#include "common/Log.h"
#include "postgres/PostgresStorage.h"

namespace aieditor::backend {
namespace {

constexpr const char* kUsage = R"(aieditor-backend - the aieditor team backend (REST API over HTTP)

Usage:
  aieditor-backend serve [--listen HOST:PORT] [--db PATH | --postgres CONNINFO]
                         [--access-ttl SECONDS] [--max-body BYTES] [--max-connections N]
                         [--heartbeat SECONDS] [--access-recheck SECONDS]
  aieditor-backend user add NAME [STORAGE]      add a user; prints a sign-in token as the last line
  aieditor-backend user token NAME [STORAGE]    another sign-in token for NAME (a second device)
  aieditor-backend user list [STORAGE]          the users and how many sign-in tokens each has
  aieditor-backend user revoke NAME [STORAGE]   revoke all of NAME's tokens
  aieditor-backend --version | --help
where STORAGE is --db PATH or --postgres CONNINFO.

serve listens on 127.0.0.1:8787 by default (port 0 picks a free one) and prints
"listening on http://HOST:PORT" when ready. Storage is one SQLite file, by
default $XDG_DATA_HOME/aieditor/backend.db, or with --postgres a PostgreSQL
database named by a libpq connection string ("host=db.internal dbname=aieditor
user=aieditor" or a postgresql:// URI; keep a password in ~/.pgpass or
PGPASSWORD). Its schema is created or migrated on start. Any number of nodes
may serve one database; each opens up to --max-connections connections to it,
plus one that listens for changes. Access tokens live --access-ttl seconds
(900); bodies over --max-body bytes (16 MiB) are refused with 413; past
--max-connections (64) connections, requests get 503; half of them may be
GET /api/events streams, which send a heartbeat comment every --heartbeat
seconds (15). A node trusts an access token it has checked for --access-recheck
seconds, the longest a revocation then takes (0, a read on every request, on
SQLite; 1 on PostgreSQL, where the read is a round trip). Logs go to stderr;
AIEDITOR_LOG=error|warn|info|debug. SIGTERM finishes requests in flight and exits 0.
)";

struct Args {
  std::vector<std::string> positional;
  std::optional<std::string> db, postgres, listen, accessTtl, maxBody, maxConnections, heartbeat, accessRecheck;
};

std::string defaultDatabasePath() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::string(xdg) + "/aieditor/backend.db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/share/aieditor/backend.db";
}

std::optional<std::int64_t> number(const std::string& text, std::int64_t min, std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

int usageError(const std::string& message) {
  std::cerr << "aieditor-backend: " << message << "\n(see aieditor-backend --help)\n";
  return 2;
}

/// The storage the options name: PostgreSQL with --postgres (keeping up to
/// `connections` at once), else the SQLite file of --db or the default path.
std::unique_ptr<Storage> openStorage(const Args& args, std::size_t connections) {
  if (args.postgres) {
    auto storage = PostgresStorage::open(*args.postgres, connections);
    if (!storage) {
      // The connection string is never echoed: it may hold a password.
      std::cerr << "aieditor-backend: cannot open the PostgreSQL storage: " << storage.error().message << "\n";
      return nullptr;
    }
    return std::move(*storage);
  }
  const std::string path = args.db.value_or(defaultDatabasePath());
  std::error_code ignored;
  if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent, ignored);
  auto storage = SqliteStorage::open(path, std::chrono::seconds(10));
  if (!storage) {
    std::cerr << "aieditor-backend: cannot open " << path << ": " << storage.error().message << "\n";
    return nullptr;
  }
  return std::move(*storage);
}

/// Makes a sign-in token for `user`, stores its hash and prints it last.
int issueSignInToken(Storage& storage, const User& user) {
  auto token = newToken(kSignInPrefix);
  if (!token) return std::cerr << "aieditor-backend: " << token.error() << "\n", 1;
  if (auto stored = storage.addSignInToken(user.id, hashToken(*token)); !stored)
    return std::cerr << "aieditor-backend: " << stored.error().message << "\n", 1;
  std::cout << "sign-in token for " << user.name << " (shown once; keep it secret):\n" << *token << std::endl;
  return 0;
}

int userCommand(const Args& args) {
  const auto& p = args.positional;
  if (p.size() < 2) return usageError("user needs a command: add, token, list or revoke");
  const std::string& command = p[1];
  const bool named = command != "list";
  if (p.size() != (named ? 3u : 2u))
    return usageError("user " + command + (named ? " takes one NAME" : " takes no NAME"));
  auto storage = openStorage(args, 1);
  if (!storage) return 1;
  if (command == "list") {
    auto users = storage->listUsers();
    if (!users) return std::cerr << "aieditor-backend: " << users.error().message << "\n", 1;
    for (const auto& user : *users) std::cout << user.name << "\t" << user.signInTokens << " sign-in tokens\n";
    return 0;
  }
  const std::string& name = p[2];
  if (command == "add") {
    if (name.empty() || name.size() > 64 ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789._-@") != std::string::npos)
      return usageError("NAME: must be 1-64 characters from [A-Za-z0-9._@-]");
    auto user = storage->addUser(name);
    if (!user) return std::cerr << "aieditor-backend: " << user.error().message << "\n", 1;
    return issueSignInToken(*storage, *user);
  }
  if (command != "token" && command != "revoke") return usageError("unknown user command \"" + command + "\"");
  auto user = storage->findUser(name);
  if (!user) return std::cerr << "aieditor-backend: " << user.error().message << "\n", 1;
  if (command == "token") return issueSignInToken(*storage, *user);
  if (auto revoked = storage->revokeTokens(user->id); !revoked)
    return std::cerr << "aieditor-backend: " << revoked.error().message << "\n", 1;
  std::cout << "revoked every token of " << name << "\n";
  return 0;
}

/// glibc gives a thread's freed memory back to the kernel as soon as its
/// arena's top is 128 KiB free; with a thread per connection, every request
/// then pays page faults and the madvise's TLB shootdowns (about a tenth of
/// the server's CPU per POST, measured with bench/backend.sh). Keeping up to
/// 16 MiB per arena, in at most 8 arenas, bounds what is held.
void keepFreedMemoryForReuse() {
  ::mallopt(M_ARENA_MAX, 8);
  ::mallopt(M_TRIM_THRESHOLD, 16 << 20);
  ::mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

int serveCommand(const Args& args) {
  keepFreedMemoryForReuse();
  if (args.positional.size() != 1) return usageError("serve takes no arguments besides its options");
  ServeOptions serve;
  ApiOptions api;
  if (args.listen) {
    const auto colon = args.listen->rfind(':');
    auto port = colon == std::string::npos ? std::nullopt : number(args.listen->substr(colon + 1), 0, 65535);
    if (!port || colon == 0) return usageError("--listen: expected HOST:PORT, e.g. 127.0.0.1:8787");
    serve.host = args.listen->substr(0, colon);
    if (serve.host.size() > 2 && serve.host.front() == '[' && serve.host.back() == ']')
      serve.host = serve.host.substr(1, serve.host.size() - 2);
    serve.port = static_cast<int>(*port);
  }
  if (args.accessTtl) {
    auto ttl = number(*args.accessTtl, 1, 30 * 24 * 3600);
    if (!ttl) return usageError("--access-ttl: expected seconds from 1 to 2592000");
    api.accessTtl = std::chrono::seconds(*ttl);
  }
  if (args.maxBody) {
    auto bytes = number(*args.maxBody, 1, INT64_MAX);
    if (!bytes) return usageError("--max-body: expected a number of bytes");
    serve.maxBody = *bytes;
  }
  if (args.maxConnections) {
    auto count = number(*args.maxConnections, 1, 4096);
    if (!count) return usageError("--max-connections: expected 1 to 4096");
    serve.maxConnections = static_cast<std::size_t>(*count);
  }
  // An event stream holds its connection: half of them stay free for requests.
  api.maxStreams = std::max<std::size_t>(1, serve.maxConnections / 2);
  if (args.heartbeat) {
    auto seconds = number(*args.heartbeat, 1, 3600);
    if (!seconds) return usageError("--heartbeat: expected seconds from 1 to 3600");
    api.heartbeat = std::chrono::seconds(*seconds);
  }
  // A test hook, read once: the fault tests kill the backend mid-batch.
  if (const char* crash = std::getenv("AIEDITOR_BACKEND_CRASH"); crash && *crash) {
    const std::string point = crash;
    if (point == "batch-before-commit")
      api.crashAt = CrashPoint::BatchBeforeCommit;
    else if (point == "batch-after-commit")
      api.crashAt = CrashPoint::BatchAfterCommit;
    else
      return usageError("AIEDITOR_BACKEND_CRASH: expected batch-before-commit or batch-after-commit, got \"" + point +
                        "\"");
  }
  // On SQLite the read costs no measurable CPU, so revocation stays
  // immediate; on PostgreSQL it is a round trip per request.
  api.accessRecheck = args.postgres ? std::chrono::seconds(1) : std::chrono::seconds(0);
  if (args.accessRecheck) {
    auto seconds = number(*args.accessRecheck, 0, 3600);
    if (!seconds) return usageError("--access-recheck: expected seconds from 0 to 3600");
    api.accessRecheck = std::chrono::seconds(*seconds);
  }
  auto storage = openStorage(args, serve.maxConnections);
  if (!storage) return 1;
  Api handler(*storage, api);
  return serveHttp(handler, serve);
}

}  // namespace

int runCli(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") return std::cout << kUsage, 0;
    if (arg == "--version") return std::cout << "aieditor-backend " << AIEDITOR_VERSION << "\n", 0;
    std::optional<std::string>* option = arg == "--db"                ? &args.db
                                         : arg == "--postgres"        ? &args.postgres
                                         : arg == "--listen"          ? &args.listen
                                         : arg == "--access-ttl"      ? &args.accessTtl
                                         : arg == "--max-body"        ? &args.maxBody
                                         : arg == "--max-connections" ? &args.maxConnections
                                         : arg == "--heartbeat"       ? &args.heartbeat
                                         : arg == "--access-recheck"  ? &args.accessRecheck
                                                                      : nullptr;
    if (option) {
      if (i + 1 >= argc) return usageError(arg + " needs a value");
      *option = argv[++i];
    } else if (arg.starts_with("-")) {
      return usageError("unknown option " + arg);
    } else {
      args.positional.push_back(arg);
    }
  }
  if (args.db && args.postgres) return usageError("--db and --postgres: give one storage, not both");
  if (args.positional.empty()) return usageError("expected a command: serve or user");
  if (args.positional[0] == "serve") return serveCommand(args);
  if (args.positional[0] == "user") return userCommand(args);
  return usageError("unknown command \"" + args.positional[0] + "\"");
}

}  // namespace aieditor::backend
