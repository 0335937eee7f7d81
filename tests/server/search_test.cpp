// Full-text search (search/query) and session/rename through the real
// server: words, phrases and prefixes in messages, component code and
// titles; hostile queries; paging; the index after deletes, kill -9 and a
// migration from schema version 6; the CLI's search.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "OldSchemas.h"
#include "ServerProcess.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// Runs `sql` on the file; the first column of each row as text.
std::vector<std::string> column(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  const int rc = sqlite3_exec(
      handle, sql.c_str(),
      [](void* into, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(into)->push_back(values[0] ? values[0] : "");
        return 0;
      },
      &out, nullptr);
  INFO(sqlite3_errmsg(handle));
  CHECK(rc == SQLITE_OK);
  sqlite3_close(handle);
  return out;
}

void add(ServerProcess& server, const std::string& session, const std::string& id, const std::string& content,
         const std::string& role = "user") {
  server.ok("messages/add", {{"sessionId", session}, {"message", {{"id", id}, {"role", role}, {"content", content}}}});
}

json search(ServerProcess& server, const json& params) { return server.ok("search/query", params); }

/// The hits' "kind:session:id" for a query.
std::vector<std::string> hitKeys(ServerProcess& server, const json& params) {
  std::vector<std::string> keys;
  const json found = search(server, params);
  for (const json& hit : found["hits"])
    keys.push_back(hit["kind"].get<std::string>() + ":" + hit["sessionId"].get<std::string>() + ":" +
                   hit["id"].get<std::string>());
  return keys;
}

std::string errorMessage(ServerProcess& server, const std::string& method, const json& params) {
  json error = server.error(method, params);
  CHECK(error["code"] == -32602);
  return error["message"];
}

struct SearchFixture : ServerFixture {
  SearchFixture() {
    add(server, "pricing", "p1", "Make a pricing table with three tiers and monthly billing");
    add(server, "pricing", "p2", "Here is the table. The tiers are Basic, Pro and Enterprise.", "assistant");
    add(server, "weather", "w1", "A weather widget showing the forecast for three days");
    server.ok("components/save", {{"sessionId", "pricing"},
                                  {"component",
                                   {{"id", "table"},
                                    {"name", "PricingTable"},
                                    {"jsx", "export default function PricingTable() {}"},
                                    {"css", ".pricing { background: linear-gradient(red, blue); }"}}}});
    server.ok("components/save", {{"sessionId", "pricing"},
                                  {"component",
                                   {{"id", "table"},
                                    {"name", "PricingTable"},
                                    {"jsx", "export default function PricingTable() {}"},
                                    {"css", ".pricing { background: linear-gradient(red, green); }"}}}});
  }
};

}  // namespace

TEST_CASE_METHOD(SearchFixture, "search/query finds words, phrases and prefixes in messages") {
  json found = search(server, {{"query", "tiers"}, {"kinds", {"message"}}});
  REQUIRE(found["hits"].size() == 2);
  CHECK_FALSE(found.contains("nextCursor"));
  for (const json& hit : found["hits"]) {
    CHECK(hit["kind"] == "message");
    CHECK(hit["sessionId"] == "pricing");
    CHECK(hit["sessionTitle"] == "Make a pricing table with three tiers and monthly billing");
    CHECK_THAT(hit["snippet"].get<std::string>(), Catch::Contains("\u00abtiers\u00bb"));
    CHECK(hit["createdAt"].get<std::string>().ends_with("Z"));
    CHECK_FALSE(hit.contains("componentVersion"));
  }
  std::set<std::string> roles{found["hits"][0]["role"], found["hits"][1]["role"]};
  CHECK(roles == std::set<std::string>{"user", "assistant"});

  // A phrase matches its words in order only.
  CHECK(hitKeys(server, {{"query", "\"three tiers\""}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:pricing:p1"});
  CHECK(hitKeys(server, {{"query", "\"tiers three\""}}).empty());
  // Words are all required; case and accents do not matter.
  CHECK(hitKeys(server, {{"query", "THREE days"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:weather:w1"});
  CHECK(hitKeys(server, {{"query", "thr\u00e9e days"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:weather:w1"});
  // A prefix.
  CHECK(hitKeys(server, {{"query", "bill*"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:pricing:p1"});
  CHECK(hitKeys(server, {{"query", "forec*"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:weather:w1"});
  // One session only.
  CHECK(hitKeys(server, {{"query", "three"}, {"sessionId", "weather"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:weather:w1"});
}

TEST_CASE_METHOD(SearchFixture, "search/query finds component code, once per component, and titles") {
  // Both versions have "gradient": one hit, at the newest version.
  json found = search(server, {{"query", "gradient"}});
  REQUIRE(found["hits"].size() == 1);
  const json hit = found["hits"][0];
  CHECK(hit["kind"] == "component");
  CHECK(hit["id"] == "table");
  CHECK(hit["componentVersion"] == 2);
  CHECK_FALSE(hit.contains("role"));
  CHECK_THAT(hit["snippet"].get<std::string>(), Catch::Contains("\u00abgradient\u00bb"));
  // Text only an older version has finds that version.
  found = search(server, {{"query", "blue"}});
  REQUIRE(found["hits"].size() == 1);
  CHECK(found["hits"][0]["componentVersion"] == 1);
  // The component's name, and a prefix of it.
  CHECK(hitKeys(server, {{"query", "pricingtable"}}) == std::vector<std::string>{"component:pricing:table"});
  CHECK(hitKeys(server, {{"query", "PricingTab*"}}) == std::vector<std::string>{"component:pricing:table"});
  // Titles, as the session kind.
  CHECK(hitKeys(server, {{"query", "weather widget"}, {"kinds", {"session"}}}) ==
        std::vector<std::string>{"session:weather:weather"});
  found = search(server, {{"query", "forecast"}, {"kinds", {"session"}}});
  REQUIRE(found["hits"].size() == 1);
  CHECK(found["hits"][0]["snippet"] == "A weather widget showing the \u00abforecast\u00bb for three days");
  // Every kind together: the message and the title both match.
  CHECK(hitKeys(server, {{"query", "forecast"}}).size() == 2);
}

TEST_CASE_METHOD(SearchFixture, "hostile queries never fail: they are searched as plain words") {
  const std::string tenKb = [] {
    std::string text;
    while (text.size() < 10 * 1024) text += "tiers \" * NEAR( -x ') OR 1=1; -- ";
    return text;
  }();
  for (const std::string& query : {std::string("\"three"),
                                   std::string("three\""),
                                   std::string("\"\"\""),
                                   std::string("*"),
                                   std::string("**"),
                                   std::string("\"*\""),
                                   std::string("NEAR(three tiers"),
                                   std::string("NEAR(three, tiers)"),
                                   std::string("three NEAR tiers"),
                                   std::string("-tiers"),
                                   std::string("tiers -"),
                                   std::string("- - -"),
                                   std::string("three AND"),
                                   std::string("OR tiers"),
                                   std::string("NOT"),
                                   std::string("tiers NOT three"),
                                   std::string("'; DROP TABLE messages; --"),
                                   std::string("content:tiers"),
                                   std::string("{content}: x"),
                                   std::string("^tiers"),
                                   std::string("tiers + three"),
                                   std::string("(tiers"),
                                   std::string("tiers)"),
                                   std::string("ti*rs"),
                                   std::string("\u200b"),
                                   std::string("tiers\0three", 11),
                                   std::string("\0", 1),
                                   std::string("   "),
                                   std::string(""),
                                   std::string("\u00ab\u00bb"),
                                   tenKb}) {
    CAPTURE(query.substr(0, 80));
    json response = server.call("search/query", {{"query", query}});
    REQUIRE(response.contains("result"));
    CHECK(response["result"]["hits"].is_array());
  }
  // The words in them still count.
  CHECK(hitKeys(server, {{"query", "\"three tiers"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:pricing:p1"});
  CHECK(hitKeys(server, {{"query", "NEAR(three tiers"}, {"kinds", {"message"}}}).empty());  // "near" is a word
  CHECK(hitKeys(server, {{"query", "-tiers three"}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:pricing:p1"});
  CHECK(hitKeys(server, {{"query", std::string("three\0tiers", 11)}, {"kinds", {"message"}}}) ==
        std::vector<std::string>{"message:pricing:p1"});
  // The tables are still there.
  CHECK(hitKeys(server, {{"query", "tiers"}, {"kinds", {"message"}}}).size() == 2);
}

TEST_CASE_METHOD(ServerFixture, "search/query validates its params by name") {
  CHECK_THAT(errorMessage(server, "search/query", json::object()), Catch::Contains("params.query: is required"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", 5}}), Catch::Contains("params.query"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", std::string(16 * 1024 + 1, 'a')}}),
             Catch::Contains("params.query: must be at most 16384 bytes"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"sessionId", "has space"}}),
             Catch::Contains("params.sessionId"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"kinds", json::array()}}),
             Catch::Contains("params.kinds: must not be empty"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"kinds", {"message", "file"}}}),
             Catch::Contains("params.kinds[1]: must be one of message, component, session"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"kinds", "message"}}),
             Catch::Contains("params.kinds: must be an array"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"limit", 0}}), Catch::Contains("params.limit"));
  CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"limit", 1001}}), Catch::Contains("params.limit"));
  for (const char* cursor : {"", "@@", "YWJj", "MHgxcDB8MXwxfDE"})
    CHECK_THAT(errorMessage(server, "search/query", {{"query", "x"}, {"cursor", cursor}}),
               Catch::Contains("params.cursor: not a cursor from search/query"));
}

TEST_CASE_METHOD(ServerFixture, "paging covers every hit exactly once, best first, ties newest first") {
  // Equal messages in several sessions score the same: their order is by time, then kind and row.
  std::set<std::string> expected;
  for (int i = 0; i < 41; ++i) {
    const std::string session = "s" + std::to_string(i % 5);
    const std::string id = "m" + std::to_string(i);
    const std::string text = i % 3 == 0 ? "apple" : i % 3 == 1 ? "apple pie with apple" : "an apple a day keeps";
    add(server, session, id, text + (i % 7 == 0 ? " and more words here to lengthen it" : ""));
    expected.insert("message:" + session + ":" + id);
    if (i < 5) expected.insert("session:" + session + ":" + session);  // the first message is the title
  }
  for (int limit : {1, 4, 7, 100}) {
    CAPTURE(limit);
    std::vector<std::string> seen;
    std::vector<json> hits;
    std::optional<std::string> cursor;
    do {
      json params = {{"query", "apple"}, {"limit", limit}};
      if (cursor) params["cursor"] = *cursor;
      json page = search(server, params);
      CHECK(page["hits"].size() <= static_cast<std::size_t>(limit));
      for (const json& hit : page["hits"]) {
        seen.push_back(hit["kind"].get<std::string>() + ":" + hit["sessionId"].get<std::string>() + ":" +
                       hit["id"].get<std::string>());
        hits.push_back(hit);
      }
      cursor = page.contains("nextCursor") ? std::optional(page["nextCursor"].get<std::string>()) : std::nullopt;
    } while (cursor);
    CHECK(seen.size() == expected.size());
    CHECK(std::set<std::string>(seen.begin(), seen.end()) == expected);
    // The same order whatever the page size.
    static std::vector<std::string> firstOrder;
    if (limit == 1) firstOrder = seen;
    CHECK(seen == firstOrder);
  }
  // Among hits with the same text (the same score), the newest comes first.
  std::map<std::string, std::string> lastTimeOf;
  json all = search(server, {{"query", "apple"}, {"limit", 100}, {"kinds", {"message"}}});
  std::string previousSnippet, previousTime;
  for (const json& hit : all["hits"]) {
    const std::string snippet = hit["snippet"], time = hit["createdAt"];
    if (snippet == previousSnippet) CHECK(time <= previousTime);
    previousSnippet = snippet;
    previousTime = time;
  }
}

TEST_CASE_METHOD(ServerFixture, "paging repeats and skips nothing while others write between pages") {
  // Hits of several scores (lengths and counts differ), in two sessions.
  std::set<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    const std::string id = "m" + std::to_string(i);
    std::string text = "kiwi";
    for (int k = 0; k < i % 6; ++k) text += i % 2 ? " kiwi" : " filler words";
    add(server, i % 2 ? "a" : "b", id, text);
    expected.insert(id);
  }
  std::vector<std::string> seen;
  std::optional<std::string> cursor;
  int page = 0;
  do {
    json params = {{"query", "kiwi"}, {"limit", 4}, {"kinds", {"message"}}};
    if (cursor) params["cursor"] = *cursor;
    const json found = search(server, params);
    for (const json& hit : found["hits"]) seen.push_back(hit["id"]);
    cursor = found.contains("nextCursor") ? std::optional(found["nextCursor"].get<std::string>()) : std::nullopt;
    // Between pages: rows that change every corpus statistic bm25 reads
    // (rows, their lengths, how many hold the word), and a delete.
    for (int k = 0; k < 40; ++k)
      add(server, "other", "o" + std::to_string(page) + "-" + std::to_string(k),
          k % 4 ? "long unrelated text to change the mean length of a row by a lot" : "kiwi");
    if (page == 2) server.ok("session/delete", {{"sessionId", "other"}});
    ++page;
  } while (cursor);
  std::vector<std::string> original;
  for (const std::string& id : seen)
    if (expected.count(id)) original.push_back(id);
  CHECK(original.size() == expected.size());
  CHECK(std::set<std::string>(original.begin(), original.end()) == expected);
}

TEST_CASE_METHOD(ServerFixture, "session/rename sets the title, validated, and search follows it") {
  add(server, "s", "m1", "first prompt line\nsecond line");
  CHECK(server.ok("session/open", {{"sessionId", "s"}})["session"]["title"] == "first prompt line");
  json renamed = server.ok("session/rename", {{"sessionId", "s"}, {"title", "  Quarterly invoices  "}});
  CHECK(renamed["session"]["id"] == "s");
  CHECK(renamed["session"]["title"] == "Quarterly invoices");
  CHECK(server.ok("session/list", json::object())["sessions"][0]["title"] == "Quarterly invoices");
  CHECK(hitKeys(server, {{"query", "invoices"}}) == std::vector<std::string>{"session:s:s"});
  CHECK(hitKeys(server, {{"query", "prompt"}, {"kinds", {"session"}}}).empty());
  json hit = search(server, {{"query", "first"}})["hits"][0];
  CHECK(hit["kind"] == "message");
  CHECK(hit["sessionTitle"] == "Quarterly invoices");
  // Later prompts leave the user's title alone.
  add(server, "s", "m2", "another prompt");
  CHECK(server.ok("session/open", {{"sessionId", "s"}})["session"]["title"] == "Quarterly invoices");
  // Unicode is counted in characters.
  const std::string twoHundred = [] {
    std::string t;
    for (int i = 0; i < 200; ++i) t += "\u00e9";
    return t;
  }();
  CHECK(server.ok("session/rename", {{"sessionId", "s"}, {"title", twoHundred}})["session"]["title"] == twoHundred);

  CHECK_THAT(errorMessage(server, "session/rename", {{"sessionId", "s"}}),
             Catch::Contains("params.title: is required"));
  CHECK_THAT(errorMessage(server, "session/rename", {{"sessionId", "s"}, {"title", " \t "}}),
             Catch::Contains("params.title: must not be empty"));
  CHECK_THAT(errorMessage(server, "session/rename", {{"sessionId", "s"}, {"title", twoHundred + "x"}}),
             Catch::Contains("params.title: must be at most 200 characters"));
  CHECK(server.error("session/rename", {{"sessionId", "s"}, {"title", ""}})["data"]["userMessage"] ==
        "That title cannot be used: it must not be empty.");
  CHECK_THAT(errorMessage(server, "session/rename", {{"sessionId", "s"}, {"title", "two\nlines"}}),
             Catch::Contains("params.title: must be one line"));
  CHECK_THAT(errorMessage(server, "session/rename", {{"sessionId", "s"}, {"title", 3}}),
             Catch::Contains("params.title: must be a string"));
  CHECK_THAT(errorMessage(server, "session/rename", {{"title", "x"}}), Catch::Contains("params.sessionId"));
  CHECK_THAT(errorMessage(server, "session/rename", {{"sessionId", "nobody"}, {"title", "x"}}),
             Catch::Contains("params.sessionId: no session 'nobody'"));
}

TEST_CASE_METHOD(SearchFixture, "the index follows deletes of components and sessions") {
  CHECK(hitKeys(server, {{"query", "gradient"}}).size() == 1);
  server.ok("components/delete", {{"sessionId", "pricing"}, {"componentId", "table"}});
  CHECK(hitKeys(server, {{"query", "gradient"}}).empty());
  CHECK(hitKeys(server, {{"query", "tiers"}}).size() == 3);  // two messages and the title
  server.ok("session/delete", {{"sessionId", "pricing"}});
  CHECK(hitKeys(server, {{"query", "tiers"}}).empty());
  CHECK(hitKeys(server, {{"query", "forecast"}}).size() == 2);
  // The index agrees with the tables: no entry is left without its row.
  const std::string db = dir.file("a.db");
  CHECK(column(db, "SELECT count(*) FROM messages_search WHERE messages_search MATCH 'tiers OR forecast'") ==
        std::vector<std::string>{"1"});
  CHECK(column(db, "SELECT count(*) FROM components_search WHERE components_search MATCH 'gradient'") ==
        std::vector<std::string>{"0"});
}

TEST_CASE("kill -9 during writes leaves the database and its index whole and in agreement") {
  TempDir dir;
  const std::string db = dir.file("k.db");
  std::set<std::string> acknowledged;
  {
    ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
    server.initialize(json::object());
    std::vector<std::pair<long, std::string>> sent;
    for (int i = 0; i < 400; ++i) {
      const std::string id = "m" + std::to_string(i);
      sent.emplace_back(server.send("messages/add",
                                    {{"sessionId", "k" + std::to_string(i % 4)},
                                     {"message", {{"id", id}, {"role", "user"}, {"content", "ledger entry w" + id}}}}),
                        id);
      if (i % 50 == 49) server.send("session/rename", {{"sessionId", "k0"}, {"title", "ledger " + id}});
    }
    // Killed once some are acknowledged, with the rest still on their way.
    server.waitResponse(sent[120].first);
    server.kill9();
    for (const auto& [request, id] : sent)
      if (server.hasResponse(request) && server.waitResponse(request).contains("result")) acknowledged.insert(id);
  }
  REQUIRE(acknowledged.size() >= 121);
  CHECK(column(db, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  for (const char* table : {"messages_search", "components_search", "titles_search"})
    CHECK(column(db, std::string("INSERT INTO ") + table + " (" + table + ") VALUES ('integrity-check')").empty());
  // The index holds exactly the rows the table holds.
  CHECK(column(db,
               "SELECT group_concat(rowid) FROM (SELECT rowid FROM messages_search "
               "WHERE messages_search MATCH 'ledger' ORDER BY rowid)") ==
        column(db, "SELECT group_concat(rowid) FROM (SELECT rowid FROM messages ORDER BY rowid)"));
  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  for (const std::string& id : acknowledged) {
    CAPTURE(id);
    CHECK(search(server, {{"query", "w" + id}, {"kinds", {"message"}}})["hits"].size() == 1);
  }
}

TEST_CASE("a database from schema version 6 is indexed when migrated, after a backup") {
  TempDir dir;
  const std::string db = dir.file("v6.db");
  prepareDatabase(db, [](ServerProcess& server) {
    add(server, "old", "o1", "an old message about invoices");
    add(server, "old", "o2", "and one about receipts", "assistant");
    server.ok(
        "components/save",
        {{"sessionId", "old"}, {"component", {{"id", "c"}, {"name", "InvoiceList"}, {"jsx", "<ul/>"}, {"css", ""}}}});
  });
  column(db, kDropPullLogAdditions);
  column(db, kDropSearchAdditions);
  column(db, "PRAGMA user_version = 6");

  ServerProcess server({{"--db", db}, {{"AIEDITOR_LOG", "error"}}});
  server.initialize(json::object());
  CHECK(hitKeys(server, {{"query", "receipts"}}) == std::vector<std::string>{"message:old:o2"});
  const auto invoices = hitKeys(server, {{"query", "invoices"}});
  CHECK(std::set<std::string>(invoices.begin(), invoices.end()) ==
        std::set<std::string>{"session:old:old", "message:old:o1"});
  CHECK(hitKeys(server, {{"query", "invoicelist"}}) == std::vector<std::string>{"component:old:c"});
  add(server, "old", "o3", "new receipts");
  CHECK(hitKeys(server, {{"query", "receipts"}}).size() == 2);
  REQUIRE(std::filesystem::exists(db + ".bak-v6"));
  CHECK(column(db + ".bak-v6", "SELECT count(*) FROM sqlite_master WHERE name = 'messages_search'") ==
        std::vector<std::string>{"0"});
}

TEST_CASE("aieditor search prints session, time and snippet per hit") {
  TempDir dir;
  const std::string db = dir.file("cli.db");
  prepareDatabase(db, [](ServerProcess& server) {
    add(server, "cli", "c1", "a pricing table\nwith three tiers");
    add(server, "other", "x1", "three little pigs");
  });
  const auto run = [&](std::vector<std::string> args) {
    ServerProcess cli({std::move(args), {}, false});
    cli.closeStdin();
    cli.waitForEndOfOutput();
    const int code = cli.wait();
    return std::tuple{code, cli.output(), cli.stderrText()};
  };
  auto [code, out, err] = run({"search", "--db", db, "three", "tiers"});
  INFO(err);
  CHECK(code == 0);
  CHECK_THAT(out, Catch::Matches("cli \u00b7 \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \u00b7 a pricing table with "
                                 "\u00abthree\u00bb \u00abtiers\u00bb\n"));
  std::tie(code, out, err) = run({"search", "--db", db, "three", "--session", "other"});
  CHECK(code == 0);
  CHECK_THAT(out, Catch::StartsWith("other \u00b7 "));
  CHECK_THAT(out, Catch::Contains("\u00abthree\u00bb little pigs\n"));
  std::tie(code, out, err) = run({"search", "--db", db, "nothing-like-it"});
  CHECK(code == 1);
  CHECK(out.empty());
  std::tie(code, out, err) = run({"search", "--db", db});
  CHECK(code == 1);
  CHECK_THAT(err, Catch::Contains("search needs a QUERY"));
}
