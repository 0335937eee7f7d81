// How the sync state reads in the status bar, beside the save state. Pure and
// tested: `now` is passed in, so the countdown to the next retry is too.

import { plural } from './labels';
import type { SyncStatus } from './protocol';
import { formatDateTime } from './status_format';

export interface SyncView {
  /** False with sync off (`disabled`) or no server running: the item is hidden. */
  visible: boolean;
  /** The label without icon, e.g. "Offline · 3 waiting (retry in 12 s)". */
  label: string;
  /** The status bar text: a codicon and the label. */
  text: string;
  tooltip: string;
  ariaLabel: string;
  /** What the item's background says: needs the user (warning), or failing (error). */
  severity: 'none' | 'warning' | 'error';
  /** The text counts down to `retryAt`: redraw every second. */
  countingDown: boolean;
  /** `retryAt` has passed while still offline or failing: the server's status is worth asking again. */
  retryDue: boolean;
}

/** " (retry in 12 s)", " (retrying…)" once due, or "" without a (valid) retryAt. */
function retryText(retryAt: string | undefined, now: number): { text: string; counting: boolean; due: boolean } {
  const at = retryAt ? Date.parse(retryAt) : Number.NaN;
  if (Number.isNaN(at)) return { text: '', counting: false, due: false };
  const seconds = Math.ceil((at - now) / 1000);
  if (seconds <= 0) return { text: ' (retrying…)', counting: false, due: true };
  return { text: ` (retry in ${seconds} s)`, counting: true, due: false };
}

const HIDDEN: SyncView = {
  visible: false,
  label: '',
  text: '',
  tooltip: '',
  ariaLabel: '',
  severity: 'none',
  countingDown: false,
  retryDue: false,
};

/** The status bar view of a sync status; `undefined` means no server is running. */
export function formatSync(status: SyncStatus | undefined, now: number): SyncView {
  if (!status || status.state === 'disabled') return HIDDEN;
  const pending = Number.isInteger(status.pending) && status.pending > 0 ? status.pending : 0;
  const rejected = Number.isInteger(status.rejected) && status.rejected > 0 ? status.rejected : 0;
  const waiting = pending > 0 ? ` · ${pending} waiting` : '';
  const retry = retryText(status.retryAt, now);

  let icon: string;
  let label: string;
  let explanation: string;
  let severity: SyncView['severity'] = 'none';
  switch (status.state) {
    case 'synced':
      icon = rejected > 0 ? 'warning' : 'cloud';
      label = rejected > 0 ? `${rejected} rejected` : 'Synced';
      explanation =
        rejected > 0
          ? `The backend refused ${plural(rejected, 'write')}; everything else written here is on it.`
          : 'Everything written here is on the team backend.';
      if (rejected > 0) severity = 'warning';
      break;
    case 'syncing':
      icon = 'sync~spin';
      label = 'Syncing…';
      explanation = pending > 0 ? `Uploading ${plural(pending, 'write')} to the team backend.` : 'Exchanging changes with the team backend.';
      break;
    case 'offline':
      icon = 'debug-disconnect';
      label = `Offline${waiting}${retry.text}`;
      explanation =
        'The team backend cannot be reached. Everything is saved here; ' +
        (pending > 0 ? `${plural(pending, 'write')} will upload by ${pending === 1 ? 'itself' : 'themselves'} when it is back.` : 'it is retried by itself.');
      break;
    case 'authRequired':
      icon = 'account';
      label = 'Sign in to sync';
      explanation =
        'Not signed in, or the backend refused the sign-in token. Nothing is lost: ' +
        (pending > 0 ? `${plural(pending, 'write')} wait here until you sign in.` : 'writes wait here until you sign in.');
      severity = 'warning';
      break;
    case 'error':
      icon = 'error';
      label = `Sync error${waiting}${retry.text}`;
      explanation = 'The team backend answered with an error; it is retried by itself, and nothing is lost.';
      severity = 'error';
      break;
    default:
      // A state from a newer server: say what it is, claim nothing.
      icon = 'question';
      label = `Sync: ${String(status.state)}`;
      explanation = 'A sync state this extension does not know.';
  }

  const lines = [`AI Editor sync: ${explanation}`];
  if (status.user) lines.push(`Signed in as ${status.user}`);
  if (pending > 0 && status.state !== 'offline' && status.state !== 'authRequired') lines.push(`${plural(pending, 'write')} waiting to upload`);
  if (rejected > 0) lines.push(`${plural(rejected, 'write')} refused by the backend (kept here; open the menu to see and retry them)`);
  lines.push(`Last synced: ${formatDateTime(status.lastSyncedAt) ?? 'never'}`);
  if (status.error) lines.push(`Error: ${status.error}`);
  lines.push('Click for Sync now, Sign in, Sign out and rejected writes.');

  return {
    visible: true,
    label,
    text: `$(${icon}) ${label}`,
    tooltip: lines.join('\n'),
    ariaLabel: `AI Editor sync: ${label}`,
    severity,
    countingDown: retry.counting && (status.state === 'offline' || status.state === 'error'),
    retryDue: retry.due && (status.state === 'offline' || status.state === 'error'),
  };
}

/** Why `value` is not a backend URL for sync/login, or undefined when it is one. */
export function validateBackendUrl(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'Enter the URL of the team backend.';
  if (!/^https?:\/\//i.test(v)) return 'The URL must start with http:// or https://.';
  try {
    new URL(v);
  } catch {
    return `"${v}" is not a URL.`;
  }
  return undefined;
}
