// preview/open through the real binary, and its HTTP server through libcurl:
// the URL and its secret, refusals (no secret, a wrong Host, a path outside
// the preview), the data routes, the Content-Security-Policy, the event
// stream following components/save, and nothing of it running before the
// first preview/open. (The page in a real browser: tests/preview.)
#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< lowercase names
};

std::size_t appendBody(char* data, std::size_t size, std::size_t count, void* into) {
  static_cast<std::string*>(into)->append(data, size * count);
  return size * count;
}

std::size_t readHeader(char* data, std::size_t size, std::size_t count, void* into) {
  std::string line(data, size * count);
  if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n") + 1);
    (*static_cast<std::map<std::string, std::string>*>(into))[name] = value;
  }
  return size * count;
}

/// One GET; `host` replaces the Host header; the path is sent as written (no "../" folding).
Reply get(const std::string& url, const std::optional<std::string>& host = std::nullopt) {
  Reply reply;
  CURL* curl = curl_easy_init();
  REQUIRE(curl);
  curl_slist* headers = host ? curl_slist_append(nullptr, ("Host: " + *host).c_str()) : nullptr;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, readHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  const CURLcode done = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  REQUIRE(done == CURLE_OK);
  return reply;
}

/// An event stream read on a thread of its own; events are waited on.
class EventReader {
 public:
  explicit EventReader(std::string url) : thread_([this, url = std::move(url)] { run(url); }) {}
  ~EventReader() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    thread_.join();
  }
  /// Waits for the first `state` event after the first `from` that satisfies `match`.
  json waitState(const std::function<bool(const json&)>& match, std::size_t from = 0) {
    std::unique_lock lock(mutex_);
    json found;
    const bool got = changed_.wait_for(lock, std::chrono::seconds(30), [&] {
      for (std::size_t i = from; i < states_.size(); ++i)
        if (match(states_[i])) return found = states_[i], true;
      return false;
    });
    INFO("state events: " << json(states_).dump());
    REQUIRE(got);
    return found;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return states_.size();
  }
  /// Waits for a first state event (true) or the end of the response (false: refused).
  bool admitted() {
    std::unique_lock lock(mutex_);
    const bool settled = changed_.wait_for(lock, std::chrono::seconds(30), [&] { return !states_.empty() || ended_; });
    REQUIRE(settled);
    return !states_.empty();
  }

 private:
  static std::size_t receive(char* data, std::size_t size, std::size_t count, void* self) {
    auto* reader = static_cast<EventReader*>(self);
    std::lock_guard lock(reader->mutex_);
    reader->buffer_.append(data, size * count);
    for (auto end = reader->buffer_.find("\n\n"); end != std::string::npos; end = reader->buffer_.find("\n\n")) {
      const std::string event = reader->buffer_.substr(0, end);
      reader->buffer_.erase(0, end + 2);
      if (event.starts_with("event: state\ndata: "))
        reader->states_.push_back(json::parse(event.substr(std::string_view("event: state\ndata: ").size())));
    }
    reader->changed_.notify_all();
    return size * count;
  }
  static int progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* reader = static_cast<EventReader*>(self);
    std::lock_guard lock(reader->mutex_);
    return reader->stop_ ? 1 : 0;
  }
  void run(const std::string& url) {
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, receive);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
    curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::string buffer_;
  std::vector<json> states_;
  bool stop_ = false;
  bool ended_ = false;
  std::thread thread_;
};

struct PreviewUrl {
  std::string origin;  ///< http://127.0.0.1:PORT
  std::string port;
  std::string secret;
  std::string query;
};

PreviewUrl parse(const std::string& url) {
  std::smatch m;
  INFO(url);
  REQUIRE(std::regex_match(url, m, std::regex(R"((http://127\.0\.0\.1:(\d+))/([0-9a-f]{64})/\?(.*))")));
  return {m[1], m[2], m[3], m[4]};
}

json saveComponent(ServerProcess& server, const std::string& session, const json& component) {
  return server.ok("components/save", {{"sessionId", session}, {"component", component}})["component"];
}

bool mapsPreviewModule(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find("aieditor-preview.so") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE_METHOD(ServerFixture, "preview/open: a URL with a secret on 127.0.0.1, started on first use only") {
  json v1 = saveComponent(server, "p",
                          {{"name", "Counter"}, {"jsx", "export default function Counter() {}"}, {"css", ".c{}"}});
  CHECK_FALSE(mapsPreviewModule(server.pid()));

  const std::string url = server.ok("preview/open", {{"sessionId", "p"}})["url"];
  const PreviewUrl parsed = parse(url);
  CHECK(parsed.query == "session=p");
  CHECK(mapsPreviewModule(server.pid()));

  // The same server answers later calls; a component and version are in the URL.
  const std::string pinned =
      server.ok("preview/open", {{"sessionId", "p"}, {"componentId", v1["id"]}, {"version", 1}})["url"];
  CHECK(pinned ==
        parsed.origin + "/" + parsed.secret + "/?session=p&component=" + v1["id"].get<std::string>() + "&version=1");

  // A component or version that does not exist is refused by name.
  json error = server.error("preview/open", {{"sessionId", "p"}, {"componentId", "nope"}});
  CHECK(error["code"] == -32602);
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("params.componentId"));
  error = server.error("preview/open", {{"sessionId", "p"}, {"componentId", v1["id"]}, {"version", 7}});
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("params.version"));
  error = server.error("preview/open", {{"sessionId", "bad id"}});
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("params.sessionId"));
}

TEST_CASE_METHOD(ServerFixture, "preview: the secret, the Host and the path are checked before anything is served") {
  saveComponent(server, "p", {{"jsx", "export default function A() {}"}, {"css", ""}});
  const PreviewUrl u = parse(server.ok("preview/open", {{"sessionId", "p"}})["url"]);
  const std::string base = u.origin + "/" + u.secret + "/";

  Reply page = get(base + "?session=p");
  CHECK(page.status == 200);
  CHECK_THAT(page.headers["content-type"], Catch::StartsWith("text/html"));
  CHECK_THAT(page.body, Catch::Contains("<iframe id=\"frame\" sandbox=\"allow-scripts\""));
  CHECK(get(base + "?session=p", "localhost:" + u.port).status == 200);

  SECTION("no secret, or a wrong one: 404") {
    CHECK(get(u.origin + "/").status == 404);
    CHECK(get(u.origin + "/?session=p").status == 404);
    CHECK(get(u.origin + "/assets/page.js").status == 404);
    std::string wrong = u.secret;
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    CHECK(get(u.origin + "/" + wrong + "/").status == 404);
    CHECK(get(u.origin + "/" + u.secret.substr(0, 63) + "/").status == 404);
    CHECK(get(u.origin + "/" + u.secret).status == 404);
  }
  SECTION("a Host other than 127.0.0.1:PORT or localhost:PORT: 421, with the secret or without") {
    for (const std::string& host : std::vector<std::string>{"evil.example", "evil.example:" + u.port, "127.0.0.1",
                                                            "localhost:1", "127.0.0.1:" + u.port + ".evil.example"}) {
      CAPTURE(host);
      const Reply refused = get(base + "?session=p", host);
      CHECK(refused.status == 421);
      CHECK_THAT(refused.body, !Catch::Contains("iframe"));
      CHECK(get(base + "api/component?session=p", host).status == 421);
    }
  }
  SECTION("a path outside the preview: 404") {
    for (const std::string& path :
         std::vector<std::string>{"nope", "assets/", "assets/nope.js", "assets/../index.html", "../etc/passwd", "api/",
                                  "api/nope?session=p", "index.htm"}) {
      CAPTURE(path);
      CHECK(get(base + path).status == 404);
    }
    CHECK(get(u.origin + "/etc/passwd").status == 404);
  }
}

TEST_CASE_METHOD(ServerFixture, "preview/open proxyHost: a proxy's Host is served from then on, and checked") {
  saveComponent(server, "p", {{"jsx", "export default function A() {}"}, {"css", ""}});
  const PreviewUrl u = parse(server.ok("preview/open", {{"sessionId", "p"}})["url"]);
  const std::string base = u.origin + "/" + u.secret + "/";
  // As code-server's /proxy/PORT/ forwards a request: the Host the browser used for code-server.
  const std::string proxy = "code.example:8080";
  CHECK(get(base + "?session=p", proxy).status == 421);

  const std::string url = server.ok("preview/open", {{"sessionId", "p"}, {"proxyHost", proxy}})["url"];
  CHECK(url == base + "?session=p");
  CHECK(get(base + "?session=p", proxy).status == 200);
  CHECK(get(base + "api/state?session=p", proxy).status == 200);
  CHECK(get(base + "?session=p", "127.0.0.1:" + u.port).status == 200);
  // Only that one: the rest are still refused, and the secret still needed.
  CHECK(get(base + "?session=p", "code.example:8081").status == 421);
  CHECK(get(base + "?session=p", "evil.example:" + u.port).status == 421);
  CHECK(get(u.origin + "/?session=p", proxy).status == 404);

  for (const std::string& bad : std::vector<std::string>{"", "a b:1", "a/b:1", "host:1\r\nX-Evil: 1", std::string(262, 'a')}) {
    CAPTURE(bad);
    json error = server.error("preview/open", {{"sessionId", "p"}, {"proxyHost", bad}});
    CHECK(error["code"] == -32602);
    CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("params.proxyHost"));
  }
  CHECK(server.error("preview/open", {{"sessionId", "p"}, {"proxyHost", 8080}})["code"] == -32602);
}

TEST_CASE_METHOD(ServerFixture, "preview: the page and the frame carry a CSP, the frame's blocking all network") {
  saveComponent(server, "p", {{"jsx", "export default function A() {}"}, {"css", ""}});
  const PreviewUrl u = parse(server.ok("preview/open", {{"sessionId", "p"}})["url"]);
  const std::string base = u.origin + "/" + u.secret + "/";

  Reply page = get(base);
  CHECK_THAT(page.headers["content-security-policy"], Catch::Contains("default-src 'none'") &&
                                                          Catch::Contains("connect-src 'self'") &&
                                                          Catch::Contains("script-src 'self'"));
  CHECK(page.headers["referrer-policy"] == "no-referrer");
  // Every reply, the event stream's too: a proxy (code-server's /proxy/PORT/
  // gzips what it passes on) must not hold the events back.
  CHECK(page.headers["cache-control"] == "no-store, no-transform");
  Reply frame = get(base + "frame.html");
  const std::string csp = frame.headers["content-security-policy"];
  CHECK_THAT(csp, Catch::Contains("default-src 'none'") && Catch::Contains("connect-src 'none'") &&
                      Catch::Contains("sandbox allow-scripts"));
  CHECK_THAT(csp, !Catch::Contains("allow-same-origin") && !Catch::Contains("http") && !Catch::Contains("*"));
  // The frame's one script runs by a nonce, fresh on each load (its address
  // is not known when a proxy serves the page).
  std::smatch nonce;
  REQUIRE(std::regex_search(csp, nonce, std::regex("script-src 'nonce-([0-9a-f]{32})' 'unsafe-eval';")));
  CHECK_THAT(frame.body, Catch::Contains("<script nonce=\"" + nonce[1].str() +
                                          "\" src=\"assets/frame.js\" crossorigin=\"anonymous\">"));
  // Loaded with CORS, so that errors in it are not muted in the frame (opaque origin).
  CHECK(get(base + "assets/frame.js").headers["access-control-allow-origin"] == "*");
  CHECK(get(base + "assets/page.js").headers.count("access-control-allow-origin") == 0);
  const std::string again = get(base + "frame.html").headers["content-security-policy"];
  CHECK_THAT(again, Catch::Contains("script-src 'nonce-") && !Catch::Contains(nonce[1].str()));
  for (const std::string& asset : std::vector<std::string>{"assets/page.js", "assets/frame.js", "assets/page.css"}) {
    CAPTURE(asset);
    Reply file = get(base + asset);
    CHECK(file.status == 200);
    CHECK(file.body.size() > 100);
  }
}

TEST_CASE_METHOD(ServerFixture, "preview: the data routes read what was saved, and errors name the parameter") {
  json v1 =
      saveComponent(server, "p", {{"name", "Card"}, {"jsx", "export default function Card() {}"}, {"css", ".a{}"}});
  json v2 = saveComponent(server, "p", {{"id", v1["id"]}, {"jsx", "v2"}, {"css", ".b{}"}});
  const PreviewUrl u = parse(server.ok("preview/open", {{"sessionId", "p"}})["url"]);
  const std::string api = u.origin + "/" + u.secret + "/api/";
  const std::string id = v1["id"];

  Reply current = get(api + "component?session=p");
  REQUIRE(current.status == 200);
  CHECK(json::parse(current.body)["component"] == v2);
  CHECK(json::parse(get(api + "component?session=p&component=" + id + "&version=1").body)["component"] == v1);
  json versions = json::parse(get(api + "versions?session=p&component=" + id).body);
  REQUIRE(versions["versions"].size() == 2);
  CHECK(versions["versions"][1]["version"] == 2);
  CHECK_FALSE(versions["versions"][1].contains("jsx"));
  json state = json::parse(get(api + "state?session=p").body);
  CHECK(state == json{{"sessionId", "p"},
                      {"currentComponentId", id},
                      {"components", {{{"id", id}, {"name", "Card"}, {"version", 2}}}}});

  struct Refusal {
    std::string query;
    long status;
    std::string names;
  };
  for (const Refusal& r :
       {Refusal{"component", 400, "session:"}, Refusal{"component?session=none", 404, "component:"},
        Refusal{"component?session=p&version=x", 400, "version:"},
        Refusal{"component?session=p&version=0", 400, "version:"},
        Refusal{"component?session=p&version=9", 404, "version:"}, Refusal{"versions?session=p", 400, "component:"}}) {
    CAPTURE(r.query);
    Reply refused = get(api + r.query);
    CHECK(refused.status == r.status);
    CHECK_THAT(json::parse(refused.body)["error"].get<std::string>(), Catch::StartsWith(r.names));
  }
}

/// A server whose pages look for other processes' writes only once an hour:
/// what reaches them promptly came from this process's own writes.
struct WakeFixture {
  TempDir dir;
  ServerProcess server{
      {{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}, {"AIEDITOR_PREVIEW_LOOK_MS", "3600000"}}}};
  WakeFixture() { server.initialize(json::object()); }
};

TEST_CASE_METHOD(WakeFixture, "preview: the event stream follows components/save, restore and the current pick") {
  json v1 = saveComponent(server, "p", {{"name", "Card"}, {"jsx", "v1"}, {"css", ""}});
  const std::string id = v1["id"];
  const PreviewUrl u = parse(server.ok("preview/open", {{"sessionId", "p"}})["url"]);
  EventReader events(u.origin + "/" + u.secret + "/events?session=p");
  events.waitState([&](const json& s) { return s["components"][0]["version"] == 1; });

  saveComponent(server, "p", {{"id", id}, {"jsx", "v2"}, {"css", ""}});
  events.waitState([&](const json& s) { return s["components"][0]["version"] == 2; });
  server.ok("components/restore", {{"sessionId", "p"}, {"componentId", id}, {"version", 1}});
  events.waitState([&](const json& s) { return s["components"][0]["version"] == 3; });
  json other = saveComponent(server, "p", {{"name", "Other"}, {"jsx", "o"}, {"css", ""}});
  server.ok("components/setCurrent", {{"sessionId", "p"}, {"componentId", id}});
  events.waitState([&](const json& s) { return s["currentComponentId"] == id && s["components"].size() == 2; });

  // A write that changes no component sends nothing; the next that does comes alone.
  const std::size_t before = events.count();
  server.ok("messages/add", {{"sessionId", "p"}, {"message", {{"role", "user"}, {"content", "hi"}}}});
  saveComponent(server, "p", {{"id", id}, {"jsx", "v4"}, {"css", ""}});
  json latest = events.waitState(
      [&](const json& s) { return s["components"][0]["version"] == 4 || s["components"][1]["version"] == 4; }, before);
  CHECK(events.count() == before + 1);
  (void)latest;
  (void)other;
}

TEST_CASE("preview: another process's writes reach the page too") {
  TempDir dir;
  ServerProcess viewer({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  viewer.initialize(json::object());
  ServerProcess writer({{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}});
  writer.initialize(json::object());
  json v1 = saveComponent(writer, "p", {{"name", "Card"}, {"jsx", "v1"}, {"css", ""}});
  const PreviewUrl u = parse(viewer.ok("preview/open", {{"sessionId", "p"}})["url"]);
  EventReader events(u.origin + "/" + u.secret + "/events?session=p");
  events.waitState([&](const json& s) { return s["components"].size() == 1; });
  saveComponent(writer, "p", {{"id", v1["id"]}, {"jsx", "v2"}, {"css", ""}});
  events.waitState([&](const json& s) { return s["components"][0]["version"] == 2; });
}

TEST_CASE("aieditor preview --session: prints the URL, serves it, and ends cleanly on SIGINT") {
  TempDir dir;
  prepareDatabase(dir.file("a.db"), [](ServerProcess& server) {
    saveComponent(server, "cli", {{"name", "Card"}, {"jsx", "export default function Card() {}"}, {"css", ""}});
  });
  ServerProcess cli({{"preview", "--session", "cli", "--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}, false});
  const std::string out = cli.waitForOutput("\n");
  const PreviewUrl u = parse(out.substr(0, out.find('\n')));
  CHECK(u.query == "session=cli");
  CHECK(get(u.origin + "/" + u.secret + "/?session=cli").status == 200);
  CHECK(json::parse(get(u.origin + "/" + u.secret + "/api/component?session=cli").body)["component"]["name"] == "Card");
  cli.interrupt();
  CHECK(cli.wait() == 0);
  CHECK_THAT(cli.stderrText(), Catch::Contains("Ctrl-C ends it"));

  ServerProcess missing({{"preview", "--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}}, false});
  CHECK(missing.wait() == 1);
  CHECK_THAT(missing.stderrText(), Catch::Contains("preview needs --session ID"));
}

TEST_CASE_METHOD(ServerFixture, "preview: past 12 event streams the next gets 503, and pages still load") {
  saveComponent(server, "p", {{"jsx", "export default function A() {}"}, {"css", ""}});
  const PreviewUrl u = parse(server.ok("preview/open", {{"sessionId", "p"}})["url"]);
  const std::string base = u.origin + "/" + u.secret + "/";
  std::vector<std::unique_ptr<EventReader>> streams;
  for (int i = 0; i < 12; ++i) {
    streams.push_back(std::make_unique<EventReader>(base + "events?session=p"));
    streams.back()->waitState([](const json&) { return true; });
  }
  Reply refused = get(base + "events?session=p");
  CHECK(refused.status == 503);
  CHECK_THAT(json::parse(refused.body)["error"].get<std::string>(), Catch::StartsWith("events:"));
  CHECK(get(base + "?session=p").status == 200);
  CHECK(get(base + "api/state?session=p").status == 200);
  // A page gone gives its slot back once the server's writes to it fail:
  // each attempt, refused, writes something to every stream first.
  streams.pop_back();
  bool admitted = false;
  for (int attempt = 0; attempt < 100 && !admitted; ++attempt) {
    admitted = EventReader(base + "events?session=p").admitted();
    if (!admitted)
      saveComponent(server, "p", {{"jsx", "export default function A() {}"}, {"css", std::to_string(attempt)}});
  }
  CHECK(admitted);
}

TEST_CASE("preview/open without the built page: an error naming the missing file, and the server goes on") {
  TempDir dir;
  ServerProcess server(
      {{"--db", dir.file("a.db")}, {{"AIEDITOR_LOG", "error"}, {"AIEDITOR_PREVIEW_ASSETS", dir.path()}}});
  server.initialize(json::object());
  for (int attempt = 0; attempt < 2; ++attempt) {
    json error = server.error("preview/open", {{"sessionId", "p"}});
    CHECK(error["code"] == -32603);
    CHECK_THAT(error["message"].get<std::string>(),
               Catch::StartsWith("preview: the preview's page is not built: " + dir.path() + "/") &&
                   Catch::Contains("is missing") && Catch::Contains("AIEDITOR_PREVIEW_ASSETS"));
  }
  CHECK(server.ok("session/open", {{"sessionId", "p"}})["session"]["id"] == "p");
}
