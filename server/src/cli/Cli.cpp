#include "cli/Cli.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "aieditor/protocol/JsonText.h"
#include "cli/LocalClient.h"
#include "cli/SyncCommands.h"
#include "rpc/StdioTransport.h"

namespace aieditor::server {
namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(aieditor - AI React component editor backend

Usage:
  aieditor [serve] [--db PATH]                 serve JSON-RPC (LSP framing) on stdin/stdout
  aieditor chat --session ID [--db PATH] TEXT  send one prompt, stream the reply, save the component
  aieditor show --session ID [--db PATH]       print the session's current component (JSX, then CSS)
  aieditor sessions [--db PATH]                list sessions, most recent first
  aieditor search QUERY [--session ID]         search every session (words, "exact phrases", prefix*);
                                               prints session · time · snippet, best first (exit 1: no hits)
  aieditor export --session ID [-o FILE]       write a session's lossless JSON document
  aieditor import FILE [--session ID]          import a document as a new session
  aieditor preview --session ID [--db PATH]    print the live preview's URL and serve it until Ctrl-C
  aieditor sync [--db PATH]                    push and pull once with the team backend, print the status
  aieditor sync status                         the backend, whether signed in, and the writes waiting or refused
  aieditor sync login URL                      sign in with the token on stdin (saved in the credentials file)
  aieditor sync logout                         remove the credentials file; local data and writes are kept
  aieditor --version | --help

The database defaults to $XDG_DATA_HOME/aieditor/aieditor.db; --db or
AIEDITOR_DB override it. Logs go to stderr; AIEDITOR_LOG=error|warn|info|debug.
)";

struct Args {
  std::string command = "serve";
  std::optional<std::string> db, session, output;
  std::vector<std::string> positional;
};

std::optional<Args> parseArgs(int argc, char** argv, std::string& error) {
  Args args;
  bool commandSeen = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::optional<std::string>& into) {
      if (i + 1 >= argc) return error = arg + " needs a value", false;
      into = argv[++i];
      return true;
    };
    if (arg == "--db") {
      if (!value(args.db)) return std::nullopt;
    } else if (arg == "--session" || arg == "-s") {
      if (!value(args.session)) return std::nullopt;
    } else if (arg == "-o" || arg == "--output") {
      if (!value(args.output)) return std::nullopt;
    } else if (arg == "--help" || arg == "-h" || arg == "--version") {
      args.command = arg;
      return args;
    } else if (arg == "--stdio") {
      // Accepted for editors that always pass it.
    } else if (arg.starts_with("-") && arg != "-") {
      error = "unknown option " + arg;
      return std::nullopt;
    } else if (!commandSeen) {
      args.command = arg;
      commandSeen = true;
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

int chat(LocalClient& client, const Args& args) {
  if (!args.session) return fail("chat needs --session ID");
  std::string text;
  for (const auto& word : args.positional) text += (text.empty() ? "" : " ") + word;
  if (text.empty() || text == "-") {
    std::ostringstream in;
    in << std::cin.rdbuf();
    text = in.str();
  }
  auto init = start(client);
  if (!init) return fail(init.error());
  const std::string db = (*init)["capabilities"]["experimental"]["aieditor"].value("databasePath", "");
  client.onNotification = [](const std::string& method, const json& params) {
    if (method == "chat/delta") std::cout << params.value("delta", "") << std::flush;
    else if (method == "persistence/status" && params.value("state", "") == "failed")
      std::cerr << "aieditor: save failed: " << params.value("error", "") << '\n';
  };
  auto opened = client.call("session/open", {{"sessionId", *args.session}, {"limit", 1}});
  if (!opened) return fail(opened.error());
  // Ctrl-C cancels the reply; what arrived is saved as interrupted.
  const int chatId = client.send("chat/send", {{"sessionId", *args.session}, {"text", text}});
  bool interrupted = false;
  client.onInterrupt([&](int) {
    interrupted = true;
    client.notify("$/cancelRequest", {{"id", chatId}});
  });
  auto sent = client.wait(chatId);
  if (!sent && interrupted) {
    std::cout << '\n';
    std::cerr << "aieditor: " << sent.error() << " in session " << *args.session << '\n';
    stop(client);
    return 130;
  }
  if (!sent) return fail(sent.error());
  std::cout << '\n';
  if (sent->contains("component") && !(*sent)["component"].is_null()) {
    const json& c = (*sent)["component"];
    std::cout << "Saved component " << c["name"].get<std::string>() << " (id " << c["id"].get<std::string>()
              << ", version " << c["version"] << ") in session " << *args.session << " at " << db << '\n';
  } else {
    std::cout << "The reply held no component; the conversation is saved in session " << *args.session << " at "
              << db << '\n';
  }
  return stop(client);
}

int show(LocalClient& client, const Args& args) {
  if (!args.session) return fail("show needs --session ID");
  if (auto init = start(client); !init) return fail(init.error());
  auto got = client.call("components/get", {{"sessionId", *args.session}});
  if (!got) return fail(got.error());
  const json& c = (*got)["component"];
  std::cout << "// " << c["name"].get<std::string>() << " v" << c["version"] << " (" << c["id"].get<std::string>()
            << ")\n"
            << c["jsx"].get<std::string>() << "\n/* " << c["name"].get<std::string>() << ".css */\n"
            << c["css"].get<std::string>();
  return stop(client);
}

int sessions(LocalClient& client) {
  if (auto init = start(client); !init) return fail(init.error());
  std::optional<std::string> cursor;
  do {
    json params = {{"limit", 100}};
    if (cursor) params["cursor"] = *cursor;
    auto page = client.call("session/list", params);
    if (!page) return fail(page.error());
    for (const auto& s : (*page)["sessions"])
      std::cout << s["id"].get<std::string>() << '\t' << s["updatedAt"].get<std::string>() << '\t'
                << s["messageCount"] << " messages\t" << s["componentCount"] << " components\t"
                << s["title"].get<std::string>() << '\n';
    cursor = page->contains("nextCursor") ? std::optional((*page)["nextCursor"].get<std::string>()) : std::nullopt;
  } while (cursor);
  return stop(client);
}

/// The hits shown: one page, best first.
constexpr int kSearchHitsShown = 50;

/// A hit on one line: "session · 2026-12-03 17:57 · snippet" (what the hit
/// is when it is not a message).
std::string searchLine(const json& hit) {
  std::string time = hit.value("createdAt", "");
  if (time.size() >= 16) time = time.substr(0, 10) + " " + time.substr(11, 5);
  std::string what;
  if (hit.value("kind", "") == "component")
    what = "[component " + hit.value("id", "") + " v" + std::to_string(hit.value("componentVersion", 0)) + "] ";
  else if (hit.value("kind", "") == "session")
    what = "[title] ";
  // On one line: each run of spaces, tabs and line breaks as one space.
  std::string snippet;
  for (const char c : hit.value("snippet", "")) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (!space)
      snippet += c;
    else if (!snippet.empty() && snippet.back() != ' ')
      snippet += ' ';
  }
  return hit.value("sessionId", "") + " \u00b7 " + time + " \u00b7 " + what + snippet;
}

int search(LocalClient& client, const Args& args) {
  std::string query;
  for (const auto& word : args.positional) query += (query.empty() ? "" : " ") + word;
  if (query.empty()) return fail("search needs a QUERY");
  if (auto init = start(client); !init) return fail(init.error());
  json params = {{"query", query}, {"limit", kSearchHitsShown}};
  if (args.session) params["sessionId"] = *args.session;
  auto found = client.call("search/query", params);
  if (!found) return fail(found.error());
  const json hits = (*found)["hits"];
  for (const auto& hit : hits) std::cout << searchLine(hit) << '\n';
  if (found->contains("nextCursor"))
    std::cerr << "aieditor: the best " << kSearchHitsShown << " hits are shown; add words to narrow the search\n";
  if (const int stopped = stop(client); stopped != 0) return stopped;
  return hits.empty() ? 1 : 0;
}

int exportSession(LocalClient& client, const Args& args) {
  if (!args.session) return fail("export needs --session ID");
  if (auto init = start(client); !init) return fail(init.error());
  auto exported = client.call("session/export", {{"sessionId", *args.session}});
  if (!exported) return fail(exported.error());
  const std::string text = (*exported)["document"].dump(2) + "\n";
  if (args.output && *args.output != "-") {
    std::ofstream out(*args.output, std::ios::binary);
    if (!(out << text) || !out.flush()) return fail("cannot write " + *args.output);
    std::cerr << "exported session " << *args.session << " to " << *args.output << '\n';
  } else {
    std::cout << text;
  }
  return stop(client);
}

/// An import file, read whole and parsed within the protocol's limits; the
/// error names the file and what was wrong with it.
std::expected<json, std::string> readDocument(const std::string& path) {
  std::string text;
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::unexpected(path + ": cannot be opened: " + std::strerror(errno));
    // libstdc++'s filebuf throws on a read error (a directory: EISDIR).
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    return std::unexpected(path + ": cannot be read: " + e.code().message());
  }
  json document;
  if (const auto unread = protocol::readJson(text, document)) {
    const bool notJson = unread->kind == protocol::JsonTextError::Kind::NotJson;
    return std::unexpected(path + (notJson ? ": not valid JSON: " : ": ") + unread->message);
  }
  return document;
}

int importSession(LocalClient& client, const Args& args) {
  if (args.positional.size() != 1) return fail("import needs one FILE");
  auto document = readDocument(args.positional[0]);
  if (!document) return fail(document.error());
  if (auto init = start(client); !init) return fail(init.error());
  json params = {{"document", std::move(*document)}};
  if (args.session) params["sessionId"] = *args.session;
  auto imported = client.call("session/import", params);
  if (!imported) return fail(imported.error());
  std::cout << (*imported)["sessionId"].get<std::string>() << '\n';
  return stop(client);
}

int servePreview(LocalClient& client, const Args& args) {
  if (!args.session) return fail("preview needs --session ID");
  if (auto init = start(client); !init) return fail(init.error());
  auto opened = client.call("preview/open", {{"sessionId", *args.session}});
  if (!opened) return fail(opened.error());
  client.serveUntilInterrupted([&] {
    std::cout << (*opened)["url"].get<std::string>() << std::endl;
    std::cerr << "serving the preview of session " << *args.session << "; Ctrl-C ends it\n";
  });
  return stop(client);
}

}  // namespace

int runCli(int argc, char** argv) {
  std::string error;
  auto args = parseArgs(argc, argv, error);
  if (!args) return fail(error + "\n\n" + kUsage);
  if (args->command == "--help" || args->command == "help") return std::cout << kUsage, 0;
  if (args->command == "--version") return std::cout << "aieditor " << AIEDITOR_VERSION << '\n', 0;

  ServerOptions options;
  options.databasePath = args->db;
  if (!options.databasePath) {
    if (const char* env = std::getenv("AIEDITOR_DB"); env && *env) options.databasePath = env;
  }
  if (args->command == "serve") return serveStdio(options);
  if (args->command == "sync") return runSyncCommand(options, args->positional);

  LocalClient client(options);
  if (args->command == "chat") return chat(client, *args);
  if (args->command == "sessions") return sessions(client);
  if (args->command == "search") return search(client, *args);
  if (args->command == "show") return show(client, *args);
  if (args->command == "export") return exportSession(client, *args);
  if (args->command == "import") return importSession(client, *args);
  if (args->command == "preview") return servePreview(client, *args);
  return fail("unknown command " + args->command + "\n\n" + kUsage);
}

}  // namespace aieditor::server
