// How a persistence status reads, in the status bar and at the top right of the
// chat view. Pure: shared by the extension host and the webview, and tested.

import type { PersistenceState, PersistenceStatus } from './protocol';

/** The label of each state, as in the design. */
export const STATE_LABELS: Readonly<Record<PersistenceState, string>> = {
  saved: '✅ Saved',
  saving: '⏳ Saving...',
  failed: '❌ Save failed',
  notSaved: '💾 Not saved',
};

export interface StatusView {
  /** The state, or "none" when no session is open. */
  state: PersistenceState | 'none';
  /** Short text: the label, plus the last saved time when there is one. */
  text: string;
  /** Longer text for a tooltip: session, last saved time and any error. */
  tooltip: string;
  /** The text for screen readers. */
  ariaLabel: string;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "HH:MM:SS" in local time, or undefined for a missing or unparsable timestamp. */
export function formatClock(timestamp: string | undefined): string | undefined {
  if (!timestamp) return undefined;
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** "YYYY-MM-DD HH:MM:SS" in local time, or undefined. */
export function formatDateTime(timestamp: string | undefined): string | undefined {
  const clock = formatClock(timestamp);
  if (!clock || !timestamp) return undefined;
  const d = new Date(timestamp);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clock}`;
}

function isState(s: unknown): s is PersistenceState {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(STATE_LABELS, s);
}

/**
 * The view of a session's persistence status. `status` undefined means no
 * session is open. An unknown state from a newer server reads as not saved,
 * which is the safe claim.
 */
export function formatStatus(status: PersistenceStatus | undefined, sessionId?: string): StatusView {
  if (!status) {
    return {
      state: 'none',
      text: 'AI Editor',
      tooltip: 'AI Editor: no session open. Click to open the chat.',
      ariaLabel: 'AI Editor: no session open',
    };
  }
  const state: PersistenceState = isState(status.state) ? status.state : 'notSaved';
  const label = STATE_LABELS[state];
  const clock = formatClock(status.lastSavedAt);
  const text = state === 'saved' && clock ? `${label} ${clock}` : label;

  const lines = [`AI Editor: ${label.replace(/^\S+\s/, '')}`];
  const session = sessionId ?? status.sessionId;
  if (session) lines.push(`Session: ${session}`);
  const when = formatDateTime(status.lastSavedAt);
  lines.push(`Last saved: ${when ?? 'never'}`);
  if (status.error) lines.push(`Error: ${status.error}`);
  if (status.pendingWrites) lines.push(`${status.pendingWrites} write${status.pendingWrites === 1 ? '' : 's'} kept in memory, retrying`);
  lines.push('Click to open the chat.');

  const plain = label.replace(/^\S+\s/, '');
  const ariaLabel = status.error ? `AI Editor: ${plain}: ${status.error}` : `AI Editor: ${plain}`;
  return { state, text, tooltip: lines.join('\n'), ariaLabel };
}

/** "Generating… 12s": how long the running reply has taken. */
export function formatGenerating(since: string | undefined, now: Date): string {
  const start = since ? new Date(since).getTime() : NaN;
  if (Number.isNaN(start)) return 'Generating…';
  return `Generating… ${Math.max(0, Math.floor((now.getTime() - start) / 1000))}s`;
}
