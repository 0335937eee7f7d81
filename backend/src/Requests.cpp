#include "Requests.h"

#include <nlohmann/json.hpp>

#include "common/Ids.h"

namespace aieditor::backend {

using nlohmann::json;

namespace {

ApiError invalid(std::string message) { return ApiError{400, "invalid_request", std::move(message)}; }

template <class T>
Parsed<Incoming<T>> readRecord(json body, const std::string& sessionId, const char* what, const json& defaults) {
  if (!body.is_object()) return std::unexpected(invalid(std::string(what) + ": must be a JSON object"));
  if (!body.contains("id")) body["id"] = server::newId();
  if (!body.contains("session_id")) body["session_id"] = sessionId;
  Incoming<T> in;
  in.createdAtGiven = body.contains("created_at");
  if (!in.createdAtGiven) body["created_at"] = protocol::formatTimestamp(server::now());
  for (const auto& [key, value] : defaults.items())
    if (!body.contains(key)) body[key] = value;
  if (auto parsed = protocol::fromBackendJSON(body, in.record, what); !parsed)
    return std::unexpected(invalid(parsed.error().message()));
  if (in.record.sessionId != sessionId)
    return std::unexpected(
        invalid(std::string(what) + ".session_id: must equal the session it is written to (\"" + sessionId + "\")"));
  return in;
}

template <class T>
Parsed<Write> asWrite(Parsed<T> parsed) {
  if (!parsed) return std::unexpected(parsed.error());
  return Write{std::move(*parsed)};
}

}  // namespace

Parsed<std::string> readSessionId(const std::string& id, const std::string& field) {
  if (!protocol::isValidSessionId(id))
    return std::unexpected(invalid(field + ": must be 1-128 characters from [A-Za-z0-9._:-]"));
  return id;
}

Parsed<Incoming<Message>> readMessage(json body, const std::string& sessionId) {
  return readRecord<Message>(std::move(body), sessionId, "message", {{"status", "complete"}});
}

Parsed<Incoming<Interaction>> readInteraction(json body, const std::string& sessionId) {
  return readRecord<Interaction>(std::move(body), sessionId, "interaction",
                                 {{"status", "complete"}, {"response", ""}, {"duration_ms", 0}});
}

Parsed<ComponentEdit> readComponentEdit(json body, const std::string& sessionId) {
  if (!body.is_object()) return std::unexpected(invalid("component: must be a JSON object"));
  ComponentEdit edit;
  if (body.contains("base_version")) {
    const json& base = body["base_version"];
    if (!base.is_number_integer() || base.get<std::int64_t>() < 1)
      return std::unexpected(invalid("component.base_version: must be an integer from 1"));
    edit.baseVersion = base.get<std::int64_t>();
    body.erase("base_version");
  }
  // The server assigns version and times; what the client sent for them is ignored.
  const auto at = protocol::formatTimestamp(server::now());
  if (!body.contains("id")) body["id"] = server::newId();
  if (!body.contains("session_id")) body["session_id"] = sessionId;
  body["version"] = 1;
  body["created_at"] = at;
  body["updated_at"] = at;
  if (auto parsed = protocol::fromBackendJSON(body, edit.component, "component"); !parsed)
    return std::unexpected(invalid(parsed.error().message()));
  if (edit.component.sessionId != sessionId)
    return std::unexpected(
        invalid("component.session_id: must equal the session it is written to (\"" + sessionId + "\")"));
  return edit;
}

Parsed<SetCurrentComponent> readCurrentComponent(const json& body, const std::string& sessionId) {
  const auto id = body.is_object() ? body.find("component_id") : body.end();
  if (id == body.end() || !id->is_string() || !protocol::isValidSessionId(id->get<std::string>()))
    return std::unexpected(invalid("component_id: must be a string of 1-128 characters from [A-Za-z0-9._:-]"));
  return SetCurrentComponent{sessionId, id->get<std::string>()};
}

Parsed<Write> readWrite(const json& item, const std::string& field) {
  auto prefixed = [&field](Parsed<Write> write) -> Parsed<Write> {
    if (!write) write.error().message = field + ": " + write.error().message;
    return write;
  };
  if (!item.is_object()) return prefixed(std::unexpected(invalid("must be an object {kind, session_id, record}")));
  const auto kind = item.find("kind");
  const auto session = item.find("session_id");
  if (session == item.end() || !session->is_string())
    return prefixed(std::unexpected(invalid("session_id: must be a string")));
  auto sessionId = readSessionId(session->get<std::string>(), "session_id");
  if (!sessionId) return prefixed(std::unexpected(sessionId.error()));
  const json record = item.contains("record") ? item["record"] : json();
  const std::string name = kind != item.end() && kind->is_string() ? kind->get<std::string>() : "";
  if (name == "message") return prefixed(asWrite(readMessage(record, *sessionId)));
  if (name == "interaction") return prefixed(asWrite(readInteraction(record, *sessionId)));
  if (name == "component") return prefixed(asWrite(readComponentEdit(record, *sessionId)));
  if (name == "current_component") return prefixed(asWrite(readCurrentComponent(record, *sessionId)));
  if (name == "session_deleted") return Write{DeleteSession{*sessionId}};
  return prefixed(std::unexpected(
      invalid("kind: expected one of message, interaction, component, current_component, session_deleted")));
}

}  // namespace aieditor::backend
