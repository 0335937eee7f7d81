// The texts of the quick picks. Pure and tested.

import type { Component, RejectedWrite, SessionSummary, SyncStatus } from './protocol';
import { formatDateTime } from './status_format';

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export const NEW_SESSION = Symbol('new session');

/** "1 write", "3 writes". */
export function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** "New session…" first, then the sessions, most recently updated first. */
export function sessionItems(sessions: SessionSummary[], openId?: string): Array<PickItem<string | typeof NEW_SESSION>> {
  const sorted = [...sessions].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  return [
    { label: '$(add) New session…', description: 'enter an id', value: NEW_SESSION },
    ...sorted.map((s) => ({
      label: s.title && s.title !== s.id ? s.title : s.id,
      description: `${s.id === openId ? 'open · ' : ''}${s.title && s.title !== s.id ? `${s.id} · ` : ''}${plural(s.messageCount, 'message')}, ${plural(s.componentCount, 'component')}`,
      detail: `Updated ${formatDateTime(s.updatedAt) ?? s.updatedAt}`,
      value: s.id,
    })),
  ];
}

/** The versions of a component, newest first; the latest is marked current. */
export function versionItems(versions: Component[]): Array<PickItem<number>> {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const latest = sorted[0]?.version;
  return sorted.map((c) => {
    const firstLine = c.jsx.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
    return {
      label: `v${c.version}${c.version === latest ? ' (current)' : ''}`,
      description: `${c.name} · ${formatDateTime(c.createdAt) ?? c.createdAt}`,
      detail: firstLine.length > 100 ? `${firstLine.slice(0, 99)}…` : firstLine,
      value: c.version,
    };
  });
}

/** A component name from a file name: "my-button.jsx" → "MyButton". */
export function componentNameFromFile(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  const words = stem.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  if (name === '') return 'Component';
  return /^[0-9]/.test(name) ? `C${name}` : name;
}

/** The default export file name for a session. */
export function exportFileName(sessionId: string): string {
  return `${sessionId.replace(/:/g, '_')}.aieditor.json`;
}

// ---- sync -------------------------------------------------------------------------

export type SyncAction = 'syncNow' | 'signIn' | 'signOut' | 'showRejected';

/**
 * The sync menu. Sign in comes first when it is what sync waits for; Sign out
 * only when signed in (a token stored here, or a user the backend named).
 */
export function syncMenuItems(status: SyncStatus | undefined, signedIn: boolean): Array<PickItem<SyncAction>> {
  const on = status !== undefined && status.state !== 'disabled';
  const pending = status?.pending ?? 0;
  const rejected = status?.rejected ?? 0;
  const syncNow: PickItem<SyncAction> = {
    label: '$(sync) Sync now',
    description: pending > 0 ? `${pending} waiting` : undefined,
    detail: 'Upload what is waiting and fetch what other devices wrote',
    value: 'syncNow',
  };
  const signIn: PickItem<SyncAction> = {
    label: '$(sign-in) Sign in…',
    description: status?.user ? `signed in as ${status.user}` : undefined,
    detail: on
      ? 'Enter your sign-in token (from aieditor-backend user add); VS Code keeps it in its secret storage'
      : 'Enter the team backend URL and your sign-in token; VS Code keeps the token in its secret storage',
    value: 'signIn',
  };
  const items: Array<PickItem<SyncAction>> = [];
  if (!on || status?.state === 'authRequired') items.push(signIn);
  if (on) items.push(syncNow);
  if (rejected > 0) {
    items.push({
      label: '$(warning) Show rejected writes',
      description: plural(rejected, 'write'),
      detail: 'Writes the backend refused: see why, and retry them',
      value: 'showRejected',
    });
  }
  if (on && status?.state !== 'authRequired') items.push(signIn);
  if (signedIn || status?.user) {
    items.push({
      label: '$(sign-out) Sign out',
      description: status?.user,
      detail: 'Forget the token. Everything stays here, and what is written uploads after the next sign-in',
      value: 'signOut',
    });
  }
  return items;
}

const KIND_NAMES: Readonly<Record<string, string>> = {
  message: 'Message',
  interaction: 'AI interaction',
  component: 'Component version',
  current_component: 'Current component',
  component_deleted: 'Component delete',
  session_deleted: 'Session delete',
};

/** What to do from the rejected writes list: retry (all, or one session's), or look at one write. */
export type RejectedChoice = { retry: true; sessionId?: string } | { retry: false; write: RejectedWrite };

/** "Retry all" first, then one retry per session when there are several, then the writes, oldest first. */
export function rejectedItems(writes: RejectedWrite[]): Array<PickItem<RejectedChoice>> {
  const sessions = new Map<string, number>();
  for (const w of writes) sessions.set(w.sessionId, (sessions.get(w.sessionId) ?? 0) + 1);
  const items: Array<PickItem<RejectedChoice>> = [
    { label: `$(refresh) Retry all ${plural(writes.length, 'rejected write')}`, value: { retry: true } },
  ];
  if (sessions.size > 1) {
    for (const [sessionId, n] of sessions) {
      items.push({ label: `$(refresh) Retry the ${plural(n, 'rejected write')} of ${sessionId}`, value: { retry: true, sessionId } });
    }
  }
  for (const w of writes) {
    const what = [KIND_NAMES[w.kind] ?? w.kind, w.recordId, w.version !== undefined ? `v${w.version}` : undefined];
    items.push({
      label: `$(warning) ${what.filter((x) => x !== undefined && x !== '').join(' ')}`,
      description: `${w.sessionId} · write #${w.seq}`,
      detail: w.error,
      value: { retry: false, write: w },
    });
  }
  return items;
}
