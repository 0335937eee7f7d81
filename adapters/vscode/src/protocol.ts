// Wire types of the aieditor protocol (docs/protocol.md), in the editor-facing
// camelCase format. Plain data only: no vscode import, so the pure logic and
// the webview can share these types.

/** RFC 3339 UTC timestamp with milliseconds, e.g. "2026-11-25T08:00:00.000Z". */
export type Timestamp = string;

export type Role = 'user' | 'assistant' | 'system';
export type MessageStatus = 'complete' | 'streaming' | 'interrupted' | 'failed';
export type PersistenceState = 'notSaved' | 'saving' | 'saved' | 'failed';

export interface Image {
  mimeType: string;
  /** base64, without a data: prefix. */
  data: string;
}

export interface Message {
  id: string;
  sessionId: string;
  role: Role;
  content: string;
  images?: Image[];
  createdAt: Timestamp;
  status: MessageStatus;
  interactionId?: string;
  componentId?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface Interaction {
  id: string;
  sessionId: string;
  prompt: string;
  response: string;
  provider: string;
  model: string;
  status: string;
  createdAt: Timestamp;
  durationMs: number;
  usage?: Usage;
  error?: string;
  metadata: Record<string, unknown>;
}

export interface Component {
  id: string;
  sessionId: string;
  name: string;
  jsx: string;
  css: string;
  version: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  metadata: Record<string, unknown>;
}

export interface Session {
  id: string;
  title: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface SessionSummary extends Session {
  messageCount: number;
  componentCount: number;
}

/** The persistence state of one session, as `persistence/status` sends it. */
export interface PersistenceStatus {
  sessionId?: string;
  state: PersistenceState;
  lastSavedAt?: Timestamp;
  error?: string;
  /** Failed writes kept in memory, waiting for a retry. */
  pendingWrites?: number;
}

// ---- initialize -------------------------------------------------------------

export interface InitializationOptions {
  databasePath?: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  /** The extension passes the key in AIEDITOR_API_KEY instead: a verbose trace shows these options. */
  apiKey?: string;
  /** Offline provider pause between deltas, for tests. */
  offlineDelayMs?: number;
  /** The team backend; the extension passes the token in AIEDITOR_SYNC_TOKEN instead (a verbose trace shows these options). */
  sync?: { url?: string; token?: string };
}

// ---- methods ----------------------------------------------------------------

export interface SessionOpenParams {
  sessionId: string;
  limit?: number;
}
export interface SessionOpenResult {
  session: Session;
  /** Oldest first; a reply still arriving is the last one, with status "streaming". */
  messages: Message[];
  hasMore: boolean;
  components: Component[];
  currentComponentId?: string | null;
  status: PersistenceStatus;
  /** The session's in-memory chat store. */
  chatState?: {
    state: 'idle' | 'loading' | 'streaming' | 'error';
    error?: string;
    streamingMessageId?: string;
    unsavedMessageIds: string[];
  };
  /** The session's in-memory component store. */
  componentState?: { state: string; error?: string; unsaved: Component[] };
}

export interface SessionListParams {
  limit?: number;
  cursor?: string;
}
export interface SessionListResult {
  sessions: SessionSummary[];
  nextCursor?: string | null;
}

export interface SessionRenameParams {
  sessionId: string;
  title: string;
}
export interface SessionRenameResult {
  session: Session;
}

export type SearchKind = 'message' | 'component' | 'session';
export interface SearchQueryParams {
  query: string;
  sessionId?: string;
  kinds?: SearchKind[];
  limit?: number;
  cursor?: string;
}
/** One hit of `search/query`: `snippet` marks each match between « and ». */
export interface SearchHit {
  sessionId: string;
  sessionTitle: string;
  kind: SearchKind;
  /** The message's, the component's or (kind "session") the session's id. */
  id: string;
  role?: Role;
  componentVersion?: number;
  snippet: string;
  createdAt: Timestamp;
}
export interface SearchQueryResult {
  hits: SearchHit[];
  nextCursor?: string | null;
}

export interface SessionIdParams {
  sessionId: string;
}

export interface SessionExportResult {
  document: unknown;
}
export interface SessionImportParams {
  document: unknown;
  sessionId?: string;
}
export interface SessionImportResult {
  sessionId: string;
}

export interface ChatSendParams {
  sessionId: string;
  text: string;
  images?: Image[];
  /** Iterate on this component. */
  componentId?: string;
  /** Never iterate: always start a new component. */
  newComponent?: boolean;
  /** false: the reply stays a message (an edit of a selection): no component, no version. */
  makeComponent?: boolean;
}
export interface ChatSendResult {
  userMessage: Message;
  assistantMessage: Message;
  interaction: Interaction;
  component?: Component | null;
}

export interface PageParams {
  sessionId: string;
  before?: string;
  limit?: number;
}
export interface MessagesListResult {
  messages: Message[];
  hasMore: boolean;
}

export interface ComponentsListResult {
  components: Component[];
}
export interface ComponentsGetParams {
  sessionId: string;
  componentId?: string;
  version?: number;
}
export interface PreviewOpenParams extends ComponentsGetParams {
  /** A Host the preview accepts besides its own: the authority asExternalUri gave. */
  proxyHost?: string;
}
export interface PreviewOpenResult {
  /** http://127.0.0.1:PORT/SECRET/?session=... */
  url: string;
}
export interface ComponentResult {
  component: Component;
}
/**
 * What `components/save` takes. Without `id` it makes a new component; with an
 * existing one, a new version. `name` defaults to the existing name, or to the
 * function's name in the JSX.
 */
export interface ComponentInput {
  id?: string;
  name?: string;
  jsx: string;
  css: string;
  metadata?: Record<string, unknown>;
}
export interface ComponentsSaveParams {
  sessionId: string;
  component: ComponentInput;
}
export interface ComponentRefParams {
  sessionId: string;
  componentId: string;
}
/** What made a version (`components/history`). */
export type VersionOrigin =
  | { kind: 'prompt'; prompt?: string }
  | { kind: 'manual' }
  | { kind: 'restored'; fromVersion: number }
  | { kind: 'synced' }
  | { kind: 'unknown' };
export interface ComponentVersion extends Component {
  origin?: VersionOrigin;
  /** The latest version: the one files should hold. */
  current?: boolean;
}
export interface ComponentsHistoryResult {
  versions: ComponentVersion[];
}
export interface ComponentsRestoreParams {
  sessionId: string;
  componentId: string;
  version: number;
}

export type FileKind = 'jsx' | 'css';
/** A file the editor wrote a component to (`components/applied`, `components/files`). */
export interface AppliedFile {
  path: string;
  kind: FileKind;
  version: number;
  appliedAt: string;
}
export interface ComponentsAppliedParams {
  sessionId: string;
  componentId: string;
  version: number;
  files: Array<{ path: string; kind: FileKind }>;
}
export interface ComponentFilesResult {
  componentId: string;
  files: AppliedFile[];
}
export interface ComponentsRenderParams {
  sessionId: string;
  componentId?: string;
  version?: number;
  target: 'files' | 'insert';
  /** With target "insert": the file's text now. */
  existingText?: string;
}
export interface RenderFilesResult {
  componentId: string;
  version: number;
  jsx: string;
  css: string;
  jsxFileName: string;
  cssFileName: string;
}
export interface RenderInsertResult {
  componentId: string;
  version: number;
  /** The component without its imports. */
  insert: string;
  /** existingText with the imports merged and the component at the end. */
  text: string;
}

export interface SessionCloseResult {
  sessionId: string;
  closed: boolean;
}

export interface ProviderInfo {
  name: string;
  configured: boolean;
  models: string[];
  baseUrl?: string;
}
export interface ActiveProvider {
  provider: string;
  model: string;
}
export interface ProviderListResult {
  providers: ProviderInfo[];
  active: ActiveProvider;
}
export interface ProviderSetParams {
  sessionId?: string;
  provider: string;
  model?: string;
}
export interface ProviderSetResult {
  active: ActiveProvider;
  sessionId?: string;
}

export interface DeleteResult {
  deleted: boolean;
}

// ---- sync with the team backend --------------------------------------------

export type SyncState = 'disabled' | 'offline' | 'syncing' | 'synced' | 'authRequired' | 'error';

/** The `sync/status` reply and notification, also the reply of sync/now, sync/login and sync/logout. */
export interface SyncStatus {
  state: SyncState;
  /** Writes in the outbox the backend has not acknowledged yet. */
  pending: number;
  /** Writes the backend refused; they wait for sync/retryRejected. */
  rejected: number;
  lastSyncedAt?: Timestamp;
  error?: string;
  /** When the next attempt is due, with `offline` and `error`. */
  retryAt?: Timestamp;
  user?: string;
}

export interface SyncLoginParams {
  /** Replaces the configured backend URL for this process. */
  url?: string;
  token: string;
  /** Also write the credentials file (the extension keeps the token in SecretStorage instead). */
  remember?: boolean;
}

export interface SyncSessionParams {
  sessionId?: string;
}

/** A write the backend refused, as `sync/rejected` lists it. */
export interface RejectedWrite {
  seq: number;
  sessionId: string;
  /** As stored in the outbox: message, interaction, component (a version), current_component, component_deleted, session_deleted. */
  kind: string;
  recordId?: string;
  version?: number;
  error: string;
}
export interface SyncRejectedResult {
  writes: RejectedWrite[];
}
export interface SyncRetryRejectedResult {
  retried: number;
}

/** Records pulled from the backend changed an open session: only what changed is present. */
export interface SessionChangedParams {
  sessionId: string;
  messages?: Message[];
  components?: Component[];
  /** null: the session has no current component now. */
  currentComponentId?: string | null;
  /** The session was deleted on another device. */
  deleted?: boolean;
}

// ---- errors -------------------------------------------------------------------

/** The server's error codes beyond JSON-RPC's (docs/protocol.md §2). */
export const ErrorCodes = {
  StorageFailed: -32001,
  ServerNotInitialized: -32002,
  ProviderFailed: -32003,
  RequestCancelled: -32800,
} as const;

// ---- notifications ----------------------------------------------------------

export interface ChatDeltaParams {
  sessionId: string;
  messageId: string;
  delta: string;
}

export type PersistenceStatusParams = PersistenceStatus & { sessionId: string };
