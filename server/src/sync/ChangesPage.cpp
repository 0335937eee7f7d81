#include "sync/ChangesPage.h"

#include <nlohmann/json.hpp>

#include "aieditor/protocol/JsonText.h"

namespace aieditor::server {

using nlohmann::json;

namespace {

std::expected<std::int64_t, std::string> integer(const json& object, const char* name, const std::string& path) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_number_integer() || found->get<std::int64_t>() < 0)
    return std::unexpected(path + name + ": expected a non-negative integer");
  return found->get<std::int64_t>();
}

std::expected<PulledChange, std::string> readChange(const json& item, const std::string& path) {
  if (!item.is_object()) return std::unexpected(path + ": expected an object");
  PulledChange change;
  auto seq = integer(item, "seq", path + ".");
  if (!seq) return std::unexpected(seq.error());
  change.seq = *seq;
  for (auto [name, out] : {std::pair{"kind", &change.kind}, std::pair{"session_id", &change.sessionId}}) {
    const auto found = item.find(name);
    if (found == item.end() || !found->is_string()) return std::unexpected(path + "." + name + ": expected a string");
    *out = found->get<std::string>();
  }
  const auto record = item.find("record");
  const std::string at = path + ".record";
  const auto parsed = [&](auto& out) -> std::expected<void, std::string> {
    if (record == item.end()) return std::unexpected(at + ": missing");
    if (auto read = protocol::fromBackendJSON(*record, out.emplace(), at); !read)
      return std::unexpected(read.error().message());
    return {};
  };
  std::expected<void, std::string> read;
  if (change.kind == "message") {
    read = parsed(change.message);
  } else if (change.kind == "interaction") {
    read = parsed(change.interaction);
  } else if (change.kind == "component") {
    read = parsed(change.component);
  } else if (change.kind == "current_component" || change.kind == "component_deleted") {
    if (record == item.end() || !record->is_object() || !record->contains("component_id") ||
        !(*record)["component_id"].is_string())
      return std::unexpected(at + ".component_id: expected a string");
    change.componentId = (*record)["component_id"].get<std::string>();
  } else if (change.kind != "session_deleted") {
    return std::unexpected(path + ".kind: unknown kind '" + change.kind + "'");
  }
  if (!read) return std::unexpected(read.error());
  return change;
}

}  // namespace

std::expected<ChangesPage, std::string> readChangesPage(const std::string& body) {
  json page;
  if (protocol::readJson(body, page) || !page.is_object())
    return std::unexpected(std::string("GET /api/changes: the reply is not a JSON object"));
  ChangesPage result;
  for (auto [name, out] : {std::pair{"next", &result.next}, std::pair{"latest", &result.latest}}) {
    auto value = integer(page, name, "");
    if (!value) return std::unexpected(value.error());
    *out = *value;
  }
  const auto more = page.find("has_more");
  if (more == page.end() || !more->is_boolean()) return std::unexpected(std::string("has_more: expected a boolean"));
  result.hasMore = more->get<bool>();
  const auto changes = page.find("changes");
  if (changes == page.end() || !changes->is_array()) return std::unexpected(std::string("changes: expected an array"));
  for (std::size_t i = 0; i < changes->size(); ++i) {
    auto change = readChange((*changes)[i], "changes[" + std::to_string(i) + "]");
    if (!change) return std::unexpected(change.error());
    result.changes.push_back(std::move(*change));
  }
  return result;
}

}  // namespace aieditor::server
