#include "aieditor/protocol/Protocol.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "Fields.h"
#include "aieditor/protocol/JsonText.h"

namespace aieditor::protocol {

using detail::checkBase64;
using detail::checkMimeType;
using detail::checkNotBlank;
using detail::checkRecordId;
using detail::checkSessionId;
using detail::decodeArray;
using detail::Fields;
using detail::keyFor;
using detail::Naming;
using detail::Problem;

namespace {

/// Records given whole (exports, converters) or as the body of an add, where
/// the server fills in what is left out (id, createdAt, status, ...).
enum class Form { Record, Add };

/// The earliest and latest instants RFC 3339 can spell (years 0000-9999).
constexpr Timestamp kMinTimestamp = -62167219200000;
constexpr Timestamp kMaxTimestamp = 253402300799999;

std::string str(std::string_view text) { return std::string(text); }

/// Metadata is kept as compact text; on the wire it is the object itself.
json metadataJSON(const std::string& text) {
  json value;
  const bool read = !readJson(text, value);
  return read && value.is_object() ? value : json::object();
}

template <class T, class Write>
json arrayOf(const std::vector<T>& items, Write write) {
  json out = json::array();
  for (const T& item : items) out.push_back(write(item));
  return out;
}

// ---- Records, written once for both namings ---------------------------------

json imageJSON(const Image& image, Naming n) {
  return json{{keyFor(n, "mimeType"), image.mimeType}, {"data", image.data}};
}

Parsed readImage(const json& value, Image& out, const std::string& path, Naming n) {
  Image image;
  Fields f(value, path, n);
  f.required("mimeType", image.mimeType, checkMimeType).required("data", image.data, checkBase64);
  if (f.ok()) out = std::move(image);
  return f.result();
}

json usageJSON(const Usage& usage, Naming n) {
  return json{{keyFor(n, "inputTokens"), usage.inputTokens}, {keyFor(n, "outputTokens"), usage.outputTokens}};
}

Parsed readUsage(const json& value, Usage& out, const std::string& path, Naming n) {
  Usage usage;
  Fields f(value, path, n);
  f.integer("inputTokens", usage.inputTokens, 0, INT64_MAX, true)
      .integer("outputTokens", usage.outputTokens, 0, INT64_MAX, true);
  if (f.ok()) out = usage;
  return f.result();
}

json messageJSON(const Message& m, Naming n) {
  json j = json::object();
  j["id"] = m.id;
  j[keyFor(n, "sessionId")] = m.sessionId;
  j["role"] = str(toString(m.role));
  j["content"] = m.content;
  if (!m.images.empty()) j["images"] = arrayOf(m.images, [n](const Image& i) { return imageJSON(i, n); });
  j[keyFor(n, "createdAt")] = formatTimestamp(m.createdAt);
  j["status"] = str(toString(m.status));
  if (m.interactionId) j[keyFor(n, "interactionId")] = *m.interactionId;
  if (m.componentId) j[keyFor(n, "componentId")] = *m.componentId;
  return j;
}

Parsed readMessage(const json& value, Message& out, const std::string& path, Naming n, Form form) {
  const bool whole = form == Form::Record;
  Message m;
  Fields f(value, path, n);
  if (whole)
    f.required("id", m.id, checkRecordId).required("sessionId", m.sessionId, checkSessionId);
  else
    f.optional("id", m.id, checkRecordId).optional("sessionId", m.sessionId, checkSessionId);
  f.required("role", m.role)
      .required("content", m.content)
      .with("images", false,
            [&](const json& images, const std::string& at) {
              return decodeArray(
                  images, m.images, at,
                  [n](const json& e, Image& i, const std::string& p) { return readImage(e, i, p, n); },
                  detail::kMaxImages);
            })
      .timestamp("createdAt", m.createdAt, whole);
  if (whole)
    f.required("status", m.status);
  else
    f.optional("status", m.status);
  f.optional("interactionId", m.interactionId, checkRecordId).optional("componentId", m.componentId, checkRecordId);
  if (f.ok()) out = std::move(m);
  return f.result();
}

json interactionJSON(const Interaction& it, Naming n) {
  json j = json::object();
  j["id"] = it.id;
  j[keyFor(n, "sessionId")] = it.sessionId;
  j["prompt"] = it.prompt;
  j["response"] = it.response;
  j["provider"] = it.provider;
  j["model"] = it.model;
  j["status"] = str(toString(it.status));
  j[keyFor(n, "createdAt")] = formatTimestamp(it.createdAt);
  j[keyFor(n, "durationMs")] = it.durationMs;
  if (it.usage) j["usage"] = usageJSON(*it.usage, n);
  if (it.error) j["error"] = *it.error;
  j["metadata"] = metadataJSON(it.metadata);
  return j;
}

Parsed readInteraction(const json& value, Interaction& out, const std::string& path, Naming n, Form form) {
  const bool whole = form == Form::Record;
  Interaction it;
  Fields f(value, path, n);
  if (whole)
    f.required("id", it.id, checkRecordId).required("sessionId", it.sessionId, checkSessionId);
  else
    f.optional("id", it.id, checkRecordId).optional("sessionId", it.sessionId, checkSessionId);
  f.required("prompt", it.prompt);
  if (whole)
    f.required("response", it.response);
  else
    f.optional("response", it.response);
  f.required("provider", it.provider, checkNotBlank).required("model", it.model);
  if (whole)
    f.required("status", it.status);
  else
    f.optional("status", it.status);
  f.timestamp("createdAt", it.createdAt, whole)
      .integer("durationMs", it.durationMs, 0, INT64_MAX, whole)
      .with("usage", false,
            [&](const json& usage, const std::string& at) {
              Usage u;
              auto r = readUsage(usage, u, at, n);
              if (r) it.usage = u;
              return r;
            })
      .optional("error", it.error)
      .metadata("metadata", it.metadata);
  if (f.ok()) out = std::move(it);
  return f.result();
}

json componentJSON(const Component& c, Naming n) {
  json j = json::object();
  j["id"] = c.id;
  j[keyFor(n, "sessionId")] = c.sessionId;
  j["name"] = c.name;
  j["jsx"] = c.jsx;
  j["css"] = c.css;
  j["version"] = c.version;
  j[keyFor(n, "createdAt")] = formatTimestamp(c.createdAt);
  j[keyFor(n, "updatedAt")] = formatTimestamp(c.updatedAt);
  j["metadata"] = metadataJSON(c.metadata);
  return j;
}

Parsed readComponent(const json& value, Component& out, const std::string& path, Naming n) {
  Component c;
  Fields f(value, path, n);
  f.required("id", c.id, checkRecordId)
      .required("sessionId", c.sessionId, checkSessionId)
      .required("name", c.name)
      .required("jsx", c.jsx)
      .required("css", c.css)
      .integer("version", c.version, 1, INT64_MAX, true)
      .timestamp("createdAt", c.createdAt)
      .timestamp("updatedAt", c.updatedAt)
      .metadata("metadata", c.metadata);
  if (f.ok()) out = std::move(c);
  return f.result();
}

json sessionJSON(const Session& s, Naming n) {
  return json{{"id", s.id},
              {"title", s.title},
              {keyFor(n, "createdAt"), formatTimestamp(s.createdAt)},
              {keyFor(n, "updatedAt"), formatTimestamp(s.updatedAt)}};
}

/// Parses one format and writes the other: the body of the six converters.
template <class T, class Read, class Write>
std::expected<json, FieldError> convert(const json& input, const std::string& path, Read read, Write write) {
  try {
    T record;
    if (auto parsed = read(input, record, path); !parsed) return std::unexpected(parsed.error());
    return write(record);
  } catch (const std::exception& e) {
    // Defensive: the readers check types before reading, so this is a bug.
    return std::unexpected(FieldError{path, std::string("could not be converted: ") + e.what()});
  }
}

}  // namespace

// ---- Scalars ------------------------------------------------------------------

std::string formatTimestamp(Timestamp ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds{std::clamp(ms, kMinTimestamp, kMaxTimestamp)}};
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{time - day};
  // Digit by digit into fixed places: every message and status carries a
  // time, and snprintf's format parsing was a visible share of a reply's CPU.
  std::string text = "0000-00-00T00:00:00.000Z";
  const auto put = [&text](std::size_t at, std::size_t width, long long value) {
    for (std::size_t i = at + width; i > at; value /= 10) text[--i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, static_cast<int>(date.year()));
  put(5, 2, static_cast<unsigned>(date.month()));
  put(8, 2, static_cast<unsigned>(date.day()));
  put(11, 2, clock.hours().count());
  put(14, 2, clock.minutes().count());
  put(17, 2, clock.seconds().count());
  put(20, 3, clock.subseconds().count());
  return text;
}

// RFC 3339: YYYY-MM-DD"T"hh:mm:ss[.fraction]("Z" / ("+" / "-") hh:mm). "T"
// and "Z" may be lower case; digits past milliseconds are truncated; a leap
// second (:60) is read as the first second of the next minute.
std::optional<Timestamp> parseTimestamp(std::string_view text) {
  std::size_t at = 0;
  auto number = [&](int width, int& out) {
    if (at + static_cast<std::size_t>(width) > text.size()) return false;
    int value = 0;
    for (int i = 0; i < width; ++i) {
      char c = text[at + static_cast<std::size_t>(i)];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    at += static_cast<std::size_t>(width);
    out = value;
    return true;
  };
  auto literal = [&](char lower, char upper) {
    if (at < text.size() && (text[at] == lower || text[at] == upper)) {
      ++at;
      return true;
    }
    return false;
  };

  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(4, year) || !literal('-', '-') || !number(2, month) || !literal('-', '-') || !number(2, day) ||
      !literal('t', 'T') || !number(2, hour) || !literal(':', ':') || !number(2, minute) || !literal(':', ':') ||
      !number(2, second))
    return std::nullopt;
  int millis = 0;
  if (literal('.', '.')) {
    const std::size_t start = at;
    for (int scale = 100; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10)
      millis += (text[at] - '0') * scale;
    if (at == start) return std::nullopt;
  }
  int offsetMinutes = 0;
  if (!literal('z', 'Z')) {
    if (at >= text.size() || (text[at] != '+' && text[at] != '-')) return std::nullopt;
    const int sign = text[at++] == '-' ? -1 : 1;
    int hours = 0, minutes = 0;
    if (!number(2, hours) || !literal(':', ':') || !number(2, minutes) || hours > 23 || minutes > 59)
      return std::nullopt;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  if (at != text.size() || hour > 23 || minute > 59 || second > 60) return std::nullopt;

  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = sys_days{date}.time_since_epoch().count();
  const std::int64_t seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second;
  return seconds * 1000 + millis;
}

bool isValidSessionId(std::string_view id) { return detail::isValidRecordId(id); }

std::string_view toString(Role role) {
  switch (role) {
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
    case Role::System: return "system";
  }
  return "user";
}

std::string_view toString(RecordStatus status) {
  switch (status) {
    case RecordStatus::Complete: return "complete";
    case RecordStatus::Streaming: return "streaming";
    case RecordStatus::Interrupted: return "interrupted";
    case RecordStatus::Failed: return "failed";
  }
  return "complete";
}

std::string_view toString(SaveState state) {
  switch (state) {
    case SaveState::NotSaved: return "notSaved";
    case SaveState::Saving: return "saving";
    case SaveState::Saved: return "saved";
    case SaveState::Failed: return "failed";
  }
  return "notSaved";
}

// ---- Records ------------------------------------------------------------------

json toJSON(const Image& image) { return imageJSON(image, Naming::Camel); }
Parsed fromJSON(const json& value, Image& out, const std::string& path) {
  return readImage(value, out, path, Naming::Camel);
}

json toJSON(const Usage& usage) { return usageJSON(usage, Naming::Camel); }
Parsed fromJSON(const json& value, Usage& out, const std::string& path) {
  return readUsage(value, out, path, Naming::Camel);
}

json toJSON(const Message& m) { return messageJSON(m, Naming::Camel); }
Parsed fromJSON(const json& value, Message& out, const std::string& path) {
  return readMessage(value, out, path, Naming::Camel, Form::Record);
}
json toBackendJSON(const Message& m) { return messageJSON(m, Naming::Snake); }
Parsed fromBackendJSON(const json& value, Message& out, const std::string& path) {
  return readMessage(value, out, path, Naming::Snake, Form::Record);
}

json toJSON(const Interaction& it) { return interactionJSON(it, Naming::Camel); }
Parsed fromJSON(const json& value, Interaction& out, const std::string& path) {
  return readInteraction(value, out, path, Naming::Camel, Form::Record);
}
json toBackendJSON(const Interaction& it) { return interactionJSON(it, Naming::Snake); }
Parsed fromBackendJSON(const json& value, Interaction& out, const std::string& path) {
  return readInteraction(value, out, path, Naming::Snake, Form::Record);
}

json toJSON(const Component& c) { return componentJSON(c, Naming::Camel); }
Parsed fromJSON(const json& value, Component& out, const std::string& path) {
  return readComponent(value, out, path, Naming::Camel);
}
json toBackendJSON(const Component& c) { return componentJSON(c, Naming::Snake); }
Parsed fromBackendJSON(const json& value, Component& out, const std::string& path) {
  return readComponent(value, out, path, Naming::Snake);
}

// ---- The six converters ---------------------------------------------------------

std::expected<json, FieldError> messageToBackend(const json& frontend) {
  return convert<Message>(
      frontend, "message",
      [](const json& v, Message& m, const std::string& p) { return fromJSON(v, m, p); },
      [](const Message& m) { return toBackendJSON(m); });
}
std::expected<json, FieldError> messageToFrontend(const json& backend) {
  return convert<Message>(
      backend, "message",
      [](const json& v, Message& m, const std::string& p) { return fromBackendJSON(v, m, p); },
      [](const Message& m) { return toJSON(m); });
}
std::expected<json, FieldError> interactionToBackend(const json& frontend) {
  return convert<Interaction>(
      frontend, "interaction",
      [](const json& v, Interaction& it, const std::string& p) { return fromJSON(v, it, p); },
      [](const Interaction& it) { return toBackendJSON(it); });
}
std::expected<json, FieldError> interactionToFrontend(const json& backend) {
  return convert<Interaction>(
      backend, "interaction",
      [](const json& v, Interaction& it, const std::string& p) { return fromBackendJSON(v, it, p); },
      [](const Interaction& it) { return toJSON(it); });
}
std::expected<json, FieldError> componentToBackend(const json& frontend) {
  return convert<Component>(
      frontend, "component",
      [](const json& v, Component& c, const std::string& p) { return fromJSON(v, c, p); },
      [](const Component& c) { return toBackendJSON(c); });
}
std::expected<json, FieldError> componentToFrontend(const json& backend) {
  return convert<Component>(
      backend, "component",
      [](const json& v, Component& c, const std::string& p) { return fromBackendJSON(v, c, p); },
      [](const Component& c) { return toJSON(c); });
}

// ---- Sessions and status ------------------------------------------------------------

json toJSON(const Session& s) { return sessionJSON(s, Naming::Camel); }

json toJSON(const SessionSummary& s) {
  json j = toJSON(s.session);
  j["messageCount"] = s.messageCount;
  j["componentCount"] = s.componentCount;
  return j;
}

json toJSON(const PersistenceStatus& s) {
  // Member by member: one of these goes out before and after every write, and
  // nlohmann's initializer lists copy each value again.
  json j;
  j["sessionId"] = s.sessionId;
  j["state"] = toString(s.state);
  j["pendingWrites"] = s.pendingWrites;
  if (s.lastSavedAt) j["lastSavedAt"] = formatTimestamp(*s.lastSavedAt);
  if (s.error) j["error"] = *s.error;
  return j;
}

json toJSON(const SessionDocument& d) {
  json session = sessionJSON(d.session, Naming::Snake);
  if (d.currentComponentId) session["current_component_id"] = *d.currentComponentId;
  return json{
      {"schema_version", SessionDocument::kSchemaVersion},
      {"format", "aieditor.session"},
      {"session", std::move(session)},
      {"messages", arrayOf(d.messages, [](const Message& m) { return toBackendJSON(m); })},
      {"interactions", arrayOf(d.interactions, [](const Interaction& it) { return toBackendJSON(it); })},
      {"components", arrayOf(d.componentVersions, [](const Component& c) { return toBackendJSON(c); })},
  };
}

// Every record must belong to the document's session, and ids are unique
// (components: per version), so an import cannot mix sessions or collide.
Parsed fromJSON(const json& value, SessionDocument& out, const std::string& path) {
  SessionDocument doc;
  Fields f(value, path, Naming::Snake);
  std::int64_t schema = 0;
  std::string format;
  f.required("schemaVersion", schema);
  if (f.ok() && schema > SessionDocument::kSchemaVersion)
    f.fail("schemaVersion", "is " + std::to_string(schema) + ", newer than this server reads (" +
                                std::to_string(SessionDocument::kSchemaVersion) +
                                "); upgrade aieditor to import this document");
  f.check(schema == SessionDocument::kSchemaVersion, "schemaVersion",
          "must be " + std::to_string(SessionDocument::kSchemaVersion));
  f.required("format", format).check(format == "aieditor.session", "format", "must be \"aieditor.session\"");
  f.with("session", true, [&](const json& session, const std::string& at) {
    Fields s(session, at, Naming::Snake);
    s.required("id", doc.session.id, checkSessionId)
        .optional("title", doc.session.title)
        .timestamp("createdAt", doc.session.createdAt)
        .timestamp("updatedAt", doc.session.updatedAt)
        .optional("currentComponentId", doc.currentComponentId, checkRecordId);
    return s.result();
  });

  // Reads one record with `read`, then checks its session and its key.
  auto member = [&doc](auto read, auto key, std::set<std::string>& seen) {
    return [&doc, read, key, &seen](const json& v, auto& record, const std::string& at) -> Parsed {
      if (auto r = read(v, record, at); !r) return r;
      if (record.sessionId != doc.session.id)
        return std::unexpected(
            FieldError{detail::joinPath(at, "session_id"), "must equal session.id (\"" + doc.session.id + "\")"});
      if (!seen.insert(key(record)).second)
        return std::unexpected(FieldError{detail::joinPath(at, "id"), "duplicates an earlier record"});
      return {};
    };
  };
  std::set<std::string> messageIds, interactionIds, componentVersions;
  auto readArray = [&](std::string_view key, auto& items, auto read) {
    f.with(key, false, [&](const json& v, const std::string& at) { return decodeArray(v, items, at, read); });
  };
  readArray("messages", doc.messages,
            member([](const json& v, Message& m, const std::string& p) { return fromBackendJSON(v, m, p); },
                   [](const Message& m) { return m.id; }, messageIds));
  readArray("interactions", doc.interactions,
            member([](const json& v, Interaction& it, const std::string& p) { return fromBackendJSON(v, it, p); },
                   [](const Interaction& it) { return it.id; }, interactionIds));
  readArray("components", doc.componentVersions,
            member([](const json& v, Component& c, const std::string& p) { return fromBackendJSON(v, c, p); },
                   [](const Component& c) { return c.id + "#" + std::to_string(c.version); }, componentVersions));
  if (f.ok() && doc.currentComponentId) {
    const auto& versions = doc.componentVersions;
    f.check(std::any_of(versions.begin(), versions.end(),
                        [&](const Component& c) { return c.id == *doc.currentComponentId; }),
            "session.currentComponentId", "must name a component in components");
  }
  if (f.ok()) out = std::move(doc);
  return f.result();
}

// ---- Lifecycle ------------------------------------------------------------------------

Parsed fromJSON(const json& value, InitializeParams& out, const std::string& path) {
  InitializeParams p;
  Fields f(value, path, Naming::Camel, /*nullIsEmpty=*/true);
  f.optional("processId", p.processId)
      .with("clientInfo", false,
            [&](const json& info, const std::string& at) {
              ClientInfo client;
              Fields c(info, at);
              c.required("name", client.name).optional("version", client.version);
              if (c.ok()) p.clientInfo = std::move(client);
              return c.result();
            })
      .with("initializationOptions", false, [&](const json& options, const std::string& at) {
        InitializationOptions& o = p.initializationOptions;
        Fields i(options, at);
        i.optional("databasePath", o.databasePath, checkNotBlank)
            .optional("provider", o.provider, checkNotBlank)
            .optional("model", o.model)
            .optional("baseUrl", o.baseUrl)
            .optional("apiKey", o.apiKey)
            .integer("offlineDelayMs", o.offlineDelayMs, 0, 60'000)
            .with("sync", false, [&](const json& sync, const std::string& syncAt) {
              Fields y(sync, syncAt);
              y.optional("url", o.sync.url, checkNotBlank).optional("token", o.sync.token, checkNotBlank);
              return y.result();
            });
        return i.result();
      });
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const ServerInfo& s) { return json{{"name", s.name}, {"version", s.version}}; }

json toJSON(const AieditorCapabilities& a) {
  return json{{"protocolVersion", a.protocolVersion}, {"databasePath", a.databasePath}, {"provider", a.provider}};
}

json toJSON(const ExperimentalCapabilities& e) { return json{{"aieditor", toJSON(e.aieditor)}}; }

json toJSON(const ServerCapabilities& c) { return json{{"experimental", toJSON(c.experimental)}}; }

json toJSON(const InitializeResult& r) {
  return json{{"serverInfo", toJSON(r.serverInfo)}, {"capabilities", toJSON(r.capabilities)}};
}

Parsed fromJSON(const json& value, CancelParams& out, const std::string& path) {
  CancelParams p;
  Fields f(value, path, Naming::Camel, true);
  f.with("id", true, [&](const json& id, const std::string& at) -> Parsed {
    if (!id.is_string() && !id.is_number()) return std::unexpected(FieldError{at, "must be a number or a string"});
    p.id = id.dump(-1, ' ', false, json::error_handler_t::replace);
    return {};
  });
  if (f.ok()) out = std::move(p);
  return f.result();
}

// ---- Sessions ----------------------------------------------------------------------------

Parsed fromJSON(const json& value, SessionIdParams& out, const std::string& path) {
  SessionIdParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const SessionDeleteResult& r) { return json{{"sessionId", r.sessionId}, {"deleted", r.deleted}}; }

json toJSON(const SessionCloseResult& r) { return json{{"sessionId", r.sessionId}, {"closed", r.closed}}; }

json toJSON(const SessionExportResult& r) { return json{{"document", toJSON(r.document)}}; }

Parsed fromJSON(const json& value, SessionOpenParams& out, const std::string& path) {
  SessionOpenParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId).integer("limit", p.limit, 1, detail::kMaxLimit);
  if (f.ok()) out = std::move(p);
  return f.result();
}

std::string_view toString(StoreActivity a) {
  switch (a) {
    case StoreActivity::Idle: return "idle";
    case StoreActivity::Loading: return "loading";
    case StoreActivity::Streaming: return "streaming";
    case StoreActivity::Error: return "error";
  }
  return "idle";
}

json toJSON(const ChatState& c) {
  json out = {{"state", toString(c.state)}, {"unsavedMessageIds", c.unsavedMessageIds}};
  if (c.error) out["error"] = *c.error;
  if (c.streamingMessageId) out["streamingMessageId"] = *c.streamingMessageId;
  return out;
}

json toJSON(const ComponentState& c) {
  json out = {{"state", toString(c.state)},
              {"unsaved", arrayOf(c.unsaved, [](const Component& x) { return toJSON(x); })}};
  if (c.error) out["error"] = *c.error;
  return out;
}

json toJSON(const SessionOpenResult& r) {
  return json{
      {"session", toJSON(r.session)},
      {"messages", arrayOf(r.messages, [](const Message& m) { return toJSON(m); })},
      {"hasMore", r.hasMore},
      {"components", arrayOf(r.components, [](const Component& c) { return toJSON(c); })},
      {"currentComponentId", r.currentComponentId ? json(*r.currentComponentId) : json(nullptr)},
      {"status", toJSON(r.status)},
      {"chatState", toJSON(r.chatState)},
      {"componentState", toJSON(r.componentState)},
  };
}

Parsed fromJSON(const json& value, SessionListParams& out, const std::string& path) {
  SessionListParams p;
  Fields f(value, path, Naming::Camel, true);
  f.integer("limit", p.limit, 1, detail::kMaxLimit).optional("cursor", p.cursor);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const SessionListResult& r) {
  json j = {{"sessions", arrayOf(r.sessions, [](const SessionSummary& s) { return toJSON(s); })}};
  if (r.nextCursor) j["nextCursor"] = *r.nextCursor;
  return j;
}

Parsed fromJSON(const json& value, SessionImportParams& out, const std::string& path) {
  SessionImportParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("document", p.document).optional("sessionId", p.sessionId, checkSessionId);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const SessionImportResult& r) { return json{{"sessionId", r.sessionId}}; }

// ---- Chat -----------------------------------------------------------------------------------

Parsed fromJSON(const json& value, ChatSendParams& out, const std::string& path) {
  ChatSendParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .optional("text", p.text)
      .with("images", false,
            [&](const json& images, const std::string& at) {
              return decodeArray(
                  images, p.images, at,
                  [](const json& e, Image& i, const std::string& a) { return fromJSON(e, i, a); },
                  detail::kMaxImages);
            })
      .optional("componentId", p.componentId, checkRecordId)
      .optional("newComponent", p.newComponent)
      .optional("makeComponent", p.makeComponent);
  f.check(p.text.size() <= detail::kMaxChatText, "text", "must be at most 1 MiB")
      .check(!p.images.empty() || !detail::trim(p.text).empty(), "text", "must not be empty")
      .check(!(p.newComponent && p.componentId), "newComponent", "cannot be combined with componentId")
      .check(p.makeComponent || !(p.newComponent || p.componentId), "makeComponent",
             "false cannot be combined with componentId or newComponent");
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const ChatSendResult& r) {
  json j = {{"userMessage", toJSON(r.userMessage)},
            {"assistantMessage", toJSON(r.assistantMessage)},
            {"interaction", toJSON(r.interaction)}};
  if (r.component) j["component"] = toJSON(*r.component);
  return j;
}

json toJSON(const ChatDelta& d) {
  return json{{"sessionId", d.sessionId}, {"messageId", d.messageId}, {"delta", d.delta}};
}

json toJSON(const ShowMessageParams& m) { return json{{"type", static_cast<int>(m.type)}, {"message", m.message}}; }

// ---- Messages and interactions ----------------------------------------------------------------

Parsed fromJSON(const json& value, PageParams& out, const std::string& path) {
  PageParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .optional("before", p.before, checkRecordId)
      .integer("limit", p.limit, 1, detail::kMaxLimit);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const MessagePage& page) {
  return json{{"messages", arrayOf(page.messages, [](const Message& m) { return toJSON(m); })},
              {"hasMore", page.hasMore}};
}

json toJSON(const InteractionPage& page) {
  return json{{"interactions", arrayOf(page.interactions, [](const Interaction& it) { return toJSON(it); })},
              {"hasMore", page.hasMore}};
}

// The record's own sessionId may be left out; given, it must match.
Parsed fromJSON(const json& value, MessagesAddParams& out, const std::string& path) {
  MessagesAddParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId).with("message", true, [&](const json& m, const std::string& at) {
    return readMessage(m, p.message, at, Naming::Camel, Form::Add);
  });
  f.check(p.message.sessionId.empty() || p.message.sessionId == p.sessionId, "message.sessionId",
          "must equal " + f.pathOf("sessionId"));
  p.message.sessionId = p.sessionId;
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const MessagesAddResult& r) { return json{{"message", toJSON(r.message)}}; }

Parsed fromJSON(const json& value, InteractionsAddParams& out, const std::string& path) {
  InteractionsAddParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .with("interaction", true, [&](const json& it, const std::string& at) {
        return readInteraction(it, p.interaction, at, Naming::Camel, Form::Add);
      });
  f.check(p.interaction.sessionId.empty() || p.interaction.sessionId == p.sessionId, "interaction.sessionId",
          "must equal " + f.pathOf("sessionId"));
  p.interaction.sessionId = p.sessionId;
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const InteractionsAddResult& r) { return json{{"interaction", toJSON(r.interaction)}}; }

// ---- Components -------------------------------------------------------------------------------

json toJSON(const ComponentsListResult& r) {
  return json{{"components", arrayOf(r.components, [](const Component& c) { return toJSON(c); })}};
}

Parsed fromJSON(const json& value, ComponentsGetParams& out, const std::string& path) {
  ComponentsGetParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .optional("componentId", p.componentId, checkRecordId)
      .integer("version", p.version, 1);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const ComponentResult& r) { return json{{"component", toJSON(r.component)}}; }

Parsed fromJSON(const json& value, ComponentDraft& out, const std::string& path) {
  ComponentDraft d;
  Fields f(value, path);
  f.optional("id", d.id, checkRecordId)
      .optional("name", d.name)
      .required("jsx", d.jsx)
      .required("css", d.css)
      .metadata("metadata", d.metadata)
      .check(!detail::trim(d.jsx).empty() || !detail::trim(d.css).empty(), "", "jsx and css must not both be empty");
  if (f.ok()) out = std::move(d);
  return f.result();
}

Parsed fromJSON(const json& value, ComponentsSaveParams& out, const std::string& path) {
  ComponentsSaveParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .with("component", true, [&](const json& component, const std::string& at) -> Parsed {
        if (auto r = fromJSON(component, p.component, at); !r) return r;
        // A client saving back a whole Component repeats its sessionId:
        // accepted, but it must be this session's.
        std::optional<std::string> sessionId;
        Fields c(component, at);
        c.optional("sessionId", sessionId, checkSessionId)
            .check(!sessionId || *sessionId == p.sessionId, "sessionId", "must equal " + f.pathOf("sessionId"));
        return c.result();
      });
  if (f.ok()) out = std::move(p);
  return f.result();
}

Parsed fromJSON(const json& value, ComponentRefParams& out, const std::string& path) {
  ComponentRefParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId).required("componentId", p.componentId, checkRecordId);
  if (f.ok()) out = std::move(p);
  return f.result();
}

Parsed fromJSON(const json& value, ComponentsRestoreParams& out, const std::string& path) {
  ComponentsRestoreParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .required("componentId", p.componentId, checkRecordId)
      .integer("version", p.version, 1, INT64_MAX, /*isRequired=*/true);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const ComponentDeleteResult& r) { return json{{"componentId", r.componentId}, {"deleted", r.deleted}}; }

std::string_view toString(OriginKind k) {
  switch (k) {
    case OriginKind::Prompt:
      return "prompt";
    case OriginKind::Manual:
      return "manual";
    case OriginKind::Restored:
      return "restored";
    case OriginKind::Synced:
      return "synced";
    case OriginKind::Unknown:
      return "unknown";
  }
  return "unknown";
}

json toJSON(const VersionOrigin& o) {
  json j{{"kind", toString(o.kind)}};
  if (o.prompt) j["prompt"] = *o.prompt;
  if (o.fromVersion) j["fromVersion"] = *o.fromVersion;
  return j;
}

json toJSON(const ComponentVersion& v) {
  json j = toJSON(v.component);
  j["origin"] = toJSON(v.origin);
  j["current"] = v.current;
  return j;
}

json toJSON(const ComponentHistoryResult& r) {
  return json{{"versions", arrayOf(r.versions, [](const ComponentVersion& v) { return toJSON(v); })}};
}

namespace {

/// Longer than any real path (PATH_MAX is 4096 on Linux).
constexpr std::size_t kMaxPathLength = 4096;
/// A component is written to its JSX and CSS files, perhaps in a few places.
constexpr std::size_t kMaxAppliedFiles = 16;
/// An editor's file to merge a component into: far beyond any source file.
constexpr std::size_t kMaxRenderText = 16u << 20;

Problem checkAbsolutePath(const std::string& path) {
  if (path.find('\0') != std::string::npos) return "must not contain a NUL character";
  if (path.size() > kMaxPathLength) return "must be at most " + std::to_string(kMaxPathLength) + " bytes";
  if (!path.starts_with('/')) return "must be an absolute path";
  return std::nullopt;
}

Problem checkFileKind(const std::string& kind) {
  if (kind != "jsx" && kind != "css") return "must be \"jsx\" or \"css\"";
  return std::nullopt;
}

}  // namespace

json toJSON(const AppliedFile& f) {
  return json{{"path", f.path}, {"kind", f.kind}, {"version", f.version}, {"appliedAt", formatTimestamp(f.appliedAt)}};
}

Parsed fromJSON(const json& value, AppliedFile& out, const std::string& path) {
  AppliedFile f;
  Fields fields(value, path);
  fields.required("path", f.path, checkAbsolutePath).required("kind", f.kind, checkFileKind);
  if (fields.ok()) out = std::move(f);
  return fields.result();
}

Parsed fromJSON(const json& value, ComponentsAppliedParams& out, const std::string& path) {
  ComponentsAppliedParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .required("componentId", p.componentId, checkRecordId)
      .integer("version", p.version, 1, INT64_MAX, /*isRequired=*/true)
      .with("files", true,
            [&](const json& files, const std::string& at) {
              return decodeArray(
                  files, p.files, at,
                  [](const json& v, AppliedFile& file, const std::string& where) { return fromJSON(v, file, where); },
                  kMaxAppliedFiles);
            })
      .check(!p.files.empty(), "files", "must list at least one file");
  if (f.ok()) out = std::move(p);
  return f.result();
}

Parsed fromJSON(const json& value, ComponentsRenderParams& out, const std::string& path) {
  ComponentsRenderParams p;
  Fields f(value, path, Naming::Camel, true);
  f.required("sessionId", p.sessionId, checkSessionId)
      .optional("componentId", p.componentId, checkRecordId)
      .integer("version", p.version, 1)
      .required("target", p.target,
                [](const std::string& t) -> Problem {
                  if (t != "files" && t != "insert") return "must be \"files\" or \"insert\"";
                  return std::nullopt;
                })
      .optional("existingText", p.existingText, [](const std::string& t) -> Problem {
        if (t.size() > kMaxRenderText) return "must be at most " + std::to_string(kMaxRenderText) + " bytes";
        return std::nullopt;
      });
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const ComponentRenderResult& r) {
  json j{{"componentId", r.componentId}, {"version", r.version}};
  for (const auto& [key, value] :
       {std::pair{"jsx", &r.jsx}, std::pair{"css", &r.css}, std::pair{"jsxFileName", &r.jsxFileName},
        std::pair{"cssFileName", &r.cssFileName}, std::pair{"insert", &r.insert}, std::pair{"text", &r.text}})
    if (*value) j[key] = **value;
  return j;
}

json toJSON(const ComponentFilesResult& r) {
  return json{{"componentId", r.componentId},
              {"files", arrayOf(r.files, [](const AppliedFile& f) { return toJSON(f); })}};
}

json toJSON(const ComponentsSetCurrentResult& r) { return json{{"currentComponentId", r.currentComponentId}}; }

json toJSON(const PreviewOpenResult& r) { return json{{"url", r.url}}; }

// ---- Providers ---------------------------------------------------------------------------

std::string_view toString(SyncState s) {
  switch (s) {
    case SyncState::Disabled: return "disabled";
    case SyncState::Offline: return "offline";
    case SyncState::Syncing: return "syncing";
    case SyncState::Synced: return "synced";
    case SyncState::AuthRequired: return "authRequired";
    case SyncState::Error: return "error";
  }
  return "error";
}

json toJSON(const SessionChanged& c) {
  json j{{"sessionId", c.sessionId}};
  if (c.messages) j["messages"] = arrayOf(*c.messages, [](const Message& m) { return toJSON(m); });
  if (c.components) j["components"] = arrayOf(*c.components, [](const Component& x) { return toJSON(x); });
  if (c.currentChanged) j["currentComponentId"] = c.currentComponentId ? json(*c.currentComponentId) : json(nullptr);
  if (c.deleted) j["deleted"] = true;
  return j;
}

json toJSON(const SyncStatus& s) {
  json j{{"state", toString(s.state)}, {"pending", s.pending}, {"rejected", s.rejected}};
  if (s.lastSyncedAt) j["lastSyncedAt"] = formatTimestamp(*s.lastSyncedAt);
  if (s.error) j["error"] = *s.error;
  if (s.retryAt) j["retryAt"] = formatTimestamp(*s.retryAt);
  if (s.user) j["user"] = *s.user;
  return j;
}

Parsed fromJSON(const json& value, SyncParams&, const std::string& path) {
  Fields f(value, path, Naming::Camel, true);
  return f.result();
}

Parsed fromJSON(const json& value, SyncLoginParams& out, const std::string& path) {
  SyncLoginParams p;
  Fields f(value, path, Naming::Camel, true);
  // The message never quotes the value: it may be a token sent in the wrong field.
  f.with("url", false,
         [&](const json& url, const std::string& at) -> Parsed {
           if (!url.is_string() || !(url.get_ref<const std::string&>().starts_with("http://") ||
                                     url.get_ref<const std::string&>().starts_with("https://")))
             return std::unexpected(FieldError{at, "must be a string starting with http:// or https://"});
           p.url = url.get<std::string>();
           return {};
         })
      .with("token", true,
            [&](const json& token, const std::string& at) -> Parsed {
              if (!token.is_string() || detail::trim(token.get_ref<const std::string&>()).empty())
                return std::unexpected(FieldError{at, "must be a non-empty string"});
              p.token = token.get<std::string>();
              return {};
            })
      .optional("remember", p.remember);
  if (f.ok()) out = std::move(p);
  return f.result();
}

Parsed fromJSON(const json& value, SyncRejectedParams& out, const std::string& path) {
  SyncRejectedParams p;
  Fields f(value, path, Naming::Camel, true);
  f.optional("sessionId", p.sessionId, checkSessionId);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const RejectedWrite& w) {
  json j{{"seq", w.seq}, {"sessionId", w.sessionId}, {"kind", w.kind}, {"error", w.error}};
  if (w.recordId) j["recordId"] = *w.recordId;
  if (w.version) j["version"] = *w.version;
  return j;
}

json toJSON(const SyncRejectedResult& r) {
  return json{{"writes", arrayOf(r.writes, [](const RejectedWrite& w) { return toJSON(w); })}};
}

json toJSON(const SyncRetryRejectedResult& r) { return json{{"retried", r.retried}}; }

Parsed fromJSON(const json& value, ProviderListParams&, const std::string& path) {
  Fields f(value, path, Naming::Camel, true);
  return f.result();
}

json toJSON(const ActiveProvider& a) { return json{{"provider", a.provider}, {"model", a.model}}; }

json toJSON(const ProviderListResult& r) {
  json providers = json::array();
  for (const auto& p : r.providers) {
    json entry = {{"name", p.name}, {"configured", p.configured}};
    if (!p.models.empty()) entry["models"] = p.models;
    if (p.baseUrl) entry["baseUrl"] = *p.baseUrl;
    providers.push_back(std::move(entry));
  }
  return json{{"providers", std::move(providers)}, {"active", toJSON(r.active)}};
}

Parsed fromJSON(const json& value, ProviderSetParams& out, const std::string& path) {
  ProviderSetParams p;
  Fields f(value, path, Naming::Camel, true);
  f.optional("sessionId", p.sessionId, checkSessionId)
      .required("provider", p.provider, checkNotBlank)
      .optional("model", p.model, checkNotBlank);
  if (f.ok()) out = std::move(p);
  return f.result();
}

json toJSON(const ProviderSetResult& r) {
  json j = {{"active", toJSON(r.active)}};
  if (r.sessionId) j["sessionId"] = *r.sessionId;
  return j;
}

}  // namespace aieditor::protocol
