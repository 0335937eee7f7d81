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
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  addBackendUser,
  backendMessages,
  isolatedEnv,
  launchBrowser,
  makeDirs,
  requireEnv,
  run,
  startBackend,
  startCodeServer,
  startFakeOpenAi,
  waitFor,
  writeSettings,
} from './harness.mjs';
import { RpcClient } from './rpc.mjs';

const PROMPT = 'A counter button with a reset link';
/** The session the first steps open, made by "New session" (its id is generated: read from the chat view). */
let SESSION;
const APP_JSX = "import React from 'react';\n\n// The AI Editor inserts the component below.\n";
const TIMEOUT = 60_000;
/** The provider key set with "AI Editor: Set API Key" (the offline provider ignores it). */
const API_KEY = 'sk-e2e-Q7vR2mX9kL4pT8wZ3nB6yH1cF5gJ0dS';

const server = requireEnv('AIEDITOR_SERVER');
const backendBinary = requireEnv('AIEDITOR_BACKEND');
const node = requireEnv('AIEDITOR_E2E_NODE');
const entry = requireEnv('AIEDITOR_E2E_CODE_SERVER');
const vsix = requireEnv('AIEDITOR_E2E_VSIX');
const outDir = requireEnv('AIEDITOR_E2E_OUT');
const chromiumPath = process.env.AIEDITOR_E2E_CHROMIUM ?? '/usr/bin/chromium';

mkdirSync(outDir, { recursive: true });
const codeServerLog = join(outDir, 'code-server.log');
writeFileSync(codeServerLog, '');

const dirs = makeDirs();
const env = isolatedEnv(dirs);
const blocked = [];
let codeServer;
/** The team backend of the sync steps, and alice's sign-in token there. */
let backend;
let token;
let browser;
let page;
let failed = false;
/** What the server stored, read back by our own client in "the server stored…". */
let stored;

const userSettings = {
  'security.workspace.trust.enabled': false,
  'aieditor.trace.server': 'verbose',
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'files.autoSave': 'off',
  'editor.formatOnSave': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  // Settings open as a tab, not a modal dialog, and what the test types lands
  // as typed (no quote closed).
  'workbench.editor.useModal': 'off',
  'editor.autoClosingQuotes': 'never',
};
const settings = { machine: { 'aieditor.serverPath': server }, user: userSettings };

/** The chat webview's document: VS Code nests it in two iframes. */
function chat() {
  return page.frameLocator('iframe.webview[src*="extensionId=aieditor.aieditor"]').frameLocator('iframe#active-frame');
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs a command from the command palette by its exact title. The palette
 * lists the commands known when it opens, so a command registered a moment
 * later needs the palette opened again: retry until the deadline.
 */
async function runCommand(title, timeoutMs = TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) })
    .first();
  for (;;) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      await row.click({ timeout: 5_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`no command "${title}" in the palette: ${e.message}`);
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden' });
    }
  }
}

/** Opens a workspace file with Quick Open; resolves to its editor. */
async function openFile(name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click();
  const editor = page.locator(`.editor-instance .monaco-editor[data-uri$="/${name}"]`);
  await editor.waitFor({ state: 'visible' });
  return editor;
}

/** Saves a dirty editor with Ctrl+S, and waits until its tab is no longer dirty. */
async function save(editor, name) {
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.dirty', { hasText: name }).waitFor({ state: 'detached' });
}

/** Waits for the quick input with this title, types `text` and accepts it. */
async function answerInput(title, text) {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(text);
  await input.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'hidden' });
}

const backendEnv = { ...env, AIEDITOR_LOG: 'warn' };
const backendDb = join(dirs.root, 'backend.db');
const backendOptions = {
  binary: backendBinary,
  db: backendDb,
  env: backendEnv,
  log: (text) => writeFileSync(join(outDir, 'backend.log'), text, { flag: 'a' }),
};

/** The sync item in the status bar reading `label`. */
function syncItem(label) {
  return page.locator(`.part.statusbar .statusbar-item[aria-label="AI Editor sync: ${label}"]`);
}

/**
 * Sets one user setting as a person would: a line added at the top of
 * "Preferences: Open User Settings (JSON)", saved. (code-server does not
 * notice the file changed behind its back.)
 */
async function setUserSetting(key, value) {
  const editor = await openUserSettings();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(`${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  await save(editor, 'settings.json');
}

/** Removes the setting setUserSetting added last (the second line). */
async function removeFirstUserSetting() {
  const editor = await openUserSettings();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Control+Shift+K'); // Delete Line
  await save(editor, 'settings.json');
}

async function openUserSettings() {
  await runCommand('Preferences: Open User Settings (JSON)');
  const editor = page.locator('.editor-instance .monaco-editor[data-uri$="/User/settings.json"]');
  await editor.waitFor({ state: 'visible' });
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+Home');
  return editor;
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
  await runCommand('Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden' });
  await runCommand('AI Editor: Restart Server');
  await toast('AI Editor: server restarted').waitFor({ state: 'visible' });
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

/** Sets several user settings in one save (one server restart). */
async function setUserSettings(values) {
  const editor = await openUserSettings();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(`${Object.entries(values).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)},`).join(' ')}`);
  await save(editor, 'settings.json');
}

/** What the extension's server stored, read by a server of our own over pipes on the same database. */
async function readStored(fn) {
  const rpc = await RpcClient.start(server, ['serve'], { env });
  try {
    return await fn(rpc);
  } finally {
    assert.equal(await rpc.close(), 0, 'our client server exits 0');
  }
}

/** Types a prompt in the chat view's box and sends it with Enter. */
async function typePrompt(text) {
  const box = chat().locator('#prompt');
  await box.fill(text);
  await box.press('Enter');
}

/** The chat's `n`th message (from 1), once it is a complete reply. */
async function completeReply(n) {
  const reply = chat().locator(`#messages > article:nth-of-type(${n}).assistant[data-status="complete"]`);
  await reply.waitFor({ state: 'visible' });
  await chat().locator('#cancel').waitFor({ state: 'hidden' });
  return reply;
}

/** An action on the active editor's title bar (the diff's Accept and Reject). */
function editorAction(name) {
  return page.locator(`.part.editor .editor-actions .action-label[aria-label^="${name}"]`).first();
}

/** Every file under the workspace's src/components, by name. */
function componentFiles() {
  return readdirSync(join(dirs.workspace, 'src', 'components')).sort();
}

/** A notification toast holding `text`. */
function toast(text) {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

/** Every file under `dir`, as text, with its path first. */
function readTree(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return `==> ${path}\n${readFileSync(path, 'utf8')}`;
    })
    .join('\n');
}

/** Saves what a failed step left on screen: the chat view, the page, the logs. */
async function saveFailureEvidence(step) {
  const slug = step.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
  if (page) {
    const view = page.locator('iframe.webview[src*="extensionId=aieditor.aieditor"]').first();
    try {
      await view.screenshot({ path: join(outDir, `chat-view-${slug}.png`), timeout: 5_000 });
    } catch (e) {
      writeFileSync(join(outDir, `chat-view-${slug}.txt`), `no chat view screenshot: ${e.message}\n`);
    }
    await page.screenshot({ path: join(outDir, `page-${slug}.png`), timeout: 5_000 }).catch(() => undefined);
  }
  copyLogs();
}

function copyLogs() {
  const logs = join(dirs.userData, 'logs');
  if (existsSync(logs)) cpSync(logs, join(outDir, 'vscode-logs'), { recursive: true });
}

/** One step of the scenario: skipped after a failure, and leaves evidence when it fails. */
function step(name, fn) {
  it(name, { timeout: 3 * TIMEOUT }, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn();
    } catch (e) {
      failed = true;
      await saveFailureEvidence(name);
      throw e;
    }
  });
}

describe('VS Code extension end to end (code-server)', { timeout: 15 * TIMEOUT }, () => {
  before(async () => {
    writeFileSync(join(dirs.workspace, 'App.jsx'), APP_JSX);
    writeFileSync(join(dirs.workspace, 'styles.css'), '');
    // "Apply to Files" writes here by default when the folder exists.
    mkdirSync(join(dirs.workspace, 'src', 'components'), { recursive: true });
    writeSettings(dirs, settings);
    const installed = await run(node, [entry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix, '--force'], { env });
    writeFileSync(join(outDir, 'install-extension.log'), installed);
    assert.match(installed, /successfully installed/i);

    codeServer = startCodeServer({ node, entry, dirs, env, log: (text) => writeFileSync(codeServerLog, text, { flag: 'a' }) });
    const url = await codeServer.url;
    const launched = await launchBrowser({ executablePath: chromiumPath, profileDir: dirs.browserProfile, blocked });
    browser = launched.browser;
    page = await launched.context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', (m) => {
      if (m.type() === 'error') writeFileSync(join(outDir, 'browser-console.log'), `${m.text()}\n`, { flag: 'a' });
    });
    await page.goto(`${url}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    await page.locator('.part.statusbar').waitFor({ state: 'visible' });
    // The extension's contributions are registered: its activity-bar container shows.
    await page.locator('.activitybar [aria-label="AI Editor"]').first().waitFor({ state: 'visible' });
    // The explorer shows the workspace once the remote file system is up.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'App.jsx' }).waitFor({ state: 'visible' });
  });

  after(async () => {
    copyLogs();
    writeFileSync(join(outDir, 'blocked-requests.txt'), blocked.map((b) => `${b.url} (from ${b.frames.join(' < ')})\n`).join(''));
    await browser?.close().catch(() => undefined);
    await codeServer?.stop();
    await backend?.stop();
    await upstream?.stop();
    if (!failed) rmSync(dirs.root, { recursive: true, force: true });
    else writeFileSync(join(outDir, 'kept-temp-dir.txt'), `${dirs.root}\n`);
  });

  step('opens a session from the command palette', async () => {
    await runCommand('AI Editor: Open Session');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Open Session' }).waitFor({ state: 'visible' });
    // "New session" comes first, and asks for nothing: the id is generated, the title comes later.
    const first = page.locator('.quick-input-widget .monaco-list-row').first();
    await first.filter({ hasText: 'New session' }).waitFor({ state: 'visible' });
    await first.click();
    await chat().locator('#session', { hasText: 'New session' }).waitFor({ state: 'visible' });
    SESSION = /^Session (session-\d{8}-\d{6}-[0-9a-f]{4})$/.exec((await chat().locator('#session').getAttribute('title')) ?? '')?.[1];
    assert.ok(SESSION, 'a generated session id');
  });

  step('sends a prompt and shows the streamed reply in the chat view', async () => {
    await runCommand('AI Editor: Send Prompt');
    await answerInput('AI Editor: Send Prompt', PROMPT);
    // The reply streams in (chat/delta) before it is stored.
    await chat().locator('article.message.assistant[data-status="streaming"]').waitFor({ state: 'attached' });
    await chat().locator('#cancel').waitFor({ state: 'visible' });
    // Honest status while it streams: the status item and the chat say so, with the seconds.
    const generating = page.locator('.part.statusbar .statusbar-item[aria-label="AI Editor: Generating"]');
    await generating.waitFor({ state: 'visible' });
    assert.match((await generating.innerText()).trim(), /^AI Editor: Generating… \d+s$/);
    await chat().locator('#generating', { hasText: /^Generating… \d+s$/ }).waitFor({ state: 'visible' });
    const user = chat().locator('article.message.user:not(.pending)', { hasText: PROMPT });
    await user.waitFor({ state: 'visible' });
    await chat().locator('#cancel').waitFor({ state: 'hidden' });
    const reply = chat().locator('article.message.assistant[data-status="complete"]').last();
    await reply.waitFor({ state: 'visible' });
    // Code is collapsed to one line (name, line count); Show opens it, highlighted by highlight.js.
    const block = reply.locator('.code[data-lang="jsx"]').first();
    await block.locator('.code-name', { hasText: /^[A-Z]\w*\.jsx · \d+ lines$/ }).waitFor({ state: 'visible' });
    assert.equal(await block.locator('pre.code-block').isHidden(), true, 'collapsed');
    await block.locator('button.code-show').click();
    await block.locator('pre.code-block .hljs-keyword').first().waitFor({ state: 'visible' });
    assert.equal((await block.locator('button.code-show').innerText()).trim(), 'Hide');
    await reply.locator('button.insert-jsx').waitFor({ state: 'visible' });
    assert.equal(await chat().locator('article.message').count(), 2, 'one prompt and one reply');
    assert.equal(await chat().locator('#error').isHidden(), true, 'no error shown');
    // The session is titled by its first prompt.
    await chat().locator('#session', { hasText: PROMPT }).waitFor({ state: 'visible' });
    await generating.waitFor({ state: 'hidden' });
  });

  step('the server stored the conversation and the component under XDG_DATA_HOME', async () => {
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

  step('inserts the component JSX into an open .jsx file', async () => {
    const file = join(dirs.workspace, 'App.jsx');
    const editor = await openFile('App.jsx');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');

    await runCommand('AI Editor: Insert Component into File');
    await page.locator('.tabs-container .tab.dirty', { hasText: 'App.jsx' }).waitFor({ state: 'visible' });
    await save(editor, 'App.jsx');

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
    await save(editor, 'App.jsx');
    await waitFor('App.jsx back to its original text after one undo', () => readFileSync(file, 'utf8') === APP_JSX, TIMEOUT);
  });

  step("the reply's Insert CSS button inserts into the open .css file", async () => {
    const file = join(dirs.workspace, 'styles.css');
    const editor = await openFile('styles.css');
    await chat().locator('article.message.assistant').last().locator('button.insert-css').click();
    await page.locator('.tabs-container .tab.dirty', { hasText: 'styles.css' }).waitFor({ state: 'visible' });
    await save(editor, 'styles.css');
    const css = stored.component.css.trim();
    assert.ok(css.length > 0, 'the component has CSS');
    await waitFor('styles.css on disk to hold the CSS', () => readFileSync(file, 'utf8').trim() === css, TIMEOUT);
  });

  step('"AI Editor: Cancel" stops a streaming reply, which is kept as interrupted', async () => {
    await runCommand('AI Editor: Send Prompt');
    await answerInput('AI Editor: Send Prompt', 'A pricing card with three tiers');
    await chat().locator('article.message.assistant[data-status="streaming"]').waitFor({ state: 'attached' });
    await runCommand('AI Editor: Cancel');
    await chat().locator('#error', { hasText: 'Cancelled.' }).waitFor({ state: 'visible' });
    const interrupted = chat().locator('article.message.assistant[data-status="interrupted"]');
    await interrupted.waitFor({ state: 'visible' });
    assert.equal(await chat().locator('article.message').count(), 4, 'two prompts and two replies');
    assert.equal(await chat().locator('article.message.pending').count(), 0, 'no local echo left');
    await chat().locator('#cancel').waitFor({ state: 'hidden' });
  });

  step('the status bar and the chat view read Saved', async () => {
    const item = page.locator('.part.statusbar .statusbar-item[aria-label^="AI Editor: "]');
    await page.locator('.part.statusbar .statusbar-item[aria-label="AI Editor: Saved"]').waitFor({ state: 'visible' });
    const text = (await item.innerText()).trim();
    assert.match(text, /^AI Editor ✅ Saved \d\d:\d\d:\d\d$/);
    await chat().locator('#status[data-state="saved"]', { hasText: '✅ Saved' }).waitFor({ state: 'visible' });
    // For a person to look at: the chat view after the scenario.
    await page.locator('iframe.webview[src*="extensionId=aieditor.aieditor"]').first().screenshot({ path: join(outDir, 'chat-view.png') });
  });

  step('"AI Editor: Set API Key" keeps the key and restarts the server with it', async () => {
    await runCommand('AI Editor: Set API Key');
    await page.locator('.quick-input-widget .quick-input-box input[type="password"]').waitFor({ state: 'visible' });
    await answerInput('AI Editor: Set API Key', API_KEY);
    await toast('AI Editor: API key stored').waitFor({ state: 'visible' });
    await chat().locator('#session', { hasText: PROMPT }).waitFor({ state: 'visible' });
  });

  // ---- sync, through a real aieditor-backend -------------------------------------

  step('setting aieditor.sync.url restarts the server, and the sync item asks to sign in', async () => {
    token = await addBackendUser({ binary: backendBinary, db: backendDb, env: backendEnv, name: 'alice' });
    backend = await startBackend(backendOptions);
    // Sync off: no sync item.
    assert.equal(await page.locator('.part.statusbar .statusbar-item[aria-label^="AI Editor sync: "]').count(), 0);
    await setUserSetting('aieditor.sync.url', backend.url);
    const onDisk = JSON.parse(readFileSync(join(dirs.userData, 'User', 'settings.json'), 'utf8'));
    assert.equal(onDisk['aieditor.sync.url'], backend.url);
    await syncItem('Sign in to sync').waitFor({ state: 'visible' });
    assert.equal((await syncItem('Sign in to sync').innerText()).trim(), 'Sign in to sync');
    // Offered once in a notification too.
    await toast('sign in to sync your sessions').waitFor({ state: 'visible' });
  });

  step('signing in from the sync item makes it Synced, and the writes reach the backend', async () => {
    await openSyncMenu(syncItem('Sign in to sync'));
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sign in…' }).click();
    await page.locator('.quick-input-widget .quick-input-box input[type="password"]').waitFor({ state: 'visible' });
    await answerInput('AI Editor: Sign In to Sync', token);
    await syncItem('Synced').waitFor({ state: 'visible' });
    await toast('AI Editor: signed in as alice').waitFor({ state: 'visible' });
    // Beside the save state.
    const order = await page
      .locator('.part.statusbar .statusbar-item')
      .evaluateAll((items) => items.map((i) => i.getAttribute('aria-label') ?? ''));
    const saved = order.findIndex((l) => l.startsWith('AI Editor: Saved'));
    const synced = order.indexOf('AI Editor sync: Synced');
    assert.equal(Math.abs(synced - saved), 1, `status bar items: ${order.join(' | ')}`);
    // Everything written before sync was on is on the backend, in order.
    const local = await chat().locator('article.message').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));
    assert.equal(local.length, 4, 'two prompts and two replies in the chat');
    const remote = await backendMessages(backend.url, token, SESSION);
    assert.deepEqual(remote.map((m) => m.id), local);
    assert.equal(remote[0].content, PROMPT);
  });

  step("a message written on a second machine appears in the open chat, with no reload", async () => {
    const other = await secondMachine();
    try {
      const pulled = await other.request('sync/now', {});
      assert.equal(pulled.state, 'synced', JSON.stringify(pulled));
      const opened = await other.request('session/open', { sessionId: SESSION });
      assert.equal(opened.messages.length, 4, 'the second machine pulled the session');
      const text = 'Written on the second machine';
      await other.request('messages/add', { sessionId: SESSION, message: { id: 'from-machine-b', role: 'user', content: text } });
      const arrived = chat().locator('article.message[data-id="from-machine-b"]', { hasText: text });
      await arrived.waitFor({ state: 'visible' });
      assert.equal(await chat().locator('article.message').count(), 5);
      assert.equal(await chat().locator('article.message').last().getAttribute('data-id'), 'from-machine-b');
    } finally {
      assert.equal(await other.close(), 0, 'the second machine exits 0');
    }
  });

  step('the token is kept in SecretStorage: a restarted server is signed in', async () => {
    await restartServer();
    await syncItem('Synced').waitFor({ state: 'visible' });
  });

  step('with the backend stopped, writes wait: Offline · N waiting, and Sync now says why', async () => {
    assert.equal(await backend.stop(), 0, 'the backend exits 0 on SIGTERM');
    await runCommand('AI Editor: Send Prompt');
    await answerInput('AI Editor: Send Prompt', 'A login form, written offline');
    await chat().locator('article.message.user:not(.pending)', { hasText: 'written offline' }).waitFor({ state: 'visible' });
    await chat().locator('#cancel').waitFor({ state: 'hidden' });
    const offline = page.locator('.part.statusbar .statusbar-item[aria-label^="AI Editor sync: Offline · "]');
    await offline.waitFor({ state: 'visible' });
    const label = await offline.getAttribute('aria-label');
    const waiting = /^AI Editor sync: Offline · (\d+) waiting/.exec(label ?? '');
    assert.ok(waiting && Number(waiting[1]) >= 2, `at least the prompt and the reply wait: ${label}`);
    assert.match((await offline.innerText()).trim(), /^Offline · \d+ waiting \((retry in \d+ s|retrying…)\)$/);

    await openSyncMenu(offline);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sync now' }).click();
    await toast('AI Editor: could not sync: cannot reach').waitFor({ state: 'visible' });
  });

  step('writes the backend refuses read "N rejected", are listed with its reason, and go up when retried', async () => {
    // The same backend again, taking bodies of 2 KiB at most: the offline
    // prompt's reply, interaction and component version are each larger.
    const listen = new URL(backend.url).host;
    backend = await startBackend({ ...backendOptions, listen, args: ['--max-body', '2048'] });
    await runCommand('AI Editor: Sync…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Sync' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sync now' }).click();
    const refused = toast('AI Editor: synced, but the backend refused');
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
    await toast(`AI Editor: ${count} writes queued again`).waitFor({ state: 'visible' });
    await syncItem('Synced').waitFor({ state: 'visible' });
    // Every message of the chat, the refused reply included, is on the backend.
    const local = await chat().locator('article.message').evaluateAll((nodes) => nodes.map((n) => n.dataset.id));
    const remote = await backendMessages(backend.url, token, SESSION);
    assert.deepEqual(remote.map((m) => m.id).sort(), [...local].sort());
  });

  step('signing out keeps the chat, forgets the token, and the item asks to sign in again', async () => {
    await openSyncMenu(syncItem('Synced'));
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Sign out' }).click();
    await toast('AI Editor: signed out').waitFor({ state: 'visible' });
    await syncItem('Sign in to sync').waitFor({ state: 'visible' });
    // Forgotten in SecretStorage too: a restarted server is not signed in.
    await restartServer();
    await syncItem('Sign in to sync').waitFor({ state: 'visible' });
    assert.equal(await chat().locator('article.message').count(), 7, 'all local messages are kept');
  });

  step('with no backend URL, Sign in… asks for it first and keeps it in aieditor.sync.url', async () => {
    const settingsFile = join(dirs.userData, 'User', 'settings.json');
    await removeFirstUserSetting();
    assert.equal(JSON.parse(readFileSync(settingsFile, 'utf8'))['aieditor.sync.url'], undefined);
    // The server restarts with sync off: no sync item.
    await syncItem('Sign in to sync').waitFor({ state: 'hidden' });
    await runCommand('AI Editor: Sync…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: Sync' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Enter the team backend URL' }).click();
    await answerInput('AI Editor: Team Backend', backend.url);
    await answerInput('AI Editor: Sign In to Sync', token);
    await syncItem('Synced').waitFor({ state: 'visible' });
    await waitFor('aieditor.sync.url back in the user settings', () => {
      const text = readFileSync(settingsFile, 'utf8');
      return text.includes('"aieditor.sync.url"') && JSON.parse(text)['aieditor.sync.url'] === backend.url;
    });
  });

  step('a session deleted on the second machine leaves the chat, which says so', async () => {
    const other = await secondMachine();
    try {
      assert.equal((await other.request('sync/now', {})).state, 'synced');
      await other.request('session/delete', { sessionId: SESSION });
      assert.equal((await other.request('sync/now', {})).state, 'synced');
      await toast(`AI Editor: the session "${PROMPT}" was deleted on another device.`).waitFor({ state: 'visible' });
      await chat().locator('#session', { hasText: 'No session' }).waitFor({ state: 'visible' });
      assert.equal(await chat().locator('article.message').count(), 0);
    } finally {
      assert.equal(await other.close(), 0, 'the second machine exits 0');
    }
  });

  // ---- issue 17: from chat to real files, history, retry -----------------------------

  /** The session of these steps, its first prompt, and what the files hold by version. */
  const CARD = 'A pricing card with three tiers';
  const BIGGER = 'Make it bigger';
  const EDITED_LINE = '// Hello, reader: the component comes below.';
  let card;
  /** The fake OpenAI API the provider setting points to, from the retry step on. */
  let upstream;

  step('a prompt typed with no session open starts a session, titled by the prompt', async () => {
    await chat().locator('#session', { hasText: 'No session' }).waitFor({ state: 'visible' });
    await typePrompt(CARD);
    await chat().locator('#session', { hasText: CARD }).waitFor({ state: 'visible' });
    await completeReply(2);
    assert.equal(await chat().locator('article.message').count(), 2, 'the prompt and its reply');
    const id = /^Session (session-[0-9a-f-]+)$/.exec((await chat().locator('#session').getAttribute('title')) ?? '')?.[1];
    assert.ok(id && id !== SESSION, `a new session: ${id}`);
    card = { sessionId: id };
  });

  step('Apply to Files shows a diff first: Reject writes nothing, Accept writes <Name>.jsx and <Name>.css importing the CSS once', async () => {
    card.v1 = await readStored((rpc) => rpc.request('components/render', { sessionId: card.sessionId, target: 'files' }));
    assert.equal(card.v1.version, 1);
    const jsxFile = join(dirs.workspace, 'src', 'components', card.v1.jsxFileName);
    const cssFile = join(dirs.workspace, 'src', 'components', card.v1.cssFileName);

    const reply = chat().locator('article.message.assistant').last();
    await reply.locator('button.apply').click();
    const diff = page.locator('.tabs-container .tab', { hasText: `(Apply ${card.v1.jsxFileName.replace(/\.jsx$/, '')} v1)` });
    await diff.first().waitFor({ state: 'visible' });
    await editorAction('Reject Changes').click();
    await diff.first().waitFor({ state: 'detached' });
    assert.deepEqual(componentFiles(), [], 'Reject wrote nothing');

    await reply.locator('button.apply').click();
    await diff.first().waitFor({ state: 'visible' });
    // For a person to look at: the diff with Accept and Reject on its title bar.
    await page.locator('.part.editor .monaco-diff-editor .view-lines', { hasText: 'function' }).first().waitFor({ state: 'visible' });
    await editorAction('Accept Changes').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(outDir, 'apply-diff.png') });
    await editorAction('Accept Changes').click();
    await toast('AI Editor: wrote version 1').waitFor({ state: 'visible' });
    await diff.first().waitFor({ state: 'detached' });
    assert.deepEqual(componentFiles(), [card.v1.cssFileName, card.v1.jsxFileName].sort());
    const jsx = readFileSync(jsxFile, 'utf8');
    assert.equal(jsx, card.v1.jsx);
    assert.equal(readFileSync(cssFile, 'utf8'), card.v1.css);
    const cssImport = `import "./${card.v1.cssFileName}";`;
    assert.equal(jsx.split('\n').filter((l) => l.trim() === cssImport).length, 1, `the CSS is imported once:\n${jsx}`);
    const { files } = await readStored((rpc) => rpc.request('components/files', { sessionId: card.sessionId, componentId: card.v1.componentId }));
    assert.deepEqual(files.map((f) => [f.path, f.kind, f.version]).sort(), [[cssFile, 'css', 1], [jsxFile, 'jsx', 1]]);
  });

  step('a second version, applied again, updates the same files and makes no copies', async () => {
    await typePrompt(BIGGER);
    const reply = await completeReply(4);
    card.v2 = await readStored((rpc) => rpc.request('components/render', { sessionId: card.sessionId, target: 'files' }));
    assert.equal(card.v2.componentId, card.v1.componentId, 'the prompt iterated on the component');
    assert.equal(card.v2.version, 2);
    assert.notEqual(card.v2.jsx + card.v2.css, card.v1.jsx + card.v1.css, 'version 2 differs');
    // Diff on a code block: what this reply changed in the JSX.
    await reply.locator('.code[data-lang="jsx"] button.code-diff').first().click();
    const compared = page.locator('.tabs-container .tab', { hasText: 'the reply before ↔ this reply' });
    await compared.first().waitFor({ state: 'visible' });
    await editorAction('Accept Changes').waitFor({ state: 'detached' }); // nothing to accept there
    await runCommand('View: Close Editor');
    await compared.first().waitFor({ state: 'detached' });
    // The files hold version 1: the new version offers to update them, through the same diff.
    const offer = toast(`version 2 of ${card.v1.jsxFileName.replace(/\.jsx$/, '')} is ready`);
    await offer.getByRole('button', { name: 'Review Update' }).click();
    await page.locator('.tabs-container .tab', { hasText: 'v2)' }).first().waitFor({ state: 'visible' });
    await editorAction('Accept Changes').click();
    await toast('AI Editor: wrote version 2').waitFor({ state: 'visible' });
    assert.deepEqual(componentFiles(), [card.v1.cssFileName, card.v1.jsxFileName].sort(), 'the same two files');
    assert.equal(readFileSync(join(dirs.workspace, 'src', 'components', card.v1.jsxFileName), 'utf8'), card.v2.jsx);
    assert.equal(readFileSync(join(dirs.workspace, 'src', 'components', card.v1.cssFileName), 'utf8'), card.v2.css);
  });

  step('history (Ctrl+Alt+A H) reads number, time, origin and current; v1 shows its diff; Accept restores it into the files, and Undo reverts', async () => {
    const jsxFile = join(dirs.workspace, 'src', 'components', card.v1.jsxFileName);
    await page.locator('.part.editor').first().click();
    await page.keyboard.press('Control+Alt+a');
    await page.keyboard.press('h');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: History of' }).waitFor({ state: 'visible' });
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await rows.first().filter({ hasText: 'v2 (current)' }).waitFor({ state: 'visible' });
    assert.match(await rows.nth(0).innerText(), /(just now|\d+ s ago|\d+ min ago) · "Make it bigger"/);
    assert.match(await rows.nth(1).innerText(), /v1[^]*(just now|\d+ s ago|\d+ min ago) · "A pricing card with three tiers"/);
    await page.screenshot({ path: join(outDir, 'history.png') });
    await rows.nth(1).click();
    const diff = page.locator('.tabs-container .tab', { hasText: '(Restore v1 of' });
    await diff.first().waitFor({ state: 'visible' });
    await editorAction('Accept Changes').click();
    await toast('AI Editor: restored v1').waitFor({ state: 'visible' });
    await waitFor('the JSX file to hold version 1 again', () => readFileSync(jsxFile, 'utf8') === card.v1.jsx);
    const history = await readStored((rpc) => rpc.request('components/history', { sessionId: card.sessionId, componentId: card.v1.componentId }));
    const v3 = history.versions.at(-1);
    assert.deepEqual([v3.version, v3.origin, v3.current], [3, { kind: 'restored', fromVersion: 1 }, true]);
    // The restore was one edit in the file's editor: Undo takes it back.
    const editor = page.locator(`.editor-instance .monaco-editor[data-uri$="/${card.v1.jsxFileName}"]`);
    await editor.waitFor({ state: 'visible' });
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Z');
    await save(editor, card.v1.jsxFileName);
    await waitFor('the JSX file back at version 2 after Undo', () => readFileSync(jsxFile, 'utf8') === card.v2.jsx);
  });

  step('with the provider changed in settings the server restarts; a failed reply shows why with Retry, keeps the prompt, and Retry succeeds', async () => {
    const signup = 'A newsletter signup form';
    upstream = await startFakeOpenAi([
      { status: 400, error: 'The model is overloaded, try again' },
      {
        text: 'Here is `NewsletterSignup`.\n\n```jsx\nimport React from "react";\n\nexport default function NewsletterSignup() {\n  return <form className="newsletter"><input type="email" /><button>Subscribe</button></form>;\n}\n```\n\n```css\n.newsletter { display: flex; gap: 8px; }\n```\n',
      },
      // The two edits of a selection, below.
      { text: `Here is the line, changed:\n\n\`\`\`js\n${EDITED_LINE}\n\`\`\`\n` },
      { text: `Here is the line, changed:\n\n\`\`\`js\n${EDITED_LINE}\n\`\`\`\n` },
    ]);
    {
      await setUserSettings({ 'aieditor.baseUrl': upstream.url, 'aieditor.provider': 'openai' });
      await waitFor('the server restarted with provider openai', () => /server ready: .*provider openai/.test(readTree(join(dirs.userData, 'logs'))));
      await typePrompt(signup);
      const error = chat().locator('#error');
      await error.waitFor({ state: 'visible' });
      const shown = (await chat().locator('#error-text').innerText()).trim();
      assert.match(shown, /^The AI reply failed: .*The model is overloaded, try again/);
      assert.doesNotMatch(shown, /params\.|[0-9a-f]{8}-[0-9a-f]{4}-|curl/i, 'plain words only');
      assert.equal(await chat().locator('#prompt').inputValue(), signup, 'the prompt stays in its box');
      await page.locator('iframe.webview[src*="extensionId=aieditor.aieditor"]').first().screenshot({ path: join(outDir, 'chat-failed.png') });
      await chat().locator('#retry').click();
      const reply = await completeReply(8);
      await reply.filter({ hasText: 'NewsletterSignup' }).waitFor({ state: 'visible' });
      await error.waitFor({ state: 'hidden' });
      assert.equal(await chat().locator('#prompt').inputValue(), '', 'sent: the box is empty');
      assert.equal(upstream.requests.length, 2, 'one failed call, one retried');
      const asked = upstream.requests[1].body.messages.filter((m) => m.role === 'user').at(-1).content;
      assert.equal(asked, signup, 'Retry sent the same prompt');
      await page.locator('iframe.webview[src*="extensionId=aieditor.aieditor"]').first().screenshot({ path: join(outDir, 'chat-retried.png') });
    }
  });

  step('Edit Selection with AI shows the selection changed as a diff: Reject keeps the file, Accept changes only the selection', async () => {
    const file = join(dirs.workspace, 'App.jsx');
    const original = readFileSync(file, 'utf8');
    const line = '// The AI Editor inserts the component below.';
    assert.ok(original.includes(line), original);
    const selectLine = async () => {
      const editor = await openFile('App.jsx');
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+Home');
      const at = original.split('\n').indexOf(line);
      for (let i = 0; i < at; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Home');
      await page.keyboard.press('Shift+End');
      return editor;
    };
    const diff = page.locator('.tabs-container .tab', { hasText: '(Edit App.jsx with AI)' });
    await selectLine();
    await runCommand('AI Editor: Edit Selection with AI');
    await answerInput('AI Editor: Edit Selection with AI', 'Greet the reader instead');
    await diff.first().waitFor({ state: 'visible' });
    assert.match(upstream.requests.at(-1).body.messages.at(-1).content, /Greet the reader instead\n[^]*```jsx\n\/\/ The AI Editor inserts the component below\.\n```$/);
    await editorAction('Reject Changes').click();
    await diff.first().waitFor({ state: 'detached' });
    assert.equal(readFileSync(file, 'utf8'), original, 'Reject changed nothing');

    const editor = await selectLine();
    await runCommand('AI Editor: Edit Selection with AI');
    await answerInput('AI Editor: Edit Selection with AI', 'Greet the reader instead');
    await diff.first().waitFor({ state: 'visible' });
    await editorAction('Accept Changes').click();
    await diff.first().waitFor({ state: 'detached' });
    await page.locator('.tabs-container .tab.dirty', { hasText: 'App.jsx' }).waitFor({ state: 'visible' });
    await save(editor, 'App.jsx');
    await waitFor('App.jsx with only the selected line changed', () => readFileSync(file, 'utf8') === original.replace(line, EDITED_LINE));
  });

  step("the server's log lines keep their level: none of its info or warn lines is tagged [error]", async () => {
    const text = readTree(join(dirs.userData, 'logs'));
    assert.match(text, /\[info\] aieditor: /, 'the server logs at info (AIEDITOR_LOG=info), shown as info');
    // Before: every stderr line was an error, e.g. "[error] aieditor info: ...".
    const mislabelled = text.split('\n').filter((l) => /\[error\] aieditor (info|warn|debug): /.test(l));
    assert.deepEqual(mislabelled, []);
  });

  step("the chat's title bar has New Session, History and Export; Open Chat in Editor shows the same chat in an editor tab", async () => {
    // The container holds one view: its actions are on the side bar's title.
    const titleBar = page.locator('.part.sidebar .title-actions');
    await page.locator('.part.sidebar .title-label', { hasText: 'AI Editor' }).hover();
    for (const name of ['New Session', 'Show Component History', 'Export Session']) {
      await titleBar.locator(`.action-label[aria-label^="${name}"]`).waitFor({ state: 'visible' });
    }
    await titleBar.locator('.action-label[aria-label^="Show Component History"]').click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: History of' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    const messages = await chat().locator('article.message').count(); // chat() is the view's while it is the only one
    await runCommand('AI Editor: Open Chat in Editor');
    await page.locator('.tabs-container .tab', { hasText: 'AI Editor Chat' }).waitFor({ state: 'visible' });
    // Webviews live outside the editor part; the editor tab's is the one made last.
    const inEditor = page
      .frameLocator('iframe.webview[src*="extensionId=aieditor.aieditor"]')
      .last()
      .frameLocator('iframe#active-frame');
    await inEditor.locator('#session', { hasText: CARD }).waitFor({ state: 'visible' });
    assert.equal(await inEditor.locator('article.message').count(), messages);
    await page.screenshot({ path: join(outDir, 'chat-in-editor.png') });
  });

  step('neither the API key nor the sign-in token reached a log, though the trace shows every message', async () => {
    const logs = join(dirs.userData, 'logs');
    // The trace is there, params and all: the check below cannot pass by logging nothing.
    const written = await waitFor('the trace of sync/login in the logs', () => {
      const text = readTree(logs);
      return /Sending request 'sync\/login - \(\d+\)'/.test(text) ? text : undefined;
    });
    assert.match(written, /Sending request 'initialize - \(\d+\)'\.\s+Params: \{[^]*"initializationOptions": \{[^]*"sync": \{\s*"url": /);
    assert.match(written, /Received response 'sync\/status - \(\d+\)'[^]*"state": "synced"/);
    for (const [name, secret] of [['the API key', API_KEY], ['the sign-in token', token]]) {
      for (const [where, text] of [['the logs', written], ["code-server's output", readFileSync(codeServerLog, 'utf8')]]) {
        assert.equal(text.includes(secret), false, `${name} is in ${where}`);
      }
    }
    assert.match(written, /"token": "\[redacted\]"/, "sync/login's params are traced, without the token");
  });

  step('the chat view asked for nothing remote', async () => {
    const fromChat = blocked.filter((b) => b.frames.some((f) => f.includes('extensionId=aieditor.aieditor')));
    assert.deepEqual(fromChat, [], 'requests from the chat webview that were blocked');
  });
});

