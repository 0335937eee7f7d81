// The chat view's state and the operations that change it. Pure: the extension
// host keeps one ChatState per window and sends each ChatOp to the webview,
// which applies the same reducer to its copy. Tested under node.

import type { Image, Message, PersistenceStatus } from './protocol';

/** How many messages one page of `session/open` and `messages/list` holds. */
export const PAGE_SIZE = 50;

/** A message as shown: `pending` marks a local echo not yet stored by the server. */
export type ChatMessage = Message & { pending?: boolean };

/** A prompt whose reply failed or was stopped: Retry sends it again. */
export interface FailedPrompt {
  text: string;
  images: Image[];
}

export interface ChatState {
  sessionId?: string;
  /** The session's title (its first prompt's first line); empty before the first prompt. */
  title?: string;
  /** Oldest first. */
  messages: ChatMessage[];
  /** Whether the server holds messages older than the first one here. */
  hasMore: boolean;
  loadingOlder: boolean;
  /** A chat/send is running. */
  busy: boolean;
  /** When the running chat/send started (ISO), for "Generating… 12s". */
  busySince?: string;
  status?: PersistenceStatus;
  /** The last error to show in the view, in plain words, cleared by the next send. */
  error?: string;
  /** The prompt of the reply that failed, offered again by Retry; cleared by the next send. */
  failedPrompt?: FailedPrompt;
}

export type ChatOp =
  /** The whole state, for a webview that was (re)created. */
  | { type: 'snapshot'; state: ChatState }
  | { type: 'reset'; sessionId?: string; title?: string; messages: Message[]; hasMore: boolean; status?: PersistenceStatus }
  | { type: 'title'; sessionId: string; title: string }
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
  | { type: 'busy'; busy: boolean; since?: string }
  /** A reply failed or was stopped: why, and the prompt to retry. */
  | { type: 'failed'; error: string; prompt: FailedPrompt }
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
        ...(op.title !== undefined ? { title: op.title } : {}),
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
    case 'title':
      return op.sessionId === state.sessionId ? { ...state, title: op.title } : state;
    case 'busy':
      return op.busy
        ? { ...state, busy: true, busySince: op.since, error: undefined, failedPrompt: undefined }
        : { ...state, busy: false, busySince: undefined };
    case 'failed':
      return { ...state, error: op.error, failedPrompt: op.prompt };
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

/** The first non-blank line of a prompt, at most 60 characters: the title the server gives a session. */
export function titleOf(prompt: string): string {
  const line = prompt.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return [...line].slice(0, 60).join('');
}

/** The prompt a reply answered: the nearest user message before it. */
export function promptOf(state: ChatState, replyId: string): ChatMessage | undefined {
  const at = state.messages.findIndex((m) => m.id === replyId);
  for (let i = at - 1; i >= 0; i--) {
    if (state.messages[i].role === 'user') return state.messages[i];
  }
  return undefined;
}

/** The newest stored assistant message, the one whose code the commands insert by default. */
export function lastAssistant(state: ChatState): ChatMessage | undefined {
  for (let i = state.messages.length - 1; i >= 0; i--) {
    const m = state.messages[i];
    if (m.role === 'assistant' && !m.pending) return m;
  }
  return undefined;
}
