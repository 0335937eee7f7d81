// The model-based test's comparison: what the server reads back for a
// session (session/open, components/list, components/history, the export)
// and session/list, against the model. Fields the server makes up (ids of
// its own records, timestamps) are taken from the server where the model
// learnt them, and otherwise left out.
#include "Model.h"
#include "ServerProcess.h"

#include <set>

namespace aieditor::test {

namespace {

/// `records` reduced to `fields`, in order.
json only(const json& records, const std::vector<std::string>& fields) {
  json out = json::array();
  for (const auto& record : records) {
    json kept = json::object();
    for (const auto& field : fields)
      if (record.contains(field)) kept[field] = record[field];
    out.push_back(kept);
  }
  return out;
}

std::string compare(const std::string& what, const json& server, const json& model) {
  if (server == model) return "";
  return what + " differs:\n    server: " + server.dump() + "\n    model:  " + model.dump();
}

/// A reply's result, or why there is none.
std::optional<json> resultOf(ServerProcess& server, const std::string& method, const json& params, std::string& why) {
  auto response = server.tryWaitResponse(server.send(method, params));
  if (!response)
    why = method + ": no response; the server ended or hung";
  else if (!response->contains("result"))
    why = method + " " + params.dump() + " failed: " + response->dump();
  else
    return (*response)["result"];
  return std::nullopt;
}

const std::vector<std::string> kMessageFields{"id", "role", "content", "status"};
const std::vector<std::string> kInteractionFields{"id", "prompt", "response", "provider", "model", "status"};
const std::vector<std::string> kComponentFields{"id", "name", "jsx", "css", "version"};

std::string compareSession(ServerProcess& server, const Model::Session& s, const std::string& id) {
  std::string why;
  json messages = json::array(), interactions = json::array(), latest = json::array(), all = json::array();
  for (const auto& m : s.messages) messages.push_back(m);
  for (const auto& i : s.interactions) interactions.push_back(i);
  for (const auto& componentId : s.componentOrder) {
    const auto& versions = s.versions.at(componentId);
    for (std::size_t v = 0; v < versions.size(); ++v) {
      json version = versions[v];
      version["id"] = componentId;
      version["version"] = v + 1;
      all.push_back(version);
      if (v + 1 == versions.size()) latest.push_back(version);
    }
  }
  auto exported = resultOf(server, "session/export", {{"sessionId", id}}, why);
  if (!exported) return why;
  const json& doc = (*exported)["document"];
  const json current = doc["session"].value("current_component_id", json());
  std::string d = compare("session/export " + id + ": the title", doc["session"]["title"], s.title);
  if (d.empty())
    d = compare("session/export " + id + ": the current component", current.is_null() ? json("") : current, s.current);
  if (d.empty())
    d = compare("session/export " + id + ": the messages", only(doc["messages"], kMessageFields), messages);
  if (d.empty())
    d = compare("session/export " + id + ": the interactions", only(doc["interactions"], kInteractionFields),
                interactions);
  if (d.empty())
    d = compare("session/export " + id + ": the component versions", only(doc["components"], kComponentFields), all);
  if (!d.empty()) return d;

  auto opened = resultOf(server, "session/open", {{"sessionId", id}, {"limit", 1000}}, why);
  if (!opened) return why;
  const json& o = *opened;
  d = compare("session/open " + id + ": the messages", only(o["messages"], kMessageFields), messages);
  if (d.empty())
    d = compare("session/open " + id + ": the components", only(o["components"], kComponentFields), latest);
  if (d.empty())
    d = compare("session/open " + id + ": the current component",
                o["currentComponentId"].is_null() ? json("") : o["currentComponentId"], s.current);
  if (d.empty()) d = compare("session/open " + id + ": the title", o["session"]["title"], s.title);
  if (d.empty()) d = compare("session/open " + id + ": the save state", o["status"]["state"], "saved");
  if (d.empty()) d = compare("session/open " + id + ": the chat state", o["chatState"]["state"], "idle");
  if (!d.empty()) return d;

  auto listed = resultOf(server, "components/list", {{"sessionId", id}}, why);
  if (!listed) return why;
  return compare("components/list " + id, only((*listed)["components"], kComponentFields), latest);
}

}  // namespace

std::string compareWithServer(ServerProcess& server, const Model& model, const std::string& sessionId) {
  const auto found = model.sessions().find(sessionId);
  if (found == model.sessions().end()) {
    auto response = server.tryWaitResponse(server.send("session/export", {{"sessionId", sessionId}}));
    if (!response) return "session/export: no response; the server ended or hung";
    if (response->contains("result")) return "session " + sessionId + " exists on the server, not in the model";
  } else if (auto d = compareSession(server, found->second, sessionId); !d.empty()) {
    return d;
  }
  // Every session once, paging two at a time, most recently updated first.
  json listed = json::object();
  std::optional<std::string> cursor;
  std::string previousUpdate, why;
  do {
    json params = {{"limit", 2}};
    if (cursor) params["cursor"] = *cursor;
    auto page = resultOf(server, "session/list", params, why);
    if (!page) return why;
    for (const auto& s : (*page)["sessions"]) {
      const std::string id = s["id"];
      if (listed.contains(id)) return "session/list pages list " + id + " twice";
      if (!previousUpdate.empty() && s["updatedAt"].get<std::string>() > previousUpdate)
        return "session/list is out of order at " + id;
      previousUpdate = s["updatedAt"];
      listed[id] = {
          {"title", s["title"]}, {"messageCount", s["messageCount"]}, {"componentCount", s["componentCount"]}};
    }
    cursor = (*page).contains("nextCursor") ? std::optional<std::string>((*page)["nextCursor"]) : std::nullopt;
  } while (cursor);
  json expected = json::object();
  for (const auto& [id, s] : model.sessions())
    expected[id] = {
        {"title", s.title}, {"messageCount", s.messages.size()}, {"componentCount", s.componentOrder.size()}};
  return compare("session/list", listed, expected);
}

}  // namespace aieditor::test
