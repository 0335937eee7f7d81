// kill -9 at random points of a mixed, pipelined workload, over and over on
// one database. After each restart every acknowledged write is there exactly
// as it was acknowledged, nothing deleted with an acknowledgement came back,
// and SQLite finds the file intact. AIEDITOR_FAULT_SEED replays a run,
// AIEDITOR_FAULT_ITERATIONS changes its length.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "FaultSupport.h"

using namespace aieditor::test;
using nlohmann::json;

namespace {

/// An acknowledged record, as the session's export shows it.
struct Record {
  std::string session;
  std::string list;  ///< "messages", "interactions" or "components" (one per version)
  std::string key;   ///< the id; "id#version" for a component version
  json fields;       ///< what the acknowledgement promised, in the export's names

  std::string name() const { return session + "/" + list + "/" + key; }
};

std::string keyOf(const std::string& list, const json& record) {
  std::string id = record["id"];
  return list == "components" ? id + "#" + std::to_string(record["version"].get<int>()) : id;
}

/// The fields of a record that must read back as acknowledged; `record` is in
/// either naming (a reply's camelCase or an export's snake_case).
json promised(const std::string& list, const json& record) {
  static const std::map<std::string, std::vector<std::string>> kFields{
      {"messages", {"role", "content", "status", "created_at"}},
      {"interactions", {"prompt", "response", "provider", "model", "status"}},
      {"components", {"name", "jsx", "css", "version"}}};
  json out = json::object();
  for (const auto& field : kFields.at(list)) {
    if (record.contains(field))
      out[field] = record[field];
    else if (field == "created_at" && record.contains("createdAt"))
      out[field] = record["createdAt"];
  }
  return out;
}

Record recordOf(const std::string& session, const std::string& list, const json& record) {
  return {session, list, keyOf(list, record), promised(list, record)};
}

struct Op {
  std::string session;
  std::string method;
  json params;
  /// The component this op makes current once it commits ("" for none), when it changes it.
  std::optional<std::string> makesCurrent;
  long request = 0;
  std::optional<json> result = std::nullopt;  ///< set when acknowledged
};

/// The records an acknowledged op stored.
std::vector<Record> recordsOf(const Op& op) {
  const json& r = *op.result;
  std::vector<Record> out;
  if (op.method == "messages/add") out.push_back(recordOf(op.session, "messages", r["message"]));
  if (op.method == "interactions/add") out.push_back(recordOf(op.session, "interactions", r["interaction"]));
  if (op.method == "components/save" || op.method == "components/restore")
    out.push_back(recordOf(op.session, "components", r["component"]));
  if (op.method == "chat/send") {
    out.push_back(recordOf(op.session, "messages", r["userMessage"]));
    out.push_back(recordOf(op.session, "messages", r["assistantMessage"]));
    out.push_back(recordOf(op.session, "interactions", r["interaction"]));
    if (r.contains("component")) out.push_back(recordOf(op.session, "components", r["component"]));
  }
  if (op.method == "session/import")
    for (const std::string list : {"messages", "interactions", "components"})
      for (const auto& record : op.params["document"][list]) out.push_back(recordOf(op.session, list, record));
  return out;
}

/// What must hold after the restart that follows one killed iteration.
struct Expectations {
  std::set<std::string> sessions;  ///< every session to read back
  std::vector<Record> present;     ///< there, as acknowledged
  /// Acknowledged before a delete that was not: all there as acknowledged, or all gone.
  std::map<std::string, std::vector<Record>> presentUnlessDeleted;
  std::set<std::string> absentSessions;  ///< deleted with an acknowledgement, nothing sent after
  /// Components that may be current ("" for none); a session missing here may have any (a chat ran).
  std::map<std::string, std::set<std::string>> currents;
};

class KillMatrix {
 public:
  KillMatrix(unsigned seed, std::string db) : random_(seed), db_(std::move(db)) {}

  /// One round: restart, check the last round's expectations, run a workload, kill it.
  void round() {
    ServerProcess server(serverOn(db_));
    // Replies stream for a while, so that some kills land inside one.
    server.initialize({{"offlineDelayMs", 1}});
    if (expected_) verify(server, *expected_);
    std::vector<Op> ops = workload();
    const std::size_t notificationsBefore = server.notificationCount();
    for (auto& op : ops) op.request = server.send(op.method, op.params);
    // Kill at once, after some reply arrived, or in the middle of a chat's stream.
    const long waitFor = pick(-1, static_cast<long>(ops.size()) - 1);
    const bool chats = std::any_of(ops.begin(), ops.end(), [](const Op& op) { return op.method == "chat/send"; });
    if (chats && chance(30)) {
      std::size_t at = notificationsBefore;
      for (long deltas = pick(1, 3); deltas > 0; --deltas, ++at) server.waitNotification("chat/delta", {}, at, &at);
    } else if (waitFor >= 0) {
      Op& op = ops[static_cast<std::size_t>(waitFor)];
      collect(server, op, server.tryWaitResponse(op.request));
    }
    server.kill9();
    INFO("stderr: " << server.stderrText());
    REQUIRE(server.wait() == 128 + 9);  // killed by us, not ended by itself
    server.waitForEndOfOutput();
    for (auto& op : ops)
      if (!op.result && server.hasResponse(op.request)) collect(server, op, server.waitResponse(op.request));
    const std::string integrity = integrityCheck(db_);
    REQUIRE(integrity == "ok");
    expected_ = expect(ops);
  }

  /// A last restart that checks the last round.
  void finish() {
    ServerProcess server(serverOn(db_));
    server.initialize(json::object());
    if (expected_) verify(server, *expected_);
  }

 private:
  struct Known {  ///< a session as the last check read it
    std::map<std::string, int> latestVersions;
    std::string current;
  };

  long pick(long low, long high) { return std::uniform_int_distribution<long>(low, high)(random_); }
  bool chance(int percent) { return pick(0, 99) < percent; }
  std::string fresh(const std::string& prefix) { return prefix + std::to_string(++counter_); }

  void collect(ServerProcess& server, Op& op, std::optional<json> response) {
    if (!response) return;
    INFO(op.method << " " << op.params.dump().substr(0, 300) << " -> " << response->dump().substr(0, 500)
                   << "\nstderr: " << server.stderrText());
    // The workload only makes valid calls: any error is a defect.
    REQUIRE(response->contains("result"));
    op.result = (*response)["result"];
  }

  std::vector<Op> workload() {
    std::vector<std::string> pool{"s0", "s1", "s2", "s3"};
    for (const auto& [id, known] : known_)
      if (id.starts_with("imp")) pool.push_back(id);
    std::set<std::string> chatted, deleted, written;
    std::vector<Op> ops;
    const long count = pick(6, 50);
    for (long n = 0; n < count; ++n) {
      const std::string session = pool[static_cast<std::size_t>(pick(0, static_cast<long>(pool.size()) - 1))];
      // Components as the last check left them, while no delete of this round may have removed them.
      const Known* known = known_.contains(session) && !deleted.contains(session) ? &known_[session] : nullptr;
      const bool hasComponents = known && !known->latestVersions.empty();
      auto someComponent = [&] {
        auto it = known->latestVersions.begin();
        std::advance(it, pick(0, static_cast<long>(known->latestVersions.size()) - 1));
        return *it;
      };
      const long kind = pick(0, 99);
      Op op{session, "", json::object(), std::nullopt};
      op.params["sessionId"] = session;
      if (kind < 30) {
        op.method = "messages/add";
        const char* roles[] = {"user", "assistant", "system"};
        op.params["message"] = {
            {"id", fresh("m")},
            {"role", roles[pick(0, 2)]},
            {"content", "note " + std::to_string(counter_) + (chance(30) ? "\nsecond line é" : "")}};
      } else if (kind < 40) {
        op.method = "interactions/add";
        op.params["interaction"] = {{"id", fresh("i")},
                                    {"prompt", "p" + std::to_string(counter_)},
                                    {"response", "r"},
                                    {"provider", "openai"},
                                    {"model", "gpt-4o"}};
      } else if (kind < 50 && !chatted.contains(session) && !deleted.contains(session)) {
        // One chat per session and round, never beside a delete of it: those
        // two races are defects of their own (issue 13), tested elsewhere.
        op.method = "chat/send";
        const char* prompts[] = {"A pricing card", "make it purple", "A login form", "add a footer to it"};
        op.params["text"] = std::string(prompts[pick(0, 3)]) + " " + fresh("");
        if (chance(25)) op.params["newComponent"] = true;
        chatted.insert(session);
      } else if (kind < 65) {
        op.method = "components/save";
        std::string id = hasComponents && chance(50) ? someComponent().first : fresh("c");
        op.params["component"] = {{"id", id},
                                  {"jsx", "export default function Card() { return <div>" + fresh("v") + "</div>; }"},
                                  {"css", ".card { order: " + std::to_string(pick(0, 3)) + "; }"}};
        if (chance(50)) op.params["component"]["name"] = "Card" + std::to_string(pick(0, 2));
        op.makesCurrent = id;
      } else if (kind < 75 && hasComponents) {
        op.method = "components/restore";
        auto [id, latest] = someComponent();
        op.params["componentId"] = id;
        op.params["version"] = pick(1, latest);
        op.makesCurrent = id;
      } else if (kind < 85 && hasComponents) {
        op.method = "components/setCurrent";
        op.params["componentId"] = someComponent().first;
        op.makesCurrent = op.params["componentId"];
      } else if (kind < 92 && !chatted.contains(session) && !deleted.contains(session) &&
                 (known_.contains(session) || written.contains(session))) {
        op.method = "session/delete";
        op.makesCurrent = "";
        deleted.insert(session);
      } else {
        op = importOp();
      }
      written.insert(op.session);
      ops.push_back(std::move(op));
    }
    return ops;
  }

  Op importOp() {
    const std::string id = fresh("imp");
    const std::string at = "2026-11-25T08:40:00.123Z";
    auto component = [&](int version, const std::string& jsx) {
      return json{{"id", "ic" + id},  {"session_id", id}, {"name", "Imported"},
                  {"jsx", jsx},       {"css", ".x {}"},   {"version", version},
                  {"created_at", at}, {"updated_at", at}, {"metadata", json::object()}};
    };
    json document = {
        {"format", "aieditor.session"},
        {"schema_version", 1},
        {"session",
         {{"id", id},
          {"title", "Imported"},
          {"created_at", at},
          {"updated_at", at},
          {"current_component_id", "ic" + id}}},
        {"messages", json::array({{{"id", "im1"},
                                   {"session_id", id},
                                   {"role", "user"},
                                   {"content", "hello"},
                                   {"created_at", at},
                                   {"status", "complete"}},
                                  {{"id", "im2"},
                                   {"session_id", id},
                                   {"role", "assistant"},
                                   {"content", "hi"},
                                   {"created_at", at},
                                   {"status", "complete"}}})},
        {"interactions", json::array({{{"id", "ii1"},
                                       {"session_id", id},
                                       {"prompt", "hello"},
                                       {"response", "hi"},
                                       {"provider", "offline"},
                                       {"model", "offline-1"},
                                       {"status", "complete"},
                                       {"created_at", at},
                                       {"duration_ms", 3},
                                       {"metadata", json::object()}}})},
        {"components", json::array({component(1, "export default function Imported() { return <p/>; }"),
                                    component(2, "export default function Imported() { return <b/>; }")})}};
    Op op{id, "session/import", {{"sessionId", id}, {"document", document}}, "ic" + id};
    return op;
  }

  Expectations expect(const std::vector<Op>& ops) {
    Expectations e;
    for (const auto& [id, known] : known_) e.sessions.insert(id);
    for (const auto& op : ops) e.sessions.insert(op.session);
    for (const auto& session : e.sessions) {
      std::vector<const Op*> mine;
      for (const auto& op : ops)
        if (op.session == session) mine.push_back(&op);
      // At most one delete per session and round.
      std::size_t deleteAt = mine.size();
      for (std::size_t i = 0; i < mine.size(); ++i)
        if (mine[i]->method == "session/delete") deleteAt = i;
      const bool deleteAcked = deleteAt < mine.size() && mine[deleteAt]->result;
      auto settle = [&](const Record& record, bool beforeDelete) {
        if (!beforeDelete || deleteAt == mine.size())
          e.present.push_back(record);
        else if (deleteAcked)
          gone_.insert(record.name());
        else
          e.presentUnlessDeleted[session].push_back(record);
      };
      for (auto it = acked_.begin(); it != acked_.end();) {
        if (it->second.session != session) {
          ++it;
          continue;
        }
        settle(it->second, true);
        it = acked_.erase(it);
      }
      for (std::size_t i = 0; i < mine.size(); ++i)
        if (mine[i]->result)
          for (const auto& record : recordsOf(*mine[i])) settle(record, i < deleteAt);
      if (deleteAcked && deleteAt + 1 == mine.size()) e.absentSessions.insert(session);
      // Which component may be current: a chat's reply commits after the
      // writes sent behind it, so a chat leaves it open.
      bool chat = false;
      std::set<std::string> currents{known_.contains(session) ? known_[session].current : ""};
      for (const Op* op : mine) {
        if (op->method == "chat/send") chat = true;
        if (!op->makesCurrent) continue;
        if (op->result)
          currents = {*op->makesCurrent};
        else
          currents.insert(*op->makesCurrent);
      }
      if (!chat) e.currents[session] = currents;
    }
    return e;
  }

  void verify(ServerProcess& server, const Expectations& e) {
    std::map<std::string, std::optional<json>> documents;
    std::map<std::string, json> stored;  // by record name
    for (const auto& session : e.sessions) {
      auto document = exportOf(server, session);
      documents[session] = document;
      if (!document) continue;
      for (const std::string list : {"messages", "interactions", "components"})
        for (const auto& record : (*document)[list]) {
          Record r = recordOf(session, list, record);
          stored[r.name()] = r.fields;
        }
    }
    auto check = [&](const Record& record) {
      INFO("acknowledged " << record.name() << " " << record.fields.dump());
      REQUIRE(stored.contains(record.name()));
      CHECK(stored[record.name()] == record.fields);
    };
    for (const auto& record : e.present) {
      check(record);
      acked_[record.name()] = record;
    }
    for (const auto& [session, records] : e.presentUnlessDeleted) {
      const auto there =
          std::count_if(records.begin(), records.end(), [&](const Record& r) { return stored.contains(r.name()); });
      INFO("session " << session << ": " << there << " of " << records.size() << " records from before a delete");
      CHECK((there == 0 || there == static_cast<long>(records.size())));
      for (const auto& record : records) {
        if (there == 0) {
          gone_.insert(record.name());
          continue;
        }
        check(record);
        acked_[record.name()] = record;
      }
    }
    for (const auto& [name, fields] : stored) {
      INFO(name << " was deleted with an acknowledgement and came back");
      CHECK(!gone_.contains(name));
    }
    for (const auto& session : e.absentSessions) {
      INFO("session " << session << " was deleted with an acknowledgement");
      CHECK(!documents[session]);
    }
    known_.clear();
    for (const auto& [session, document] : documents) {
      if (!document) continue;
      Known& known = known_[session];
      known.current = (*document)["session"].value("current_component_id", "");
      for (const auto& version : (*document)["components"]) known.latestVersions[version["id"]] = version["version"];
      if (auto allowed = e.currents.find(session); allowed != e.currents.end()) {
        INFO("session " << session << " current component " << known.current);
        CHECK(allowed->second.contains(known.current));
      } else if (!known.current.empty()) {
        CHECK(known.latestVersions.contains(known.current));
      }
    }
  }

  std::mt19937 random_;
  std::string db_;
  long counter_ = 0;
  std::map<std::string, Known> known_;
  std::map<std::string, Record> acked_;  ///< by name: acknowledged and not deleted
  std::set<std::string> gone_;           ///< names deleted with an acknowledgement
  std::optional<Expectations> expected_;
};

}  // namespace

TEST_CASE("kill -9 at random points of a mixed workload loses no acknowledged write", "[kill]") {
  const unsigned seed = seedFrom("AIEDITOR_FAULT_SEED");
  const int rounds = countFrom("AIEDITOR_FAULT_ITERATIONS", 100, 4);
  TempDir dir;
  KillMatrix matrix(seed, dir.file("killed.db"));
  for (int round = 0; round < rounds; ++round) {
    INFO("AIEDITOR_FAULT_SEED=" << seed << ", round " << round << " of " << rounds);
    matrix.round();
  }
  INFO("AIEDITOR_FAULT_SEED=" << seed << ", the check after the last round");
  matrix.finish();
}
