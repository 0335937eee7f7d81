#include "Model.h"

#include <regex>
#include <sstream>

namespace aieditor::test {

namespace {

struct Weighted {
  const char* method;
  int weight;
};
constexpr Weighted kMethods[] = {
    {"messages/add", 20},      {"interactions/add", 8},       {"chat/send", 10},        {"components/save", 15},
    {"components/restore", 8}, {"components/setCurrent", 8},  {"session/delete", 5},    {"session/import", 5},
    {"session/open", 5},       {"session/list", 3},           {"messages/list", 6},     {"components/list", 3},
    {"components/history", 4}, {"session/export", 2},         {"components/delete", 4}, {"session/close", 2},
    {"messages/add again", 4}, {"interactions/add again", 2}, {"interactions/list", 4}, {"components/get", 5},
};
constexpr int kSessions = 3;

const char* const kContents[] = {"hello", "  A card\nwith two lines", "x", "é unicode ✓ and \"quotes\""};
const char* const kRoles[] = {"user", "assistant", "system"};
const char* const kPrompts[] = {"A pricing card", "make it purple", "A login form with a remember-me box",
                                "add a footer to it"};
const char* const kJsx[] = {"export default function Card() { return <div>1</div>; }",
                            "export default function Card() { return <div>2</div>; }",
                            "export default function Panel() { return <p/>; }"};
const char* const kCss[] = {"", ".card { color: red; }"};

/// The session title the server derives from a user message: its first non-blank line, trimmed.
std::string titleFrom(const std::string& content) {
  std::string line = content.substr(content.find_first_not_of(" \t\r\n\f\v"));
  line = line.substr(0, line.find('\n'));
  return line.substr(0, line.find_last_not_of(" \t\r\n\f\v") + 1);
}

std::string nameFromJsx(const std::string& jsx) {
  std::smatch match;
  return std::regex_search(jsx, match, std::regex(R"(function\s+([A-Za-z_]\w*))")) ? match[1].str() : "Component";
}

/// "" when `reply` has every field of `expected` with the same value.
std::string differs(const std::string& what, const json& expected, const json& reply) {
  for (const auto& [key, value] : expected.items())
    if (!reply.contains(key) || reply[key] != value)
      return what + ": " + key + " is " + (reply.contains(key) ? reply[key].dump() : "absent") + ", the model says " +
             value.dump();
  return "";
}

}  // namespace

Step Step::random(std::mt19937& random) {
  int total = 0;
  for (const auto& m : kMethods) total += m.weight;
  int roll = std::uniform_int_distribution<int>(0, total - 1)(random);
  Step step;
  for (const auto& m : kMethods) {
    if (roll < m.weight) {
      step.method = m.method;
      break;
    }
    roll -= m.weight;
  }
  step.session = std::uniform_int_distribution<int>(0, kSessions - 1)(random);
  step.pick = std::uniform_int_distribution<int>(0, 1000)(random);
  step.variant = std::uniform_int_distribution<int>(0, 1000)(random);
  return step;
}

std::string Model::sessionName(int index) { return "s" + std::to_string(index); }

std::string Model::sessionOf(const Call& call) { return call.params.value("sessionId", ""); }

Call Model::resolve(const Step& step, int counter, const std::optional<json>& sourceExport) const {
  const std::string id = sessionName(step.session);
  const auto found = sessions_.find(id);
  const Session* s = found == sessions_.end() ? nullptr : &found->second;
  const bool hasComponents = s && !s->componentOrder.empty();
  const std::string component =
      hasComponents ? s->componentOrder[static_cast<std::size_t>(step.pick) % s->componentOrder.size()] : "nope";
  const std::string fresh = std::to_string(counter);
  Call call{step.method, {{"sessionId", id}}};
  json& p = call.params;
  const int v = step.variant;
  if (step.method == "messages/add") {
    p["message"] = {{"id", "m" + fresh}, {"role", kRoles[v % 3]}, {"content", kContents[v % 4]}};
  } else if (step.method == "interactions/add") {
    p["interaction"] = {{"id", "i" + fresh},
                        {"prompt", "p" + std::to_string(v)},
                        {"response", "r"},
                        {"provider", "openai"},
                        {"model", "gpt-4o"}};
  } else if (step.method == "chat/send") {
    p["text"] = kPrompts[v % 4];
    if (v % 5 == 4)
      p["newComponent"] = true;
    else if (v % 7 == 6 && hasComponents)
      p["componentId"] = component;
  } else if (step.method == "components/save") {
    p["component"] = {{"id", hasComponents && step.pick % 2 == 0 ? component : "c" + fresh},
                      {"jsx", kJsx[v % 3]},
                      {"css", kCss[(v / 3) % 2]}};
    if ((v / 6) % 2 == 1) p["component"]["name"] = "Named";
  } else if (step.method == "components/restore") {
    const int versions = hasComponents ? static_cast<int>(s->versions.at(component).size()) : 0;
    p["componentId"] = component;
    p["version"] = v % (versions + 1) + 1;  // one past the last: refused
    call.expectOk = p["version"] <= versions;
  } else if (step.method == "components/setCurrent") {
    p["componentId"] = component;
    call.expectOk = hasComponents;
  } else if (step.method == "session/delete") {
    call.expectOk = s != nullptr;
  } else if (step.method == "session/import") {
    const std::string source = sessionName(step.pick % kSessions);
    if (!sourceExport || !sessions_.contains(source)) return {step.method, {}, true, true};
    // Into a session that exists: refused, never overwritten. Without a
    // sessionId the document's own id is taken, or one made from it.
    const std::string target = v % 4 == 0 && s ? id : "imp" + fresh;
    call.params = {{"sessionId", target}, {"document", *sourceExport}};
    if (v % 4 == 1) call.params.erase("sessionId");
    call.expectOk = !sessions_.contains(target) || v % 4 == 1;
  } else if (step.method == "session/open") {
    p["limit"] = 1000;
  } else if (step.method == "session/list") {
    call.params = {{"limit", v % 3 + 1}};
  } else if (step.method == "messages/list" || step.method == "interactions/list") {
    const auto* records = !s ? nullptr : step.method == "messages/list" ? &s->messages : &s->interactions;
    if (!records)
      call.skip = true;
    else {
      p["limit"] = v % 3 + 1;
      if (step.pick % 2 && !records->empty())
        p["before"] = (*records)[static_cast<std::size_t>(step.pick) % records->size()]["id"];
    }
  } else if (step.method == "components/get") {
    // The current component's latest version, or a given one's, or one of its versions.
    if (!s) return {step.method, {}, true, true};
    if (v % 3 != 0) p["componentId"] = component;
    if (v % 3 == 2 && hasComponents)
      p["version"] = step.pick % static_cast<int>(s->versions.at(component).size() + 1) + 1;
    call.expectOk = v % 3 == 0 ? !s->current.empty()
                               : hasComponents && (!p.contains("version") ||
                                                   p["version"] <= static_cast<int>(s->versions.at(component).size()));
  } else if (step.method == "components/history") {
    p["componentId"] = component;
    call.expectOk = hasComponents;
  } else if (step.method == "components/list" || step.method == "session/export") {
    call.skip = !s;
  } else if (step.method == "components/delete") {
    p["componentId"] = component;
    call.expectOk = hasComponents;
  } else if (step.method == "messages/add again" || step.method == "interactions/add again") {
    // The same id again, with other content: one record, the first one, is kept and returned.
    const bool messages = step.method == "messages/add again";
    const auto& records = !s ? std::vector<json>{} : messages ? s->messages : s->interactions;
    if (records.empty()) return {step.method, {}, true, true};
    const std::string again = records[static_cast<std::size_t>(step.pick) % records.size()]["id"];
    call.method = messages ? "messages/add" : "interactions/add";
    if (messages)
      p["message"] = {{"id", again}, {"role", kRoles[v % 3]}, {"content", "again"}};
    else
      p["interaction"] = {{"id", again}, {"prompt", "again"}, {"provider", "anthropic"}, {"model", "m"}};
    p["again"] = true;  // read by apply(), removed before sending
  }
  return call;
}

Model::Session& Model::create(const std::string& id) { return sessions_[id]; }

void Model::addMessage(Session& s, json message) {
  if (message["role"] == "user" && s.title.empty()) s.title = titleFrom(message["content"]);
  s.messages.push_back(std::move(message));
}

std::string Model::saveVersion(Session& s, const std::string& id, const std::optional<std::string>& name,
                               const std::string& jsx, const std::string& css, const json& reply) {
  auto& versions = s.versions[id];
  const bool isNew = versions.empty();
  json version = {{"name", name    ? *name
                           : isNew ? nameFromJsx(jsx)
                                   : versions.back()["name"].get<std::string>()},
                  {"jsx", jsx},
                  {"css", css}};
  if (isNew) s.componentOrder.push_back(id);
  if (isNew || versions.back() != version) versions.push_back(version);
  s.current = id;
  version["id"] = id;
  version["version"] = versions.size();
  return differs("the saved component", version, reply);
}

std::string Model::apply(const Call& call, const json& result) {
  const std::string id = sessionOf(call);
  const json& p = call.params;
  const std::string& m = call.method;
  if (p.contains("again")) {
    const bool messages = m == "messages/add";
    const auto& records = messages ? sessions_.at(id).messages : sessions_.at(id).interactions;
    const auto first = std::find_if(records.begin(), records.end(), [&](const json& r) {
      return r["id"] == p[messages ? "message" : "interaction"]["id"];
    });
    return differs(m + " of an id stored before", *first, result[messages ? "message" : "interaction"]);
  }
  if (m == "messages/add") {
    json message = p["message"];
    message["status"] = "complete";
    addMessage(create(id), message);
    return differs("messages/add's reply", message, result["message"]);
  }
  if (m == "interactions/add") {
    json interaction = p["interaction"];
    interaction["status"] = "complete";
    create(id).interactions.push_back(interaction);
    return differs("interactions/add's reply", interaction, result["interaction"]);
  }
  if (m == "chat/send") {
    Session& s = create(id);
    json user = {{"role", "user"}, {"content", p["text"]}, {"status", "complete"}};
    if (auto d = differs("chat/send's userMessage", user, result["userMessage"]); !d.empty()) return d;
    if (auto d = differs("chat/send's assistantMessage", {{"role", "assistant"}, {"status", "complete"}},
                         result["assistantMessage"]);
        !d.empty())
      return d;
    user["id"] = result["userMessage"]["id"];
    addMessage(s, user);
    const json& assistant = result["assistantMessage"];
    addMessage(
        s, {{"id", assistant["id"]}, {"role", "assistant"}, {"content", assistant["content"]}, {"status", "complete"}});
    const json& i = result["interaction"];
    s.interactions.push_back({{"id", i["id"]},
                              {"prompt", i["prompt"]},
                              {"response", i["response"]},
                              {"provider", i["provider"]},
                              {"model", i["model"]},
                              {"status", "complete"}});
    if (!result.contains("component")) return "";
    const json& c = result["component"];
    const std::string componentId = c["id"];
    const bool known = s.versions.contains(componentId);
    if (p.contains("componentId") && componentId != p["componentId"])
      return "chat/send with componentId " + p["componentId"].dump() + " changed " + componentId;
    if (p.value("newComponent", false) && known) return "chat/send with newComponent changed " + componentId;
    return saveVersion(s, componentId, c["name"].get<std::string>(), c["jsx"], c["css"], c);
  }
  if (m == "components/save") {
    const json& c = p["component"];
    std::optional<std::string> name;
    if (c.contains("name")) name = c["name"];
    return saveVersion(create(id), c["id"], name, c["jsx"], c["css"], result["component"]);
  }
  if (m == "components/restore") {
    Session& s = sessions_.at(id);
    const json old = s.versions.at(p["componentId"])[p["version"].get<std::size_t>() - 1];
    return saveVersion(s, p["componentId"], old["name"].get<std::string>(), old["jsx"], old["css"],
                       result["component"]);
  }
  if (m == "components/setCurrent") {
    sessions_.at(id).current = p["componentId"];
    return differs("components/setCurrent's reply", {{"currentComponentId", p["componentId"]}}, result);
  }
  if (m == "session/delete") {
    sessions_.erase(id);
    return differs("session/delete's reply", {{"sessionId", id}, {"deleted", true}}, result);
  }
  if (m == "session/import") {
    const std::string source = p["document"]["session"]["id"];
    const std::string target = result["sessionId"];
    if (p.contains("sessionId") && target != p["sessionId"]) return "session/import's reply names " + target;
    if (!p.contains("sessionId") && (sessions_.contains(target) || !target.starts_with(source + "-")))
      return "session/import without a sessionId, of " + source + " which exists, chose " + target;
    sessions_[target] = sessions_.at(source);
    return "";
  }
  if (m == "components/delete") {
    Session& s = sessions_.at(id);
    const std::string componentId = p["componentId"];
    s.versions.erase(componentId);
    std::erase(s.componentOrder, componentId);
    if (s.current == componentId) s.current = "";
    return differs("components/delete's reply", {{"componentId", componentId}, {"deleted", true}}, result);
  }
  if (m == "session/open") {
    create(id);
    return "";
  }
  if (m == "messages/list" || m == "interactions/list") {
    const bool messages = m == "messages/list";
    const auto& all = messages ? sessions_.at(id).messages : sessions_.at(id).interactions;
    std::size_t end = all.size();
    if (p.contains("before"))
      end = static_cast<std::size_t>(
          std::find_if(all.begin(), all.end(), [&](const json& x) { return x["id"] == p["before"]; }) - all.begin());
    const std::size_t limit = p["limit"];
    const std::size_t begin = end > limit ? end - limit : 0;
    json ids = json::array(), got = json::array();
    for (std::size_t i = begin; i < end; ++i) ids.push_back(all[i]["id"]);
    for (const auto& x : result[messages ? "messages" : "interactions"]) got.push_back(x["id"]);
    if (got != ids) return m + " returned " + got.dump() + ", the model says " + ids.dump();
    if (result["hasMore"] != (begin > 0)) return m + "'s hasMore is " + result["hasMore"].dump();
    return "";
  }
  if (m == "components/get") {
    const Session& s = sessions_.at(id);
    const std::string componentId = p.value("componentId", s.current);
    const auto& versions = s.versions.at(componentId);
    const std::size_t version = p.value("version", static_cast<int>(versions.size()));
    json expected = versions[version - 1];
    expected["id"] = componentId;
    expected["version"] = version;
    return differs("components/get", expected, result["component"]);
  }
  if (m == "components/history") {
    const auto& versions = sessions_.at(id).versions.at(p["componentId"]);
    if (result["versions"].size() != versions.size())
      return "components/history has " + std::to_string(result["versions"].size()) + " versions, the model " +
             std::to_string(versions.size());
    for (std::size_t i = 0; i < versions.size(); ++i)
      if (auto d = differs("components/history's version " + std::to_string(i + 1), versions[i], result["versions"][i]);
          !d.empty())
        return d;
    return "";
  }
  if (m == "session/list") {
    const std::size_t expected = std::min(p["limit"].get<std::size_t>(), sessions_.size());
    if (result["sessions"].size() != expected)
      return "session/list's first page has " + std::to_string(result["sessions"].size()) + " sessions, the model " +
             std::to_string(expected);
    if (result.contains("nextCursor") != (sessions_.size() > expected)) return "session/list's nextCursor is wrong";
  }
  return "";  // components/list and session/export: the check after every step compares them
}

}  // namespace aieditor::test
