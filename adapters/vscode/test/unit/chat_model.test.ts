import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyOp, emptyState, lastAssistant, olderPageParams, PAGE_SIZE, promptOf, titleOf, type ChatOp, type ChatState } from '../../src/chat_model';
import type { Message } from '../../src/protocol';

function msg(id: string, role: Message['role'] = 'user', content = id, sessionId = 's'): Message {
  return { id, sessionId, role, content, createdAt: '2026-11-25T08:00:00.000Z', status: 'complete' };
}

function run(ops: ChatOp[], state: ChatState = emptyState()): ChatState {
  return ops.reduce(applyOp, state);
}

const opened: ChatOp = { type: 'reset', sessionId: 's', messages: [msg('m3'), msg('m4')], hasMore: true, status: { state: 'saved' } };

test('reset opens a session with its newest page', () => {
  const s = run([{ type: 'busy', busy: true }, opened]);
  assert.equal(s.sessionId, 's');
  assert.deepEqual(s.messages.map((m) => m.id), ['m3', 'm4']);
  assert.equal(s.hasMore, true);
  assert.equal(s.busy, false);
  assert.deepEqual(s.status, { state: 'saved' });
});

test('applyOp does not change its input', () => {
  const before = run([opened]);
  const copy = JSON.parse(JSON.stringify(before));
  applyOp(before, { type: 'delta', sessionId: 's', messageId: 'a', delta: 'x', at: 't' });
  applyOp(before, { type: 'older', sessionId: 's', messages: [msg('m1')], hasMore: false });
  assert.deepEqual(before, copy);
});

test('the older page goes first, without duplicates, and says whether more remain', () => {
  const s = run([opened, { type: 'olderLoading' }, { type: 'older', sessionId: 's', messages: [msg('m1'), msg('m2'), msg('m3')], hasMore: false }]);
  assert.deepEqual(s.messages.map((m) => m.id), ['m1', 'm2', 'm3', 'm4']);
  assert.equal(s.hasMore, false);
  assert.equal(s.loadingOlder, false);
});

test('a page for another session is ignored', () => {
  const s = run([opened, { type: 'older', sessionId: 'other', messages: [msg('x')], hasMore: false }]);
  assert.deepEqual(s.messages.map((m) => m.id), ['m3', 'm4']);
});

test('olderPageParams asks for the page before the oldest stored message', () => {
  assert.equal(olderPageParams(emptyState()), undefined);
  const s = run([opened]);
  assert.deepEqual(olderPageParams(s), { sessionId: 's', before: 'm3', limit: PAGE_SIZE });
  assert.deepEqual(olderPageParams(s, 10), { sessionId: 's', before: 'm3', limit: 10 });
  assert.equal(olderPageParams(run([{ type: 'olderLoading' }], s)), undefined, 'one load at a time');
  assert.equal(olderPageParams({ ...s, hasMore: false }), undefined);
  // Local echoes are not stored yet: they are never a `before`.
  const pendingFirst = { ...s, messages: [{ ...msg('local-1'), pending: true }, ...s.messages] };
  assert.equal(olderPageParams(pendingFirst)?.before, 'm3');
  assert.equal(olderPageParams({ ...s, messages: [{ ...msg('local-1'), pending: true }] }), undefined);
});

test('failed loads keep the messages and show the error', () => {
  const s = run([opened, { type: 'olderLoading' }, { type: 'olderFailed', error: 'boom' }]);
  assert.equal(s.loadingOlder, false);
  assert.equal(s.error, 'boom');
  assert.equal(s.messages.length, 2);
});

test('deltas stream into a new assistant message, then the stored reply replaces it', () => {
  let s = run([opened, { type: 'upsert', message: { ...msg('local-1', 'user', 'make a button'), pending: true } }]);
  s = run(
    [
      { type: 'delta', sessionId: 's', messageId: 'a1', delta: 'Here ', at: '2026-11-25T08:00:01.000Z' },
      { type: 'delta', sessionId: 's', messageId: 'a1', delta: 'it is', at: '2026-11-25T08:00:02.000Z' },
      { type: 'delta', sessionId: 'other', messageId: 'a1', delta: '!!', at: 'x' },
    ],
    s,
  );
  const streaming = s.messages[3];
  assert.deepEqual(
    { id: streaming.id, role: streaming.role, content: streaming.content, status: streaming.status, createdAt: streaming.createdAt },
    { id: 'a1', role: 'assistant', content: 'Here it is', status: 'streaming', createdAt: '2026-11-25T08:00:01.000Z' },
  );
  s = run(
    [
      { type: 'upsert', message: msg('u1', 'user', 'make a button'), replaces: 'local-1' },
      { type: 'upsert', message: { ...msg('a1', 'assistant', 'Here it is.'), componentId: 'c1' } },
    ],
    s,
  );
  assert.deepEqual(s.messages.map((m) => `${m.id}:${m.status}:${m.pending ?? false}`), [
    'm3:complete:false',
    'm4:complete:false',
    'u1:complete:false',
    'a1:complete:false',
  ]);
  assert.equal(lastAssistant(s)?.componentId, 'c1');
});

test('an upsert of a known id replaces it in place and drops the echo it replaces', () => {
  const s = run([
    opened,
    { type: 'upsert', message: { ...msg('local-1'), pending: true } },
    { type: 'upsert', message: msg('m3', 'user', 'edited'), replaces: 'local-1' },
  ]);
  assert.deepEqual(s.messages.map((m) => `${m.id}:${m.content}`), ['m3:edited', 'm4:m4']);
});

test('upserts for another session are ignored', () => {
  const s = run([opened, { type: 'upsert', message: msg('z', 'user', 'z', 'other') }]);
  assert.equal(s.messages.length, 2);
});

test('after a cancelled send the stored page replaces the echo and the partial reply', () => {
  const s = run([
    opened,
    { type: 'upsert', message: { ...msg('local-1', 'user', 'p'), pending: true } },
    { type: 'delta', sessionId: 's', messageId: 'a1', delta: 'part', at: 't' },
    {
      type: 'mergeNewest',
      sessionId: 's',
      messages: [msg('m4'), msg('u1', 'user', 'p'), { ...msg('a1', 'assistant', 'part'), status: 'interrupted' }],
    },
  ]);
  assert.deepEqual(s.messages.map((m) => `${m.id}:${m.status}`), ['m3:complete', 'm4:complete', 'u1:complete', 'a1:interrupted']);
  assert.ok(!s.messages.some((m) => m.pending));
});

test('status updates only for the open session', () => {
  let s = run([opened, { type: 'status', status: { sessionId: 's', state: 'saving' } }]);
  assert.equal(s.status?.state, 'saving');
  s = run([{ type: 'status', status: { sessionId: 'other', state: 'failed', error: 'x' } }], s);
  assert.equal(s.status?.state, 'saving');
});

test('snapshot replaces the whole state (a reloaded webview)', () => {
  const source = run([opened, { type: 'busy', busy: true }, { type: 'error', error: 'e' }]);
  const s = run([{ type: 'snapshot', state: source }]);
  assert.deepEqual(s, source);
  assert.notEqual(s.messages, source.messages);
});

test('pulled messages are added in order, before the messages still on their way, and known ids are replaced', () => {
  const echo: ChatOp = { type: 'upsert', message: { ...msg('local-1'), pending: true } };
  const streaming: ChatOp = { type: 'delta', sessionId: 's', messageId: 'reply', delta: 'Hel', at: 't' };
  const s = run([
    opened,
    echo,
    streaming,
    { type: 'pulled', sessionId: 's', messages: [msg('p1', 'user', 'from the laptop'), { ...msg('m4'), content: 'edited' }, msg('p2')] },
  ]);
  assert.deepEqual(s.messages.map((m) => m.id), ['m3', 'm4', 'p1', 'p2', 'local-1', 'reply']);
  assert.equal(s.messages[1].content, 'edited');
  assert.equal(s.messages[2].content, 'from the laptop');
});

test('pulled messages of another session, or twice the same, change nothing more', () => {
  const s = run([opened, { type: 'pulled', sessionId: 'other', messages: [msg('x', 'user', 'x', 'other')] }]);
  assert.deepEqual(s.messages.map((m) => m.id), ['m3', 'm4']);
  const twice = run([opened, { type: 'pulled', sessionId: 's', messages: [msg('p1')] }, { type: 'pulled', sessionId: 's', messages: [msg('p1')] }]);
  assert.deepEqual(twice.messages.map((m) => m.id), ['m3', 'm4', 'p1']);
});

test('a failed reply keeps its prompt for Retry, and the next send clears it', () => {
  const prompt = { text: 'A pricing card', images: [] };
  const failed = run([opened, { type: 'busy', busy: true, since: 't0' }, { type: 'failed', error: 'The AI reply failed: down', prompt }, { type: 'busy', busy: false }]);
  assert.equal(failed.error, 'The AI reply failed: down');
  assert.deepEqual(failed.failedPrompt, prompt);
  assert.equal(failed.busy, false);
  assert.equal(failed.busySince, undefined);
  const retrying = applyOp(failed, { type: 'busy', busy: true, since: 't1' });
  assert.equal(retrying.error, undefined);
  assert.equal(retrying.failedPrompt, undefined);
  assert.equal(retrying.busySince, 't1');
});

test('the title comes with the session, and from the first prompt', () => {
  const s = run([{ ...opened, title: '' } as ChatOp, { type: 'title', sessionId: 's', title: titleOf('\n  A pricing card  \nwith tiers') }]);
  assert.equal(s.title, 'A pricing card');
  assert.equal(run([s, { type: 'title', sessionId: 'other', title: 'x' }].slice(1) as ChatOp[], s).title, 'A pricing card');
  assert.equal(titleOf('x'.repeat(80)).length, 60);
});

test('a reply\'s prompt is the user message before it', () => {
  const s = run([{ type: 'reset', sessionId: 's', messages: [msg('u1'), msg('a1', 'assistant'), msg('u2'), msg('a2', 'assistant')], hasMore: false }]);
  assert.equal(promptOf(s, 'a2')?.id, 'u2');
  assert.equal(promptOf(s, 'a1')?.id, 'u1');
  assert.equal(promptOf(s, 'u1'), undefined);
});
