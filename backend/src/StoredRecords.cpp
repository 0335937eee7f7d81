// Stored bodies, titles, cursors, request keys and change rows, shared by the engines.
#include "StoredRecords.h"

#include <nlohmann/json.hpp>

namespace aieditor::backend::stored {
namespace {

using nlohmann::json;

template <class T>
StorageResult<T> decodeAs(const std::string& body, const char* what) {
  T record;
  try {
    if (auto parsed = protocol::fromBackendJSON(json::parse(body), record, what); !parsed)
      return std::unexpected(StorageError{Failure::Unavailable, "stored " + parsed.error().message()});
  } catch (const json::exception& e) {
    return std::unexpected(StorageError{Failure::Unavailable, std::string("stored ") + what + ": " + e.what()});
  }
  return record;
}

}  // namespace

StorageResult<Message> decodeMessage(const std::string& body) { return decodeAs<Message>(body, "message"); }
StorageResult<Interaction> decodeInteraction(const std::string& body) {
  return decodeAs<Interaction>(body, "interaction");
}
StorageResult<Component> decodeComponent(const std::string& body) { return decodeAs<Component>(body, "component"); }
std::string encode(const Message& m) { return protocol::toBackendJSON(m).dump(); }
std::string encode(const Interaction& i) { return protocol::toBackendJSON(i).dump(); }
std::string encode(const Component& c) { return protocol::toBackendJSON(c).dump(); }

std::string titleFrom(const std::string& content) {
  std::string line = content.substr(0, content.find('\n'));
  if (line.size() <= 80) return line;
  std::size_t cut = 80;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return line.substr(0, cut);
}

std::string makeCursor(const protocol::Session& last) { return std::to_string(last.updatedAt) + "." + last.id; }

std::optional<std::pair<std::int64_t, std::string>> parseCursor(const std::string& cursor) {
  const auto dot = cursor.find('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  std::int64_t at = 0;
  for (std::size_t i = 0; i < dot; ++i) {
    if (cursor[i] < '0' || cursor[i] > '9' || at > INT64_MAX / 10 - 9) return std::nullopt;
    at = at * 10 + (cursor[i] - '0');
  }
  return std::pair{at, cursor.substr(dot + 1)};
}

std::string requestKey(const ComponentEdit& edit) {
  const Component& c = edit.component;
  json key = {{"name", c.name}, {"jsx", c.jsx}, {"css", c.css}, {"metadata", c.metadata}};
  key["base_version"] = edit.baseVersion ? json(*edit.baseVersion) : json(nullptr);
  return key.dump();
}

void markFork(Component& component, const std::optional<std::int64_t>& baseVersion, std::int64_t latest) {
  if (!baseVersion || *baseVersion == latest) return;
  json metadata = json::parse(component.metadata);
  metadata["conflict"] = {{"base_version", *baseVersion}, {"latest_version", latest}};
  component.metadata = metadata.dump();
}

StorageResult<Change> decodeChange(std::int64_t seq, std::string sessionId, std::string kind,
                                   const std::optional<std::string>& body) {
  Change change{seq, std::move(sessionId), std::move(kind), std::monostate{}};
  if (!body) return change;
  StorageResult<void> decoded;
  auto keep = [&](auto record) {
    if (record)
      change.record = std::move(*record);
    else
      decoded = std::unexpected(record.error());
  };
  if (change.kind == "message") keep(decodeMessage(*body));
  if (change.kind == "interaction") keep(decodeInteraction(*body));
  if (change.kind == "component") keep(decodeComponent(*body));
  if (change.kind == "current_component") {
    try {
      change.record = CurrentComponent{json::parse(*body).at("component_id").get<std::string>()};
    } catch (const json::exception& e) {
      return std::unexpected(StorageError{Failure::Unavailable, std::string("stored current_component: ") + e.what()});
    }
  }
  if (!decoded) return std::unexpected(decoded.error());
  return change;
}

std::string currentComponentRecord(const std::string& componentId) {
  return json{{"component_id", componentId}}.dump();
}

StorageError differentContent(std::string_view kind, const std::string& id) {
  return {Failure::Conflict, std::string(kind) + ".id: \"" + id + "\" is already stored with different content"};
}

}  // namespace aieditor::backend::stored
