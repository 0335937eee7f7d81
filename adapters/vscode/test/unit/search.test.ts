import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchHit } from '../../src/protocol';
import { hitItem, hitsSummary, LatestOnly } from '../../src/search_model';

/** A promise settled from outside, to answer queries in any order. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('a slow earlier query that answers last is dropped: the newer answer stands', async () => {
  const latest = new LatestOnly();
  const slow = deferred<string>();
  const fast = deferred<string>();
  const first = latest.run(() => slow.promise);
  const second = latest.run(() => fast.promise);
  fast.resolve('pricing');
  assert.equal(await second, 'pricing');
  slow.resolve('pric');
  assert.equal(await first, undefined, 'the overtaken answer is dropped');
});

test('an overtaken query that fails is dropped too; the newest one fails loudly', async () => {
  const latest = new LatestOnly();
  const old = deferred<string>();
  const first = latest.run(() => old.promise);
  const second = latest.run(() => Promise.reject(new Error('storage failed')));
  await assert.rejects(second, /storage failed/);
  old.reject(new Error('cancelled'));
  assert.equal(await first, undefined);
});

test('invalidate drops what is running (the user cleared the box)', async () => {
  const latest = new LatestOnly();
  const running = deferred<string>();
  const answer = latest.run(() => running.promise);
  latest.invalidate();
  running.resolve('late');
  assert.equal(await answer, undefined);
});

const NOW = new Date('2026-02-01T00:10:00.000Z');
function hit(over: Partial<SearchHit>): SearchHit {
  return {
    sessionId: 's1',
    sessionTitle: 'Pricing page',
    kind: 'message',
    id: 'm1',
    role: 'user',
    snippet: 'Make a «pricing» table\nwith three tiers',
    createdAt: '2026-02-01T00:07:00.000Z',
    ...over,
  };
}

test('a hit reads title, time, what matched, and the snippet with its marks on one line', () => {
  const item = hitItem(hit({}), NOW);
  assert.equal(item.label, '$(comment) Pricing page');
  assert.equal(item.description, '3 min ago · You');
  assert.equal(item.detail, 'Make a «pricing» table with three tiers');
  assert.equal(hitItem(hit({ role: 'assistant' }), NOW).description, '3 min ago · AI');
  const component = hitItem(hit({ kind: 'component', role: undefined, componentVersion: 3, sessionTitle: '' }), NOW);
  assert.equal(component.label, '$(symbol-class) Untitled session');
  assert.equal(component.description, '3 min ago · component v3');
  assert.equal(hitItem(hit({ kind: 'session', role: undefined }), NOW).description, '3 min ago · title');
});

test('the summary counts the hits, or says nothing matched', () => {
  assert.match(hitsSummary('', 0, false), /Type words/);
  assert.equal(hitsSummary(' zebra ', 0, false), 'Nothing matches zebra');
  assert.equal(hitsSummary('pricing', 1, false), '1 hit for pricing');
  assert.equal(hitsSummary('pricing', 50, true), '50 hits so far for pricing');
});
