// One typed request or notification constant per method of the aieditor
// protocol. This file mirrors docs/protocol.md section "Methods": keep the two
// in step.

import { NotificationType, RequestType } from 'vscode-languageclient';
import type * as p from './protocol';

// ---- sessions ---------------------------------------------------------------
export const sessionOpen = new RequestType<p.SessionOpenParams, p.SessionOpenResult, void>('session/open');
export const sessionClose = new RequestType<p.SessionIdParams, p.SessionCloseResult, void>('session/close');
export const sessionList = new RequestType<p.SessionListParams, p.SessionListResult, void>('session/list');
export const sessionDelete = new RequestType<p.SessionIdParams, p.DeleteResult & { sessionId: string }, void>('session/delete');
export const sessionExport = new RequestType<p.SessionIdParams, p.SessionExportResult, void>('session/export');
export const sessionImport = new RequestType<p.SessionImportParams, p.SessionImportResult, void>('session/import');

// ---- chat, messages and interactions ----------------------------------------
export const chatSend = new RequestType<p.ChatSendParams, p.ChatSendResult, void>('chat/send');
export const messagesList = new RequestType<p.PageParams, p.MessagesListResult, void>('messages/list');
export const messagesAdd = new RequestType<{ sessionId: string; message: Partial<p.Message> }, { message: p.Message }, void>(
  'messages/add',
);
export const interactionsList = new RequestType<p.PageParams, { interactions: p.Interaction[]; hasMore: boolean }, void>(
  'interactions/list',
);
export const interactionsAdd = new RequestType<
  { sessionId: string; interaction: Partial<p.Interaction> },
  { interaction: p.Interaction },
  void
>('interactions/add');

// ---- components ---------------------------------------------------------------
export const componentsList = new RequestType<p.SessionIdParams, p.ComponentsListResult, void>('components/list');
export const componentsGet = new RequestType<p.ComponentsGetParams, p.ComponentResult, void>('components/get');
export const componentsSave = new RequestType<p.ComponentsSaveParams, p.ComponentResult, void>('components/save');
export const componentsDelete = new RequestType<p.ComponentRefParams, p.DeleteResult & { componentId: string }, void>('components/delete');
export const componentsHistory = new RequestType<p.ComponentRefParams, p.ComponentsHistoryResult, void>(
  'components/history',
);
export const componentsRestore = new RequestType<p.ComponentsRestoreParams, p.ComponentResult, void>(
  'components/restore',
);
export const componentsApplied = new RequestType<p.ComponentsAppliedParams, p.ComponentFilesResult, void>('components/applied');
export const componentsFiles = new RequestType<p.ComponentRefParams, p.ComponentFilesResult, void>('components/files');
export const componentsRenderFiles = new RequestType<p.ComponentsRenderParams & { target: 'files' }, p.RenderFilesResult, void>(
  'components/render',
);
export const componentsRenderInsert = new RequestType<p.ComponentsRenderParams & { target: 'insert' }, p.RenderInsertResult, void>(
  'components/render',
);
export const componentsSetCurrent = new RequestType<p.ComponentRefParams, { currentComponentId: string }, void>('components/setCurrent');

// ---- providers ------------------------------------------------------------------
export const providerList = new RequestType<Record<string, never> | null, p.ProviderListResult, void>('provider/list');
export const providerSet = new RequestType<p.ProviderSetParams, p.ProviderSetResult, void>('provider/set');

// ---- sync with the team backend -------------------------------------------------
export const syncStatus = new RequestType<Record<string, never>, p.SyncStatus, void>('sync/status');
export const syncNow = new RequestType<Record<string, never>, p.SyncStatus, void>('sync/now');
export const syncLogin = new RequestType<p.SyncLoginParams, p.SyncStatus, void>('sync/login');
export const syncLogout = new RequestType<Record<string, never>, p.SyncStatus, void>('sync/logout');
export const syncRejected = new RequestType<p.SyncSessionParams, p.SyncRejectedResult, void>('sync/rejected');
export const syncRetryRejected = new RequestType<p.SyncSessionParams, p.SyncRetryRejectedResult, void>('sync/retryRejected');

// ---- notifications from the server -------------------------------------------
export const chatDelta = new NotificationType<p.ChatDeltaParams>('chat/delta');
export const persistenceStatus = new NotificationType<p.PersistenceStatusParams>('persistence/status');
export const sessionChanged = new NotificationType<p.SessionChangedParams>('session/changed');
export const syncStatusChanged = new NotificationType<p.SyncStatus>('sync/status');
