// The texts of the quick picks. Pure and tested.

import type { ComponentVersion, RejectedWrite, SessionSummary, SyncStatus, VersionOrigin } from './protocol';
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

/** "just now", "42 s ago", "3 min ago", "5 h ago", "yesterday", "4 days ago", then the date. */
export function relativeTime(timestamp: string, now: Date): string {
  const then = new Date(timestamp);
  if (Number.isNaN(then.getTime())) return timestamp;
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return formatDateTime(timestamp)?.slice(0, 10) ?? timestamp;
}

/** "New session" first, then the sessions by title, most recently updated first. */
export function sessionItems(
  sessions: SessionSummary[],
  openId: string | undefined,
  now: Date,
): Array<PickItem<string | typeof NEW_SESSION>> {
  const sorted = [...sessions].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0));
  return [
    { label: '$(add) New session', description: 'its title comes from its first prompt', value: NEW_SESSION },
    ...sorted.map((s) => ({
      label: s.title || 'Untitled session',
      description: `${s.id === openId ? 'open · ' : ''}${relativeTime(s.updatedAt, now)}`,
      detail: `${plural(s.messageCount, 'message')}, ${plural(s.componentCount, 'component')} · ${s.id}`,
      value: s.id,
    })),
  ];
}

/** What made a version, in words: the prompt's first line, "manual save", "restored from v1"... */
export function originText(origin: VersionOrigin | undefined): string {
  switch (origin?.kind) {
    case 'prompt':
      return origin.prompt ? `"${origin.prompt}"` : 'from a prompt';
    case 'manual':
      return 'manual save';
    case 'restored':
      return `restored from v${origin.fromVersion}`;
    case 'synced':
      return 'from another device';
    default:
      return 'origin unknown';
  }
}

/** The versions of a component, newest first: number, when it was made (its updatedAt), origin, and which is current. */
export function versionItems(versions: ComponentVersion[], now: Date): Array<PickItem<ComponentVersion>> {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const latest = sorted[0]?.version;
  return sorted.map((c) => {
    const current = c.current ?? c.version === latest;
    return {
      label: `${current ? '$(check) ' : ''}v${c.version}${current ? ' (current)' : ''}`,
      description: `${relativeTime(c.updatedAt, now)} · ${originText(c.origin)}`,
      detail: `${c.name} · ${formatDateTime(c.updatedAt) ?? c.updatedAt}${current ? '' : ' · choose to compare with the current version, then restore'}`,
      value: c,
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
