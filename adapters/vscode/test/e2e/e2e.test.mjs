// End to end, in real VS Code (code-server), driven like a user through the
// command palette: open a session, send a prompt, see the reply in the chat
// view, insert the component's JSX into an open .jsx file, and read "Saved" in
// the status bar. Then sync, with a real team backend: sign in from the sync
// item, see another machine's message arrive in the open chat, and see writes
// wait while the backend is down. All along the language client traces every
// message with its params (aieditor.trace.server: verbose): neither the API key
// nor the sign-in token may reach its logs. Run by scripts/test.sh, which provides:
//   AIEDITOR_SERVER      the aieditor server binary
//   AIEDITOR_BACKEND     the aieditor-backend binary
//   AIEDITOR_E2E_NODE    Node 24, for code-server
//   AIEDITOR_E2E_CODE_SERVER  code-server's out/node/entry.js
//   AIEDITOR_E2E_VSIX    the extension package
//   AIEDITOR_E2E_OUT     where logs and failure screenshots go
//   AIEDITOR_E2E_CHROMIUM (optional, default /usr/bin/chromium)

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { addBackendUser, backendMessages, requireEnv, startBackend, waitFor } from './harness.mjs';
import { RpcClient } from './rpc.mjs';
import { readTree, TIMEOUT, Workbench } from './workbench.mjs';

const PROMPT = 'A counter button with a reset link';
/** The session the first steps open, made by "New session" (its id is generated: read from the chat view). */
let SESSION;
const APP_JSX = "import React from 'react';\n\n// The AI Editor inserts the component below.\n";
/** The provider key set with "AI Editor: Set API Key" (the offline provider ignores it). */
const API_KEY = 'sk-e2e-Q7vR2mX9kL4pT8wZ3nB6yH1cF5gJ0dS';

const ui = new Workbench('sessions-and-sync');
const { dirs, env, server } = ui;
const backendBinary = requireEnv('AIEDITOR_BACKEND');
/** The team backend of the sync steps, and alice's sign-in token there. */
let backend;
let token;
let page;
/** What the server stored, read back by our own client in "the server stored…". */
let stored;

const backendEnv = { ...env, AIEDITOR_LOG: 'warn' };
const backendDb = join(dirs.root, 'backend.db');
const backendOptions = {
  binary: backendBinary,
  db: backendDb,
  env: backendEnv,
  log: (text) => writeFileSync(join(ui.outDir, 'backend.log'), text, { flag: 'a' }),
};

/** The sync item in the status bar reading `label`. */
function syncItem(label) {
  return page.locator(`.part.statusbar .statusbar-item[aria-label="AI Editor sync: ${label}"]`);
}

/** A second aieditor over pipes, like another machine: its own database, the same backend and user. */
async function secondMachine() {
  const machineB = join(dirs.root, 'machine-b');
  mkdirSync(machineB, { recursive: true });
  return RpcClient.start(
    server,
    ['serve', '--db', join(machineB, 'aieditor.db')],
    { env: { ...env, XDG_DATA_HOME: machineB, XDG_CONFIG_HOME: machineB } },
    { sync: { url: backend.url, token } },
  );
}

/** "AI Editor: Restart Server", done once its notification shows (older ones are cleared first). */
async function restartServer() {
  await ui.runCommand('Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden' });
  await ui.runCommand('AI Editor: Restart Server');
  await ui.toast('AI Editor: server restarted').waitFor({ state: 'visible' });
}

/**
 * Clicks a sync item and waits for its menu. The mouse then leaves the item,
 * so that its tooltip does not cover the notifications (the item keeps the
 * focus, though, and shows its tooltip while it has it).
 */
async function openSyncMenu(item) {
  await item.click();
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Sync' }).waitFor({ state: 'visible' });
  await page.mouse.move(0, 0);
}

describe('VS Code extension end to end (code-server)', { timeout: 15 * TIMEOUT }, () => {
  before(async () => {
    await ui.start({ 'App.jsx': APP_JSX, 'styles.css': '' });
    page = ui.page;
  });

  after(async () => {
    await ui.stop();
    await backend?.stop();
  });

  ui.step('opens a session from the command palette', async () => {
    await ui.runCommand('AI Editor: Open Session');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Open Session' }).waitFor({ state: 'visible' });
    // "New session" comes first, and asks for nothing: the id is generated, the title comes later.
    const first = page.locator('.quick-input-widget .monaco-list-row').first();
    await first.filter({ hasText: 'New session' }).waitFor({ state: 'visible' });
    await first.click();
    await ui.chat().locator('#session', { hasText: 'New session' }).waitFor({ state: 'visible' });
    SESSION = /^Session (session-\d{8}-\d{6}-[0-9a-f]{4})$/.exec((await ui.chat().locator('#session').getAttribute('title')) ?? '')?.[1];
    assert.ok(SESSION, 'a generated session id');
  });

  ui.step('sends a prompt and shows the streamed reply in the chat view', async () => {
    await ui.runCommand('AI Editor: Send Prompt');
    await ui.answerInput('AI Editor: Send Prompt', PROMPT);
    // The reply streams in (chat/delta) before it is stored.
    await ui.chat().locator('article.message.assistant[data-status="streaming"]').waitFor({ state: 'attached' });
    await ui.chat().locator('#cancel').waitFor({ state: 'visible' });
    // Honest status while it streams: the status item and the chat say so, with the seconds.
    const generating = page.locator('.part.statusbar .statusbar-item[aria-label="AI Editor: Generating"]');
    await generating.waitFor({ state: 'visible' });
    assert.match((await generating.innerText()).trim(), /^AI Editor: Generating… \d+s$/);
    await ui.chat().locator('#generating', { hasText: /^Generating… \d+s$/ }).waitFor({ state: 'visible' });
    const user = ui.chat().locator('article.message.user:not(.pending)', { hasText: PROMPT });
    await user.waitFor({ state: 'visible' });
    await ui.chat().locator('#cancel').waitFor({ state: 'hidden' });
    const reply = ui.chat().locator('article.message.assistant[data-status="complete"]').last();
    await reply.waitFor({ state: 'visible' });
    // Code is collapsed to one line (name, line count); Show opens it, highlighted by highlight.js.
    const block = reply.locator('.code[data-lang="jsx"]').first();
    await block.locator('.code-name', { hasText: /^[A-Z]\w*\.jsx · \d+ lines$/ }).waitFor({ state: 'visible' });
    assert.equal(await block.locator('pre.code-block').isHidden(), true, 'collapsed');
    await block.locator('button.code-show').click();
    await block.locator('pre.code-block .hljs-keyword').first().waitFor({ state: 'visible' });
    assert.equal((await block.locator('button.code-show').innerText()).trim(), 'Hide');
    await reply.locator('button.insert-jsx').waitFor({ state: 'visible' });
    assert.equal(await ui.chat().locator('article.message').count(), 2, 'one prompt and one reply');
    assert.equal(await ui.chat().locator('#error').isHidden(), true, 'no error shown');
    // The session is titled by its first prompt.
    await ui.chat().locator('#session', { hasText: PROMPT }).waitFor({ state: 'visible' });
    await generating.waitFor({ state: 'hidden' });
  });

  ui.step('the server stored the conversation and the component under XDG_DATA_HOME', async () => {
    const db = join(dirs.xdgData, 'aieditor', 'aieditor.db');
    assert.ok(existsSync(db) && statSync(db).size > 0, `database at ${db}`);
    const rpc = await RpcClient.start(server, ['serve'], { env });
    try {
      const opened = await rpc.request('session/open', { sessionId: SESSION });
      assert.deepEqual(
        opened.messages.map((m) => [m.role, m.status]),
        [
          ['user', 'complete'],
          ['assistant', 'complete'],
        ],
      );
      assert.equal(opened.messages[0].content, PROMPT);
      assert.ok(opened.currentComponentId, 'a current component');
      const { component } = await rpc.request('components/get', { sessionId: SESSION });
      assert.equal(component.id, opened.currentComponentId);
      assert.ok(component.jsx.length > 0, 'the component has JSX');
      const { text: merged } = await rpc.request('components/render', { sessionId: SESSION, target: 'insert', existingText: APP_JSX });
      stored = { component, reply: opened.messages[1], merged };
    } finally {
      assert.equal(await rpc.close(), 0, 'our client server exits 0');
    }
  });

  ui.step('inserts the component JSX into an open .jsx file', async () => {
    const file = join(dirs.workspace, 'App.jsx');
    const editor = await ui.openFile('App.jsx');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');

    await ui.runCommand('AI Editor: Insert Component into File');
    await page.locator('.tabs-container .tab.dirty', { hasText: 'App.jsx' }).waitFor({ state: 'visible' });
    await ui.save(editor, 'App.jsx');

    // The server's merge: the component's imports join the file's, "import React" stays one line.
    const expected = stored.merged;
    assert.equal(expected.match(/^import React\b/gm)?.length, 1, expected);
    const onDisk = await waitFor('App.jsx on disk to hold the component', () => {
      const text = readFileSync(file, 'utf8');
      return text === expected ? text : undefined;
    }, TIMEOUT);
    assert.equal(onDisk, expected);
    // One edit, one undo step: undo brings back the original text in the editor.
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Z');
    await page.locator('.tabs-container .tab.dirty', { hasText: 'App.jsx' }).waitFor({ state: 'visible' });
    await ui.save(editor, 'App.jsx');
    await waitFor('App.jsx back to its original text after one undo', () => readFileSync(file, 'utf8') === APP_JSX, TIMEOUT);
  });

  ui.step("the reply's Insert CSS button inserts into the open .css file", async () => {
    const file = join(dirs.workspace, 'styles.css');
    const editor = await ui.openFile('styles.css');
    await ui.chat().locator('article.message.assistant').last().locator('button.insert-css').click();
    await page.locator('.tabs-container .tab.dirty', { hasText: 'styles.css' }).waitFor({ state: 'visible' });
    await ui.save(editor, 'styles.css');
    const css = stored.component.css.trim();
    assert.ok(css.length > 0, 'the component has CSS');
    await waitFor('styles.css on disk to hold the CSS', () => readFileSync(file, 'utf8').trim() === css, TIMEOUT);
  });

  ui.step('"AI Editor: Cancel" stops a streaming reply, which is kept as interrupted', async () => {
    await ui.runCommand('AI Editor: Send Prompt');
    await ui.answerInput('AI Editor: Send Prompt', 'A pricing card with three tiers');
    await ui.chat().locator('article.message.assistant[data-status="streaming"]').waitFor({ state: 'attached' });
    await ui.runCommand('AI Editor: Cancel');
    await ui.chat().locator('#error', { hasText: 'Cancelled.' }).waitFor({ state: 'visible' });
    const interrupted = ui.chat().locator('article.message.assistant[data-status="interrupted"]');
    await interrupted.waitFor({ state: 'visible' });
    assert.equal(await ui.chat().locator('article.message').count(), 4, 'two prompts and two replies');
    assert.equal(await ui.chat().locator('article.message.pending').count(), 0, 'no local echo left');
    await ui.chat().locator('#cancel').waitFor({ state: 'hidden' });
  });

  ui.step('the status bar and the chat view read Saved', async () => {
    const item = page.locator('.part.statusbar .statusbar-item[aria-label^="AI Editor: "]');
    await page.locator('.part.statusbar .statusbar-item[aria-label="AI Editor: Saved"]').waitFor({ state: 'visible' });
    const text = (await item.innerText()).trim();
    assert.match(text, /^AI Editor ✅ Saved \d\d:\d\d:\d\d$/);
    await ui.chat().locator('#status[data-state="saved"]', { hasText: '✅ Saved' }).waitFor({ state: 'visible' });
    // For a person to look at: the chat view after the scenario.
    await ui.screenshot('chat-view.png', true);
  });

  ui.step('"AI Editor: Set API Key" keeps the key and restarts the server with it', async () => {
    await ui.runCommand('AI Editor: Set API Key');
    await page.locator('.quick-input-widget .quick-input-box input[type="password"]').waitFor({ state: 'visible' });
    await ui.answerInput('AI Editor: Set API Key', API_KEY);
    await ui.toast('AI Editor: API key stored').waitFor({ state: 'visible' });
    await ui.chat().locator('#session', { hasText: PROMPT }).waitFor({ state: 'visible' });
  });

  // ---- sync, through a real aieditor-backend -------------------------------------

  ui.step('setting aieditor.sync.url restarts the server, and the sync item asks to sign in', async () => {
    token = await addBackendUser({ binary: backendBinary, db: backendDb, env: backendEnv, name: 'alice' });
    backend = await startBackend(backendOptions);
    // Sync off: no sync item.
    assert.equal(await page.locator('.part.statusbar .statusbar-item[aria-label^="AI Editor sync: "]').count(), 0);
    await ui.setUserSettings({ 'aieditor.sync.url': backend.url });
    const onDisk = JSON.parse(readFileSync(join(dirs.userData, 'User', 'settings.json'), 'utf8'));
    assert.equal(onDisk['aieditor.sync.url'], backend.url);
    await syncItem('Sign in to sync').waitFor({ state: 'visible' });
    assert.equal((await syncItem('Sign in to sync').innerText()).trim(), 'Sign in to sync');
    // Offered once in a notification too.
    await ui.toast('sign in to sync your sessions').waitFor({ state: 'visible' });
  });

  ui.step('signing in from the sync item makes it Synced, and the writes reach the backend', async () => {
    await openSyncMenu(syncItem('Sign in to sync'));
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sign in…' }).click();
    await page.locator('.quick-input-widget .quick-input-box input[type="password"]').waitFor({ state: 'visible' });
    await ui.answerInput('AI Editor: Sign In to Sync', token);
    await syncItem('Synced').waitFor({ state: 'visible' });
    await ui.toast('AI Editor: signed in as alice').waitFor({ state: 'visible' });
    // Beside the save state.
    const order = await page
      .locator('.part.statusbar .statusbar-item')
      .evaluateAll((items) => items.map((i) => i.getAttribute('aria-label') ?? ''));
    const saved = order.findIndex((l) => l.startsWith('AI Editor: Saved'));
    const synced = order.indexOf('AI Editor sync: Synced');
    assert.equal(Math.abs(synced - saved), 1, `status bar items: ${order.join(' | ')}`);
    // Everything written before sync was on is on the backend, in order.
    const local = await ui.chat().locator('article.message').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));
    assert.equal(local.length, 4, 'two prompts and two replies in the chat');
    const remote = await backendMessages(backend.url, token, SESSION);
    assert.deepEqual(remote.map((m) => m.id), local);
    assert.equal(remote[0].content, PROMPT);
  });

  ui.step("a message written on a second machine appears in the open chat, with no reload", async () => {
    const other = await secondMachine();
    try {
      const pulled = await other.request('sync/now', {});
      assert.equal(pulled.state, 'synced', JSON.stringify(pulled));
      const opened = await other.request('session/open', { sessionId: SESSION });
      assert.equal(opened.messages.length, 4, 'the second machine pulled the session');
      const text = 'Written on the second machine';
      await other.request('messages/add', { sessionId: SESSION, message: { id: 'from-machine-b', role: 'user', content: text } });
      const arrived = ui.chat().locator('article.message[data-id="from-machine-b"]', { hasText: text });
      await arrived.waitFor({ state: 'visible' });
      assert.equal(await ui.chat().locator('article.message').count(), 5);
      assert.equal(await ui.chat().locator('article.message').last().getAttribute('data-id'), 'from-machine-b');
    } finally {
      assert.equal(await other.close(), 0, 'the second machine exits 0');
    }
  });

  ui.step('the token is kept in SecretStorage: a restarted server is signed in', async () => {
    await restartServer();
    await syncItem('Synced').waitFor({ state: 'visible' });
  });

  ui.step('with the backend stopped, writes wait: Offline · N waiting, and Sync now says why', async () => {
    assert.equal(await backend.stop(), 0, 'the backend exits 0 on SIGTERM');
    await ui.runCommand('AI Editor: Send Prompt');
    await ui.answerInput('AI Editor: Send Prompt', 'A login form, written offline');
    await ui.chat().locator('article.message.user:not(.pending)', { hasText: 'written offline' }).waitFor({ state: 'visible' });
    await ui.chat().locator('#cancel').waitFor({ state: 'hidden' });
    const offline = page.locator('.part.statusbar .statusbar-item[aria-label^="AI Editor sync: Offline · "]');
    await offline.waitFor({ state: 'visible' });
    const label = await offline.getAttribute('aria-label');
    const waiting = /^AI Editor sync: Offline · (\d+) waiting/.exec(label ?? '');
    assert.ok(waiting && Number(waiting[1]) >= 2, `at least the prompt and the reply wait: ${label}`);
    assert.match((await offline.innerText()).trim(), /^Offline · \d+ waiting \((retry in \d+ s|retrying…)\)$/);

    await openSyncMenu(offline);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sync now' }).click();
    await ui.toast('AI Editor: could not sync: cannot reach').waitFor({ state: 'visible' });
  });

  ui.step('writes the backend refuses read "N rejected", are listed with its reason, and go up when retried', async () => {
    // The same backend again, taking bodies of 2 KiB at most: the offline
    // prompt's reply, interaction and component version are each larger.
    const listen = new URL(backend.url).host;
    backend = await startBackend({ ...backendOptions, listen, args: ['--max-body', '2048'] });
    await ui.runCommand('AI Editor: Sync…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Sync' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sync now' }).click();
    const refused = ui.toast('AI Editor: synced, but the backend refused');
    await refused.waitFor({ state: 'visible' });
    const rejected = page.locator('.part.statusbar .statusbar-item[aria-label$=" rejected"][aria-label^="AI Editor sync: "]');
    await rejected.waitFor({ state: 'visible' });
    const count = Number(/^AI Editor sync: (\d+) rejected$/.exec((await rejected.getAttribute('aria-label')) ?? '')?.[1]);
    assert.ok(count >= 3, `the reply, the interaction and the component version are refused: ${count}`);

    // Focus went back to the sync item when the menu closed, and its tooltip
    // shows while it has focus: give the focus to the editor first.
    await page.locator('.part.editor .monaco-editor .view-lines').first().click();
    await page.locator('.context-view .hover-contents').waitFor({ state: 'hidden' });
    await refused.getByRole('button', { name: 'Show Rejected Writes' }).click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Rejected Writes' }).waitFor({ state: 'visible' });
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await rows.filter({ hasText: `Retry all ${count} rejected writes` }).waitFor({ state: 'visible' });
    await rows.filter({ hasText: 'Message' }).filter({ hasText: '413' }).first().waitFor({ state: 'visible' });

    // The backend takes large bodies again: the retried writes go up.
    await backend.stop();
    backend = await startBackend({ ...backendOptions, listen });
    await rows.filter({ hasText: `Retry all ${count} rejected writes` }).click();
    await ui.toast(`AI Editor: ${count} writes queued again`).waitFor({ state: 'visible' });
    await syncItem('Synced').waitFor({ state: 'visible' });
    // Every message of the chat, the refused reply included, is on the backend.
    const local = await ui.chat().locator('article.message').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));
    const remote = await backendMessages(backend.url, token, SESSION);
    assert.deepEqual(remote.map((m) => m.id).sort(), [...local].sort());
  });

  ui.step('signing out keeps the chat, forgets the token, and the item asks to sign in again', async () => {
    await openSyncMenu(syncItem('Synced'));
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sign out' }).click();
    await ui.toast('AI Editor: signed out').waitFor({ state: 'visible' });
    await syncItem('Sign in to sync').waitFor({ state: 'visible' });
    // Forgotten in SecretStorage too: a restarted server is not signed in.
    await restartServer();
    await syncItem('Sign in to sync').waitFor({ state: 'visible' });
    assert.equal(await ui.chat().locator('article.message').count(), 7, 'all local messages are kept');
  });

  ui.step('with no backend URL, Sign in… asks for it first and keeps it in aieditor.sync.url', async () => {
    const settingsFile = join(dirs.userData, 'User', 'settings.json');
    await ui.removeFirstUserSetting();
    assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8'))['aieditor.sync.url'], undefined);
    // The server restarts with sync off: no sync item.
    await syncItem('Sign in to sync').waitFor({ state: 'hidden' });
    await ui.runCommand('AI Editor: Sync…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Sync' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Enter the team backend URL' }).click();
    await ui.answerInput('AI Editor: Team Backend', backend.url);
    await ui.answerInput('AI Editor: Sign In to Sync', token);
    await syncItem('Synced').waitFor({ state: 'visible' });
    await waitFor('aieditor.sync.url back in the user settings', () => {
      const text = readFileSync(settingsFile, 'utf8');
      return text.includes('"aieditor.sync.url"') && JSON.parse(text)['aieditor.sync.url'] === backend.url;
    });
  });

  ui.step('a session deleted on the second machine leaves the chat, which says so', async () => {
    const other = await secondMachine();
    try {
      assert.equal((await other.request('sync/now', {})).state, 'synced');
      await other.request('session/delete', { sessionId: SESSION });
      assert.equal((await other.request('sync/now', {})).state, 'synced');
      await ui.toast(`AI Editor: the session "${PROMPT}" was deleted on another device.`).waitFor({ state: 'visible' });
      await ui.chat().locator('#session', { hasText: 'No session' }).waitFor({ state: 'visible' });
      assert.equal(await ui.chat().locator('article.message').count(), 0);
    } finally {
      assert.equal(await other.close(), 0, 'the second machine exits 0');
    }
  });

  ui.step('neither the API key nor the sign-in token reached a log, though the trace shows every message', async () => {
    const logs = join(dirs.userData, 'logs');
    // The trace is there, params and all: the check below cannot pass by logging nothing.
    const written = await waitFor('the trace of sync/login in the logs', () => {
      const text = readTree(logs);
      return /Sending request 'sync\/login - \(\d+\)'/.test(text) ? text : undefined;
    });
    assert.match(written, /Sending request 'initialize - \(\d+\)'\.\s+Params: \{[^]*"initializationOptions": \{[^]*"sync": \{\s*"url": /);
    assert.match(written, /Received response 'sync\/status - \(\d+\)'[^]*"state": "synced"/);
    for (const [name, secret] of [['the API key', API_KEY], ['the sign-in token', token]]) {
      for (const [where, text] of [['the logs', written], ["code-server's output", readFileSync(ui.codeServerLog, 'utf8')]]) {
        assert.equal(text.includes(secret), false, `${name} is in ${where}`);
      }
    }
    assert.match(written, /"token": "\[redacted\]"/, "sync/login's params are traced, without the token");
  });

  ui.step('the chat view asked for nothing remote', async () => {
    const fromChat = ui.blocked.filter((b) => b.frames.some((f) => f.includes('extensionId=aieditor.aieditor')));
    assert.deepEqual(fromChat, [], 'requests from the chat webview that were blocked');
  });
});

