// The chat view's state and the operations that change it. Pure: the extension
// host keeps one ChatState per window and sends each ChatOp to the webview,
// which applies the same reducer to its copy. Tested under node.

import type { Message, PersistenceStatus } from './protocol';

/** How many messages one page of `session/open` and `messages/list` holds. */
export const PAGE_SIZE = 50;

/** A message as shown: `pending` marks a local echo not yet stored by the server. */
export type ChatMessage = Message & { pending?: boolean };

export interface ChatState {
  sessionId?: string;
  /** Oldest first. */
  messages: ChatMessage[];
  /** Whether the server holds messages older than the first one here. */
  hasMore: boolean;
  loadingOlder: boolean;
  /** A chat/send is running. */
  busy: boolean;
  status?: PersistenceStatus;
  /** The last error to show in the view, cleared by the next success. */
  error?: string;
}

export type ChatOp =
  /** The whole state, for a webview that was (re)created. */
  | { type: 'snapshot'; state: ChatState }
  | { type: 'reset'; sessionId?: string; messages: Message[]; hasMore: boolean; status?: PersistenceStatus }
  | { type: 'olderLoading' }
  | { type: 'older'; sessionId: string; messages: Message[]; hasMore: boolean }
  | { type: 'olderFailed'; error: string }
  /** Insert or replace by id; `replaces` names a pending message to put it in place of. */
  | { type: 'upsert'; message: ChatMessage; replaces?: string }
  /** After a failed or cancelled send: merge the newest stored page, dropping local echoes. */
  | { type: 'mergeNewest'; sessionId: string; messages: Message[] }
  /** Messages another device wrote, pulled from the team backend (`session/changed`). */
  | { type: 'pulled'; sessionId: string; messages: Message[] }
  | { type: 'delta'; sessionId: string; messageId: string; delta: string; at: string }
  | { type: 'busy'; busy: boolean }
  | { type: 'status'; status: PersistenceStatus }
  | { type: 'error'; error?: string };

export function emptyState(): ChatState {
  return { messages: [], hasMore: false, loadingOlder: false, busy: false };
}

function indexOf(messages: ChatMessage[], id: string): number {
  return messages.findIndex((m) => m.id === id);
}

/** Applies one operation, returning a new state (the input is not changed). */
export function applyOp(state: ChatState, op: ChatOp): ChatState {
  switch (op.type) {
    case 'snapshot':
      return { ...op.state, messages: [...op.state.messages] };
    case 'reset':
      return {
        ...emptyState(),
        sessionId: op.sessionId,
        messages: [...op.messages],
        hasMore: op.hasMore,
        status: op.status,
      };
    case 'olderLoading':
      return { ...state, loadingOlder: true };
    case 'older': {
      if (op.sessionId !== state.sessionId) return state;
      const known = new Set(state.messages.map((m) => m.id));
      const fresh = op.messages.filter((m) => !known.has(m.id));
      return { ...state, messages: [...fresh, ...state.messages], hasMore: op.hasMore, loadingOlder: false };
    }
    case 'olderFailed':
      return { ...state, loadingOlder: false, error: op.error };
    case 'upsert': {
      if (state.sessionId !== undefined && op.message.sessionId !== state.sessionId) return state;
      const messages = [...state.messages];
      const at = indexOf(messages, op.message.id);
      if (at >= 0) {
        messages[at] = op.message;
        if (op.replaces !== undefined && op.replaces !== op.message.id) {
          const stale = indexOf(messages, op.replaces);
          if (stale >= 0) messages.splice(stale, 1);
        }
      } else {
        const stale = op.replaces !== undefined ? indexOf(messages, op.replaces) : -1;
        if (stale >= 0) messages[stale] = op.message;
        else messages.push(op.message);
      }
      return { ...state, messages };
    }
    case 'mergeNewest': {
      if (op.sessionId !== state.sessionId) return state;
      // Messages outside the newest page are older than it; local echoes and
      // streamed text are replaced by what the server stored.
      const stored = new Set(op.messages.map((m) => m.id));
      const older = state.messages.filter((m) => !m.pending && m.status !== 'streaming' && !stored.has(m.id));
      return { ...state, messages: [...older, ...op.messages] };
    }
    case 'pulled': {
      if (op.sessionId !== state.sessionId) return state;
      // Known ids are replaced in place; new ones come in the server's order,
      // before this window's own messages still on their way (a local echo, a
      // reply streaming), which the server lists last too.
      const messages = [...state.messages];
      for (const m of op.messages) {
        const at = indexOf(messages, m.id);
        if (at >= 0) {
          messages[at] = m;
          continue;
        }
        const inFlight = messages.findIndex((x) => x.pending || x.status === 'streaming');
        messages.splice(inFlight >= 0 ? inFlight : messages.length, 0, m);
      }
      return { ...state, messages };
    }
    case 'delta': {
      if (op.sessionId !== state.sessionId) return state;
      const messages = [...state.messages];
      const at = indexOf(messages, op.messageId);
      if (at >= 0) {
        const m = messages[at];
        messages[at] = { ...m, content: m.content + op.delta, status: 'streaming' };
      } else {
        messages.push({
          id: op.messageId,
          sessionId: op.sessionId,
          role: 'assistant',
          content: op.delta,
          createdAt: op.at,
          status: 'streaming',
        });
      }
      return { ...state, messages };
    }
    case 'busy':
      return { ...state, busy: op.busy };
    case 'status':
      if (op.status.sessionId !== undefined && op.status.sessionId !== state.sessionId) return state;
      return { ...state, status: op.status };
    case 'error':
      return { ...state, error: op.error };
  }
}

/**
 * The `messages/list` params for the page just older than what the view holds,
 * or undefined when there is nothing to load or a load is already running.
 */
export function olderPageParams(
  state: ChatState,
  limit = PAGE_SIZE,
): { sessionId: string; before: string; limit: number } | undefined {
  if (!state.sessionId || !state.hasMore || state.loadingOlder) return undefined;
  const oldest = state.messages.find((m) => !m.pending);
  if (!oldest) return undefined;
  return { sessionId: state.sessionId, before: oldest.id, limit };
}

/** The newest stored assistant message, the one whose code the commands insert by default. */
export function lastAssistant(state: ChatState): ChatMessage | undefined {
  for (let i = state.messages.length - 1; i >= 0; i--) {
    const m = state.messages[i];
    if (m.role === 'assistant' && !m.pending) return m;
  }
  return undefined;
}
