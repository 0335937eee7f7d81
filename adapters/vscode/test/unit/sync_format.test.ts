import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectedItems, syncMenuItems } from '../../src/labels';
import type { RejectedWrite, SyncStatus } from '../../src/protocol';
import { formatSync, validateBackendUrl } from '../../src/sync_format';

const now = Date.parse('2026-12-03T12:30:00.000Z');
const inMs = (ms: number) => new Date(now + ms).toISOString();

function status(s: Partial<SyncStatus> & Pick<SyncStatus, 'state'>): SyncStatus {
  return { pending: 0, rejected: 0, ...s };
}

test('sync off, or no server, shows nothing', () => {
  assert.equal(formatSync(undefined, now).visible, false);
  assert.equal(formatSync(status({ state: 'disabled', pending: 4 }), now).visible, false);
});

test('each state reads as in the design', () => {
  const cases: Array<[SyncStatus, string]> = [
    [status({ state: 'synced' }), 'Synced'],
    [status({ state: 'syncing', pending: 3 }), 'Syncing…'],
    [status({ state: 'offline', pending: 12, retryAt: inMs(12_000) }), 'Offline · 12 waiting (retry in 12 s)'],
    [status({ state: 'offline', pending: 1 }), 'Offline · 1 waiting'],
    [status({ state: 'offline', retryAt: inMs(1_500) }), 'Offline (retry in 2 s)'],
    [status({ state: 'authRequired', pending: 5 }), 'Sign in to sync'],
    [status({ state: 'synced', rejected: 2 }), '2 rejected'],
    [status({ state: 'error', pending: 2, retryAt: inMs(30_000), error: 'HTTP 503' }), 'Sync error · 2 waiting (retry in 30 s)'],
  ];
  for (const [s, label] of cases) {
    const v = formatSync(s, now);
    assert.equal(v.visible, true, label);
    assert.equal(v.label, label);
    assert.equal(v.ariaLabel, `AI Editor sync: ${label}`);
    assert.match(v.text, new RegExp(`^\\$\\([a-z~-]+\\) ${label.replace(/[()]/g, '\\$&')}$`));
  }
});

test('the retry counts down to retryAt, then says it is retrying and asks for a new status', () => {
  const s = status({ state: 'offline', pending: 3, retryAt: inMs(12_000) });
  assert.equal(formatSync(s, now).countingDown, true);
  assert.equal(formatSync(s, now + 999).label, 'Offline · 3 waiting (retry in 12 s)');
  assert.equal(formatSync(s, now + 1_000).label, 'Offline · 3 waiting (retry in 11 s)');
  assert.equal(formatSync(s, now + 11_001).label, 'Offline · 3 waiting (retry in 1 s)');
  const due = formatSync(s, now + 12_000);
  assert.equal(due.label, 'Offline · 3 waiting (retrying…)');
  assert.equal(due.countingDown, false);
  assert.equal(due.retryDue, true);
  // A bad timestamp is left out rather than shown as NaN.
  assert.equal(formatSync(status({ state: 'offline', retryAt: 'soon' }), now).label, 'Offline');
  // Only offline and error wait for a retry.
  assert.equal(formatSync(status({ state: 'synced', retryAt: inMs(5_000) }), now).countingDown, false);
});

test('the tooltip explains, names the user, the error and the last sync, and never claims more', () => {
  const v = formatSync(
    status({ state: 'offline', pending: 2, rejected: 1, user: 'alice', lastSyncedAt: '2026-12-03T12:00:00.000Z', error: 'cannot reach http://127.0.0.1:8787' }),
    now,
  );
  assert.match(v.tooltip, /^AI Editor sync: The team backend cannot be reached\. Everything is saved here; 2 writes will upload by themselves/);
  assert.match(v.tooltip, /Signed in as alice/);
  assert.match(v.tooltip, /1 write refused by the backend/);
  assert.match(v.tooltip, /Last synced: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  assert.match(v.tooltip, /Error: cannot reach http:\/\/127\.0\.0\.1:8787/);
  const refused = formatSync(status({ state: 'synced', rejected: 2 }), now).tooltip;
  assert.match(refused, /^AI Editor sync: The backend refused 2 writes; everything else written here is on it\./);
  assert.doesNotMatch(refused, /Everything written here is on the team backend/);
  assert.equal(formatSync(status({ state: 'synced' }), now).severity, 'none');
  assert.equal(formatSync(status({ state: 'synced', rejected: 1 }), now).severity, 'warning');
  assert.equal(formatSync(status({ state: 'authRequired' }), now).severity, 'warning');
  assert.equal(formatSync(status({ state: 'error' }), now).severity, 'error');
  assert.match(formatSync(status({ state: 'synced' }), now).tooltip, /Last synced: never/);
  // A state from a newer server is named, not taken for "Synced".
  assert.equal(formatSync(status({ state: 'paused' as never }), now).label, 'Sync: paused');
});

test('the sync menu puts what sync waits for first', () => {
  const values = (s: SyncStatus | undefined, signedIn: boolean) => syncMenuItems(s, signedIn).map((i) => i.value);
  assert.deepEqual(values(undefined, false), ['signIn']);
  assert.deepEqual(values(status({ state: 'disabled' }), false), ['signIn']);
  assert.deepEqual(values(status({ state: 'authRequired', pending: 3 }), false), ['signIn', 'syncNow']);
  assert.deepEqual(values(status({ state: 'synced', user: 'alice' }), true), ['syncNow', 'signIn', 'signOut']);
  assert.deepEqual(values(status({ state: 'offline', rejected: 2 }), true), ['syncNow', 'showRejected', 'signIn', 'signOut']);
  const [signIn] = syncMenuItems(status({ state: 'disabled' }), false);
  assert.match(signIn.detail ?? '', /backend URL/);
  assert.equal(syncMenuItems(status({ state: 'offline', pending: 4 }), false).find((i) => i.value === 'syncNow')?.description, '4 waiting');
});

test('rejected writes: retry all first, one retry per session, then each write with its error', () => {
  const writes: RejectedWrite[] = [
    { seq: 7, sessionId: 'a', kind: 'message', recordId: 'm1', error: 'message m1 exists with other content' },
    { seq: 9, sessionId: 'b', kind: 'component', recordId: 'c1', version: 3, error: 'jsx: too long' },
    { seq: 12, sessionId: 'a', kind: 'something_new', error: 'no' },
  ];
  const items = rejectedItems(writes);
  assert.deepEqual(
    items.map((i) => i.label),
    [
      '$(refresh) Retry all 3 rejected writes',
      '$(refresh) Retry the 2 rejected writes of a',
      '$(refresh) Retry the 1 rejected write of b',
      '$(warning) Message m1',
      '$(warning) Component version c1 v3',
      '$(warning) something_new',
    ],
  );
  assert.deepEqual(items[0].value, { retry: true });
  assert.deepEqual(items[1].value, { retry: true, sessionId: 'a' });
  assert.equal(items[3].detail, 'message m1 exists with other content');
  assert.equal(items[4].description, 'b · write #9');
  // One session: no per-session line.
  assert.equal(rejectedItems([writes[0]]).length, 2);
});

test('the backend URL must be http(s)', () => {
  assert.equal(validateBackendUrl('http://127.0.0.1:8787'), undefined);
  assert.equal(validateBackendUrl(' https://sync.example.com/ '), undefined);
  assert.match(validateBackendUrl('')!, /Enter/);
  assert.match(validateBackendUrl('127.0.0.1:8787')!, /http:\/\/ or https:\/\//);
  assert.match(validateBackendUrl('http://')!, /not a URL/);
});
