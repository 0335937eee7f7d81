// Wire types of the aieditor protocol (docs/protocol.md).
//
// One plain struct per wire type, fields named exactly as on the wire, each
// followed by its JSON conversion. `fromJSON` validates and reports the JSON
// path of the first bad field ("params.message.role: must be one of ..."); it
// never yields a partial object. Records (Message, Interaction, Component)
// also have a backend (snake_case) form used by exports and the REST API.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace aieditor::protocol {

using nlohmann::json;

/// A validation failure: the JSON path of the bad field and what is wrong.
struct FieldError {
  std::string path;
  std::string problem;
  std::string message() const { return path + ": " + problem; }
};
using Parsed = std::expected<void, FieldError>;

/// Milliseconds since the Unix epoch, UTC; on the wire RFC 3339 with ms.
using Timestamp = std::int64_t;
std::string formatTimestamp(Timestamp);
std::optional<Timestamp> parseTimestamp(std::string_view);

/// Session ids: 1-128 characters from [A-Za-z0-9._:-].
bool isValidSessionId(std::string_view);

enum class Role { User, Assistant, System };
/// A record's completion: replies stream, then end complete, interrupted or failed.
enum class RecordStatus { Complete, Streaming, Interrupted, Failed };
enum class SaveState { NotSaved, Saving, Saved, Failed };

std::string_view toString(Role);
std::string_view toString(RecordStatus);
std::string_view toString(SaveState);

struct Image {
  std::string mimeType;  ///< image/png, image/jpeg, image/gif or image/webp
  std::string data;      ///< base64
  bool operator==(const Image&) const = default;
};
json toJSON(const Image&);
Parsed fromJSON(const json&, Image&, const std::string& path);

struct Usage {
  std::int64_t inputTokens = 0;
  std::int64_t outputTokens = 0;
  bool operator==(const Usage&) const = default;
};
json toJSON(const Usage&);
Parsed fromJSON(const json&, Usage&, const std::string& path);

struct Message {
  std::string id;
  std::string sessionId;
  Role role = Role::User;
  std::string content;
  std::vector<Image> images;
  Timestamp createdAt = 0;
  RecordStatus status = RecordStatus::Complete;
  std::optional<std::string> interactionId;
  std::optional<std::string> componentId;
  bool operator==(const Message&) const = default;
};
json toJSON(const Message&);
Parsed fromJSON(const json&, Message&, const std::string& path);
json toBackendJSON(const Message&);
Parsed fromBackendJSON(const json&, Message&, const std::string& path);

struct Interaction {
  std::string id;
  std::string sessionId;
  std::string prompt;
  std::string response;
  std::string provider;
  std::string model;
  RecordStatus status = RecordStatus::Complete;
  Timestamp createdAt = 0;
  std::int64_t durationMs = 0;
  std::optional<Usage> usage;
  std::optional<std::string> error;
  std::string metadata = "{}";  ///< a JSON object, kept as its compact text
  bool operator==(const Interaction&) const = default;
};
json toJSON(const Interaction&);
Parsed fromJSON(const json&, Interaction&, const std::string& path);
json toBackendJSON(const Interaction&);
Parsed fromBackendJSON(const json&, Interaction&, const std::string& path);

/// One version of a component.
struct Component {
  std::string id;
  std::string sessionId;
  std::string name;
  std::string jsx;
  std::string css;
  std::int64_t version = 1;
  Timestamp createdAt = 0;  ///< when the component was first created
  Timestamp updatedAt = 0;  ///< when this version was made
  std::string metadata = "{}";
  bool operator==(const Component&) const = default;
};
json toJSON(const Component&);
Parsed fromJSON(const json&, Component&, const std::string& path);
json toBackendJSON(const Component&);
Parsed fromBackendJSON(const json&, Component&, const std::string& path);


/// The six converters: JSON in one format to JSON in the other, validated.
std::expected<json, FieldError> messageToBackend(const json& frontend);
std::expected<json, FieldError> messageToFrontend(const json& backend);
std::expected<json, FieldError> interactionToBackend(const json& frontend);
std::expected<json, FieldError> interactionToFrontend(const json& backend);
std::expected<json, FieldError> componentToBackend(const json& frontend);
std::expected<json, FieldError> componentToFrontend(const json& backend);

struct Session {
  std::string id;
  std::string title;
  Timestamp createdAt = 0;
  Timestamp updatedAt = 0;
  bool operator==(const Session&) const = default;
};
json toJSON(const Session&);

struct SessionSummary {
  Session session;
  std::int64_t messageCount = 0;
  std::int64_t componentCount = 0;
};
json toJSON(const SessionSummary&);

struct PersistenceStatus {
  std::string sessionId;
  SaveState state = SaveState::NotSaved;
  std::optional<Timestamp> lastSavedAt;
  std::optional<std::string> error;
  std::int64_t pendingWrites = 0;  ///< writes kept in memory, waiting for a retry
};
json toJSON(const PersistenceStatus&);

/// A whole session in the backend format: what export writes and import reads.
struct SessionDocument {
  static constexpr int kSchemaVersion = 1;
  Session session;
  std::optional<std::string> currentComponentId;
  std::vector<Message> messages;
  std::vector<Interaction> interactions;
  std::vector<Component> componentVersions;  ///< every version of every component
};
json toJSON(const SessionDocument&);
Parsed fromJSON(const json&, SessionDocument&, const std::string& path);

// ---- Lifecycle -------------------------------------------------------------

/// initializationOptions.sync: the team backend to sync through.
struct SyncOptions {
  std::optional<std::string> url;
  std::optional<std::string> token;  ///< the backend's sign-in (refresh) token; memory only, never stored
};
struct InitializationOptions {
  std::optional<std::string> databasePath;
  std::optional<std::string> provider;
  std::optional<std::string> model;
  std::optional<std::string> baseUrl;
  std::optional<std::string> apiKey;  ///< used in memory only, never stored
  std::optional<std::int64_t> offlineDelayMs;
  SyncOptions sync;
};
struct ClientInfo {
  std::string name;
  std::optional<std::string> version;
};
struct InitializeParams {
  std::optional<std::int64_t> processId;
  std::optional<ClientInfo> clientInfo;
  InitializationOptions initializationOptions;
};
Parsed fromJSON(const json&, InitializeParams&, const std::string& path);

struct ServerInfo {
  std::string name = "aieditor";
  std::string version;
};
json toJSON(const ServerInfo&);

/// What aieditor adds to LSP's capabilities, under experimental.aieditor.
struct AieditorCapabilities {
  std::int64_t protocolVersion = 1;
  std::string databasePath;
  std::string provider;
};
json toJSON(const AieditorCapabilities&);

struct ExperimentalCapabilities {
  AieditorCapabilities aieditor;
};
json toJSON(const ExperimentalCapabilities&);

struct ServerCapabilities {
  ExperimentalCapabilities experimental;
};
json toJSON(const ServerCapabilities&);

struct InitializeResult {
  ServerInfo serverInfo;
  ServerCapabilities capabilities;
};
json toJSON(const InitializeResult&);

struct CancelParams {
  std::string id;  ///< the request id's JSON text
};
Parsed fromJSON(const json&, CancelParams&, const std::string& path);

// ---- Sessions --------------------------------------------------------------

struct SessionIdParams {
  std::string sessionId;
};
Parsed fromJSON(const json&, SessionIdParams&, const std::string& path);

struct SessionDeleteResult {
  std::string sessionId;
  bool deleted = true;
};
json toJSON(const SessionDeleteResult&);

struct SessionCloseResult {
  std::string sessionId;
  bool closed = true;
};
json toJSON(const SessionCloseResult&);

struct SessionExportResult {
  SessionDocument document;
};
json toJSON(const SessionExportResult&);

struct SessionOpenParams {
  std::string sessionId;
  std::int64_t limit = 50;
};
Parsed fromJSON(const json&, SessionOpenParams&, const std::string& path);

/// What an open session's in-memory stores are doing.
enum class StoreActivity { Idle, Loading, Streaming, Error };
std::string_view toString(StoreActivity);

/// The chat store of an open session: a reply streaming now, and messages
/// the database has not taken yet (they are also in `messages`).
struct ChatState {
  StoreActivity state = StoreActivity::Idle;
  std::optional<std::string> error;
  std::optional<std::string> streamingMessageId;
  std::vector<std::string> unsavedMessageIds;
};
json toJSON(const ChatState&);

/// The component store of an open session: its last error, and components
/// the database has not taken yet.
struct ComponentState {
  StoreActivity state = StoreActivity::Idle;
  std::optional<std::string> error;
  std::vector<Component> unsaved;
};
json toJSON(const ComponentState&);

struct SessionOpenResult {
  Session session;
  std::vector<Message> messages;
  bool hasMore = false;
  std::vector<Component> components;
  std::optional<std::string> currentComponentId;
  PersistenceStatus status;
  ChatState chatState;
  ComponentState componentState;
};
json toJSON(const SessionOpenResult&);

struct SessionListParams {
  std::int64_t limit = 50;
  std::optional<std::string> cursor;
};
Parsed fromJSON(const json&, SessionListParams&, const std::string& path);

struct SessionListResult {
  std::vector<SessionSummary> sessions;
  std::optional<std::string> nextCursor;
};
json toJSON(const SessionListResult&);

struct SessionImportParams {
  SessionDocument document;
  std::optional<std::string> sessionId;
};
Parsed fromJSON(const json&, SessionImportParams&, const std::string& path);

struct SessionImportResult {
  std::string sessionId;  ///< the id the session was imported under
};
json toJSON(const SessionImportResult&);

// ---- Chat ------------------------------------------------------------------

struct ChatSendParams {
  std::string sessionId;
  std::string text;
  std::vector<Image> images;
  std::optional<std::string> componentId;  ///< iterate on this component
  bool newComponent = false;               ///< never iterate; start a new one
  /// false: the reply stays a message (an edit of a selection, a question):
  /// no component is made from it, and the prompt is not an iteration.
  bool makeComponent = true;
};
Parsed fromJSON(const json&, ChatSendParams&, const std::string& path);

struct ChatSendResult {
  Message userMessage;
  Message assistantMessage;
  Interaction interaction;
  std::optional<Component> component;
};
json toJSON(const ChatSendResult&);

struct ChatDelta {
  std::string sessionId;
  std::string messageId;
  std::string delta;
};
json toJSON(const ChatDelta&);

/// LSP's window/showMessage: a message the editor shows the user, such as
/// writes that could not be saved before shutdown.
struct ShowMessageParams {
  enum class Type { Error = 1, Warning = 2, Info = 3, Log = 4 };
  Type type = Type::Info;
  std::string message;
};
json toJSON(const ShowMessageParams&);

// ---- Messages and interactions --------------------------------------------

struct PageParams {
  std::string sessionId;
  std::optional<std::string> before;
  std::int64_t limit = 50;
};
Parsed fromJSON(const json&, PageParams&, const std::string& path);

struct MessagePage {
  std::vector<Message> messages;
  bool hasMore = false;
};
json toJSON(const MessagePage&);

struct InteractionPage {
  std::vector<Interaction> interactions;
  bool hasMore = false;
};
json toJSON(const InteractionPage&);

/// messages/add: a message whose id, createdAt and status may be left out.
struct MessagesAddParams {
  std::string sessionId;
  Message message;
};
Parsed fromJSON(const json&, MessagesAddParams&, const std::string& path);

struct MessagesAddResult {
  Message message;
};
json toJSON(const MessagesAddResult&);

struct InteractionsAddParams {
  std::string sessionId;
  Interaction interaction;
};
Parsed fromJSON(const json&, InteractionsAddParams&, const std::string& path);

struct InteractionsAddResult {
  Interaction interaction;
};
json toJSON(const InteractionsAddResult&);

// ---- Components ------------------------------------------------------------

/// components/list: the latest version of each component.
struct ComponentsListResult {
  std::vector<Component> components;
};
json toJSON(const ComponentsListResult&);

struct ComponentsGetParams {
  std::string sessionId;
  std::optional<std::string> componentId;
  std::optional<std::int64_t> version;
};
Parsed fromJSON(const json&, ComponentsGetParams&, const std::string& path);

/// The reply of components/get, /save and /restore.
struct ComponentResult {
  Component component;
};
json toJSON(const ComponentResult&);

/// What components/save stores: id names an existing component for a new
/// version; without it (or with a new one) a component starts at version 1.
struct ComponentDraft {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::string jsx;
  std::string css;
  std::optional<std::string> metadata;  ///< a JSON object, kept as its compact text
};
Parsed fromJSON(const json&, ComponentDraft&, const std::string& path);

struct ComponentsSaveParams {
  std::string sessionId;
  ComponentDraft component;
};
Parsed fromJSON(const json&, ComponentsSaveParams&, const std::string& path);

/// components/delete, /history and /setCurrent.
struct ComponentRefParams {
  std::string sessionId;
  std::string componentId;
};
Parsed fromJSON(const json&, ComponentRefParams&, const std::string& path);

struct ComponentsRestoreParams {
  std::string sessionId;
  std::string componentId;
  std::int64_t version = 0;  ///< required, at least 1
};
Parsed fromJSON(const json&, ComponentsRestoreParams&, const std::string& path);

struct ComponentDeleteResult {
  std::string componentId;
  bool deleted = true;
};
json toJSON(const ComponentDeleteResult&);

/// What made a version (docs/protocol.md, components/history). Unknown: a
/// version written before origins were kept that nothing else explains.
enum class OriginKind { Prompt, Manual, Restored, Synced, Unknown };
std::string_view toString(OriginKind);

struct VersionOrigin {
  OriginKind kind = OriginKind::Unknown;
  std::optional<std::string> prompt;        ///< Prompt: the first line of the prompt, when its interaction is held
  std::optional<std::int64_t> fromVersion;  ///< Restored: the version restored
  bool operator==(const VersionOrigin&) const = default;
};
json toJSON(const VersionOrigin&);

/// One row of components/history: the version's fields, its origin, and
/// whether it is the latest (the one components/get returns).
struct ComponentVersion {
  Component component;
  VersionOrigin origin;
  bool current = false;
  bool operator==(const ComponentVersion&) const = default;
};
json toJSON(const ComponentVersion&);

struct ComponentHistoryResult {
  std::vector<ComponentVersion> versions;  ///< oldest first
};
json toJSON(const ComponentHistoryResult&);

/// A file the editor wrote a component to (components/applied, /files).
struct AppliedFile {
  std::string path;          ///< absolute
  std::string kind;          ///< "jsx" or "css"
  std::int64_t version = 0;  ///< the version written there (in replies)
  Timestamp appliedAt = 0;   ///< when (in replies)
  bool operator==(const AppliedFile&) const = default;
};
json toJSON(const AppliedFile&);
Parsed fromJSON(const json&, AppliedFile&, const std::string& path);

struct ComponentsAppliedParams {
  std::string sessionId;
  std::string componentId;
  std::int64_t version = 0;  ///< required, at least 1
  std::vector<AppliedFile> files;
};
Parsed fromJSON(const json&, ComponentsAppliedParams&, const std::string& path);

/// The reply of components/applied and components/files: every file known to
/// hold the component, by path.
struct ComponentFilesResult {
  std::string componentId;
  std::vector<AppliedFile> files;
};
json toJSON(const ComponentFilesResult&);

/// components/render: a version as files, or merged into an editor's text.
struct ComponentsRenderParams {
  std::string sessionId;
  std::optional<std::string> componentId;  ///< the current component when absent
  std::optional<std::int64_t> version;     ///< the latest when absent
  std::string target;                      ///< "files" or "insert"
  std::string existingText;                ///< insert: the file's text now
};
Parsed fromJSON(const json&, ComponentsRenderParams&, const std::string& path);

/// files: jsx, css and their file names; insert: insert and text.
struct ComponentRenderResult {
  std::string componentId;
  std::int64_t version = 0;
  std::optional<std::string> jsx, css, jsxFileName, cssFileName;
  std::optional<std::string> insert, text;
};
json toJSON(const ComponentRenderResult&);

struct ComponentsSetCurrentResult {
  std::string currentComponentId;
};
json toJSON(const ComponentsSetCurrentResult&);

// ---- Preview -------------------------------------------------------------------

/// `preview/open {sessionId, componentId?, version?}`: which component the
/// page shows (the session's current one by default, following it) and
/// which version (the latest by default, following new ones).
using PreviewOpenParams = ComponentsGetParams;

/// The page's address: http://127.0.0.1:PORT/SECRET/?session=...
struct PreviewOpenResult {
  std::string url;
};
json toJSON(const PreviewOpenResult&);

// ---- Providers ---------------------------------------------------------------

/// provider/list takes no params.
// ---- Sync (docs/protocol.md, "sync/status") --------------------------------

enum class SyncState { Disabled, Offline, Syncing, Synced, AuthRequired, Error };
std::string_view toString(SyncState);

/// The `sync/status` reply and notification.
struct SyncStatus {
  SyncState state = SyncState::Disabled;
  std::int64_t pending = 0;   ///< writes not yet acknowledged by the backend
  std::int64_t rejected = 0;  ///< writes the backend refused, kept
  std::optional<Timestamp> lastSyncedAt;
  std::optional<std::string> error;
  std::optional<Timestamp> retryAt;
  std::optional<std::string> user;
  bool operator==(const SyncStatus&) const = default;
};
json toJSON(const SyncStatus&);

/// `session/changed`: pulled changes altered a session the editor has open.
struct SessionChanged {
  std::string sessionId;
  std::optional<std::vector<Message>> messages;      ///< the messages added, in the session's order
  std::optional<std::vector<Component>> components;  ///< the latest version of each, when versions changed
  bool currentChanged = false;                       ///< currentComponentId is sent (null: none now)
  std::optional<std::string> currentComponentId;
  bool deleted = false;  ///< the session was deleted on another device
};
json toJSON(const SessionChanged&);

/// `sync/status {}`, `sync/now {}` and `sync/logout {}`.
struct SyncParams {};
Parsed fromJSON(const json&, SyncParams&, const std::string& path);

/// `sync/login {url?, token, remember?}`.
struct SyncLoginParams {
  std::optional<std::string> url;  ///< http:// or https://; absent: the configured one
  std::string token;               ///< the backend's sign-in token; memory only (or the credentials file)
  bool remember = false;           ///< also write the credentials file
};
Parsed fromJSON(const json&, SyncLoginParams&, const std::string& path);

/// `sync/rejected {sessionId?}` and `sync/retryRejected {sessionId?}`.
struct SyncRejectedParams {
  std::optional<std::string> sessionId;  ///< absent: every session
};
Parsed fromJSON(const json&, SyncRejectedParams&, const std::string& path);

/// A write the backend refused, kept in the outbox.
struct RejectedWrite {
  std::int64_t seq = 0;  ///< its place in the outbox (write order)
  std::string sessionId;
  std::string kind;  ///< as stored in the outbox: message, interaction, component, current_component, ...
  std::optional<std::string> recordId;
  std::optional<std::int64_t> version;  ///< a component version's number
  std::string error;                    ///< the backend's reason
};
json toJSON(const RejectedWrite&);
struct SyncRejectedResult {
  std::vector<RejectedWrite> writes;  ///< oldest first
};
json toJSON(const SyncRejectedResult&);
struct SyncRetryRejectedResult {
  std::int64_t retried = 0;
};
json toJSON(const SyncRetryRejectedResult&);

struct ProviderListParams {};
Parsed fromJSON(const json&, ProviderListParams&, const std::string& path);

struct ProviderInfo {
  std::string name;
  bool configured = false;          ///< has what it needs (a key, or a local base URL)
  std::vector<std::string> models;  ///< the model it would use
  std::optional<std::string> baseUrl;
};
struct ActiveProvider {
  std::string provider;
  std::string model;
};
json toJSON(const ActiveProvider&);
struct ProviderListResult {
  std::vector<ProviderInfo> providers;
  ActiveProvider active;
};
json toJSON(const ProviderListResult&);

struct ProviderSetParams {
  std::optional<std::string> sessionId;
  std::string provider;
  std::optional<std::string> model;
};
Parsed fromJSON(const json&, ProviderSetParams&, const std::string& path);

struct ProviderSetResult {
  ActiveProvider active;
  std::optional<std::string> sessionId;  ///< echoes the params' sessionId
};
json toJSON(const ProviderSetResult&);

}  // namespace aieditor::protocol
