// Reading a write's JSON (backend format) into the storage's typed Write:
// the defaults a client may leave out, the server-assigned fields, and the
// protocol's own readers, so one record is validated the same way by its own
// route and inside POST /api/batch.
#pragma once

#include <expected>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "Storage.h"

namespace aieditor::backend {

/// A refused request: its HTTP status, error code and the message naming the field.
struct ApiError {
  int status = 400;
  std::string code = "invalid_request";
  std::string message;
};
template <class T>
using Parsed = std::expected<T, ApiError>;

/// A path's or a write's session id, by the editor protocol's rule.
Parsed<std::string> readSessionId(const std::string& id, const std::string& field);

/// A new message or interaction for `sessionId`: a missing id gets a UUIDv7,
/// a missing created_at the server's time (and retries compare without it).
Parsed<Incoming<Message>> readMessage(nlohmann::json body, const std::string& sessionId);
Parsed<Incoming<Interaction>> readInteraction(nlohmann::json body, const std::string& sessionId);
/// A component edit: the server assigns version and times; base_version is optional.
Parsed<ComponentEdit> readComponentEdit(nlohmann::json body, const std::string& sessionId);
/// `{"component_id"}` for PUT current_component.
Parsed<SetCurrentComponent> readCurrentComponent(const nlohmann::json& body, const std::string& sessionId);

/// One item of POST /api/batch: `{"kind","session_id","record"}`; errors are
/// prefixed with `field` (e.g. `writes[3]`).
Parsed<Write> readWrite(const nlohmann::json& item, const std::string& field);

}  // namespace aieditor::backend
