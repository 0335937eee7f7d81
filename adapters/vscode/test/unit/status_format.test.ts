import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClock, formatDateTime, formatGenerating, formatStatus, STATE_LABELS } from '../../src/status_format';

// The clock is local time: build the expected text the same way.
const stamp = '2026-11-25T08:09:03.123Z';
const d = new Date(stamp);
const two = (n: number) => String(n).padStart(2, '0');
const clock = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

test('each state has the label of the design', () => {
  assert.deepEqual(STATE_LABELS, {
    saved: '✅ Saved',
    saving: '⏳ Saving...',
    failed: '❌ Save failed',
    notSaved: '💾 Not saved',
  });
});

test('saved shows the last saved time', () => {
  const v = formatStatus({ sessionId: 's1', state: 'saved', lastSavedAt: stamp });
  assert.equal(v.state, 'saved');
  assert.equal(v.text, `✅ Saved ${clock}`);
  assert.match(v.tooltip, /Session: s1/);
  assert.match(v.tooltip, new RegExp(`Last saved: \\d{4}-\\d\\d-\\d\\d ${clock}`));
  assert.equal(v.ariaLabel, 'AI Editor: Saved');
});

test('saved without a time, saving and not saved read as their label', () => {
  assert.equal(formatStatus({ state: 'saved' }).text, '✅ Saved');
  assert.equal(formatStatus({ state: 'saving', lastSavedAt: stamp }).text, '⏳ Saving...');
  const notSaved = formatStatus({ state: 'notSaved' });
  assert.equal(notSaved.text, '💾 Not saved');
  assert.match(notSaved.tooltip, /Last saved: never/);
});

test('failed keeps the error for the tooltip and screen readers', () => {
  const v = formatStatus({ sessionId: 's', state: 'failed', error: 'attempt to write a readonly database', lastSavedAt: stamp, pendingWrites: 2 });
  assert.match(v.tooltip, /2 writes kept in memory, retrying/);
  assert.equal(v.text, '❌ Save failed');
  assert.match(v.tooltip, /Error: attempt to write a readonly database/);
  assert.match(v.tooltip, /Last saved: /);
  assert.equal(v.ariaLabel, 'AI Editor: Save failed: attempt to write a readonly database');
});

test('no session and unknown states', () => {
  const none = formatStatus(undefined);
  assert.equal(none.state, 'none');
  assert.equal(none.text, 'AI Editor');
  // A state from a newer server must not claim the work is saved.
  const odd = formatStatus({ state: 'syncing' as never });
  assert.equal(odd.state, 'notSaved');
  assert.equal(odd.text, '💾 Not saved');
});

test('the session id given overrides the one in the status', () => {
  assert.match(formatStatus({ sessionId: 'a', state: 'saved' }, 'b').tooltip, /Session: b/);
});

test('clock and date formatting reject bad input', () => {
  assert.equal(formatClock(undefined), undefined);
  assert.equal(formatClock('not a date'), undefined);
  assert.equal(formatClock(stamp), clock);
  assert.equal(formatDateTime('nope'), undefined);
  assert.equal(
    formatDateTime(stamp),
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock}`,
  );
});

test('"Generating…" counts the seconds since the reply started', () => {
  const since = '2026-02-01T00:00:00.000Z';
  assert.equal(formatGenerating(since, new Date('2026-02-01T00:00:12.900Z')), 'Generating… 12s');
  assert.equal(formatGenerating(since, new Date('2026-01-31T23:59:59.000Z')), 'Generating… 0s');
  assert.equal(formatGenerating(undefined, new Date()), 'Generating…');
});
