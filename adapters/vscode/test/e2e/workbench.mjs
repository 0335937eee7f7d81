// What the end-to-end scenarios share: one run of code-server with the
// extension installed, driven in Chromium (set up, evidence of a failed step,
// torn down), and what a user does there: the command palette, quick inputs,
// editors, the user settings, notifications and the chat view. Every wait is on
// a selector or a condition.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { isolatedEnv, launchBrowser, makeDirs, requireEnv, run, startCodeServer, writeSettings } from './harness.mjs';

export const TIMEOUT = 60_000;

const USER_SETTINGS = {
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

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every file under `dir`, as text, with its path first. */
export function readTree(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return `==> ${path}\n${readFileSync(path, 'utf8')}`;
    })
    .join('\n');
}

export class Workbench {
  /** `name` names the folder of this scenario's logs and screenshots, under AIEDITOR_E2E_OUT. */
  constructor(name) {
    this.server = requireEnv('AIEDITOR_SERVER');
    this.outDir = join(requireEnv('AIEDITOR_E2E_OUT'), name);
    mkdirSync(this.outDir, { recursive: true });
    this.dirs = makeDirs();
    this.env = isolatedEnv(this.dirs);
    /** Non-loopback requests the browser made (all blocked). */
    this.blocked = [];
    this.failed = false;
    this.page = undefined;
  }

  /**
   * Writes the workspace's `files` (path → text; a path ending in "/" is a
   * folder), installs the extension, starts code-server and opens the
   * workspace in Chromium; resolves once the extension's container shows.
   */
  async start(files) {
    for (const [path, text] of Object.entries(files)) {
      const full = join(this.dirs.workspace, path);
      if (path.endsWith('/')) {
        mkdirSync(full, { recursive: true });
      } else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, text);
      }
    }
    writeSettings(this.dirs, { machine: { 'aieditor.serverPath': this.server }, user: USER_SETTINGS });
    const node = requireEnv('AIEDITOR_E2E_NODE');
    const entry = requireEnv('AIEDITOR_E2E_CODE_SERVER');
    const vsix = requireEnv('AIEDITOR_E2E_VSIX');
    const installed = await run(
      node,
      [entry, '--user-data-dir', this.dirs.userData, '--extensions-dir', this.dirs.extensions, '--install-extension', vsix, '--force'],
      { env: this.env },
    );
    writeFileSync(join(this.outDir, 'install-extension.log'), installed);
    assert.match(installed, /successfully installed/i);

    this.codeServerLog = join(this.outDir, 'code-server.log');
    writeFileSync(this.codeServerLog, '');
    this.codeServer = startCodeServer({
      node,
      entry,
      dirs: this.dirs,
      env: this.env,
      log: (text) => writeFileSync(this.codeServerLog, text, { flag: 'a' }),
    });
    const url = await this.codeServer.url;
    const chromium = process.env.AIEDITOR_E2E_CHROMIUM ?? '/usr/bin/chromium';
    const launched = await launchBrowser({ executablePath: chromium, profileDir: this.dirs.browserProfile, blocked: this.blocked });
    this.browser = launched.browser;
    const page = await launched.context.newPage();
    this.page = page;
    page.setDefaultTimeout(TIMEOUT);
    page.on('console', (m) => {
      if (m.type() === 'error') writeFileSync(join(this.outDir, 'browser-console.log'), `${m.text()}\n`, { flag: 'a' });
    });
    await page.goto(`${url}/?folder=${encodeURIComponent(this.dirs.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible' });
    await page.locator('.part.statusbar').waitFor({ state: 'visible' });
    // The extension's contributions are registered: its activity-bar container shows.
    await page.locator('.activitybar [aria-label="AI Editor"]').first().waitFor({ state: 'visible' });
    // The explorer shows the workspace once the remote file system is up.
    const first = Object.keys(files).find((p) => !p.includes('/'));
    if (first) await page.locator('.explorer-folders-view .monaco-list-row', { hasText: first }).waitFor({ state: 'visible' });
  }

  /** Keeps the logs, closes the browser, stops code-server; the temporary folder goes unless a step failed. */
  async stop() {
    this.copyLogs();
    writeFileSync(join(this.outDir, 'blocked-requests.txt'), this.blocked.map((b) => `${b.url} (from ${b.frames.join(' < ')})\n`).join(''));
    await this.browser?.close().catch(() => undefined);
    await this.codeServer?.stop();
    if (!this.failed) rmSync(this.dirs.root, { recursive: true, force: true });
    else writeFileSync(join(this.outDir, 'kept-temp-dir.txt'), `${this.dirs.root}\n`);
  }

  copyLogs() {
    const logs = join(this.dirs.userData, 'logs');
    if (existsSync(logs)) cpSync(logs, join(this.outDir, 'vscode-logs'), { recursive: true });
  }

  /** Everything code-server's VS Code logged so far (the output channels included). */
  logs() {
    return readTree(join(this.dirs.userData, 'logs'));
  }

  /** One step of the scenario: skipped after a failure, and leaves evidence when it fails. */
  step(name, fn) {
    it(name, { timeout: 3 * TIMEOUT }, async (t) => {
      if (this.failed) {
        t.skip('an earlier step failed');
        return;
      }
      try {
        await fn();
      } catch (e) {
        this.failed = true;
        await this.saveFailureEvidence(name);
        throw e;
      }
    });
  }

  /** Saves what a failed step left on screen: the chat view, the page, the logs. */
  async saveFailureEvidence(step) {
    const slug = step.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
    if (this.page) {
      const view = this.page.locator('iframe.webview[src*="extensionId=aieditor.aieditor"]').first();
      try {
        await view.screenshot({ path: join(this.outDir, `chat-view-${slug}.png`), timeout: 5_000 });
      } catch (e) {
        writeFileSync(join(this.outDir, `chat-view-${slug}.txt`), `no chat view screenshot: ${e.message}\n`);
      }
      await this.page.screenshot({ path: join(this.outDir, `page-${slug}.png`), timeout: 5_000 }).catch(() => undefined);
    }
    this.copyLogs();
  }

  /** A screenshot for a person to look at: the page, or the chat view with `chatOnly`. */
  async screenshot(name, chatOnly = false) {
    const target = chatOnly ? this.page.locator('iframe.webview[src*="extensionId=aieditor.aieditor"]').first() : this.page;
    await target.screenshot({ path: join(this.outDir, name) });
  }

  // ---- what a user does ------------------------------------------------------------

  /** The chat webview's document: VS Code nests it in two iframes. */
  chat() {
    return this.page.frameLocator('iframe.webview[src*="extensionId=aieditor.aieditor"]').frameLocator('iframe#active-frame');
  }

  /**
   * Runs a command from the command palette by its exact title. The palette
   * lists the commands known when it opens, so a command registered a moment
   * later needs the palette opened again: retry until the deadline.
   */
  async runCommand(title, timeoutMs = TIMEOUT) {
    const page = this.page;
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
  async openFile(name) {
    const page = this.page;
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
  async save(editor, name) {
    await editor.locator('.view-lines').click();
    await this.page.keyboard.press('Control+S');
    await this.page.locator('.tabs-container .tab.dirty', { hasText: name }).waitFor({ state: 'detached' });
  }

  /** Waits for the quick input with this title, types `text` and accepts it. */
  async answerInput(title, text) {
    const page = this.page;
    await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(text);
    await input.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'hidden' });
  }

  async openUserSettings() {
    await this.runCommand('Preferences: Open User Settings (JSON)');
    const editor = this.page.locator('.editor-instance .monaco-editor[data-uri$="/User/settings.json"]');
    await editor.waitFor({ state: 'visible' });
    await editor.locator('.view-lines').click();
    await this.page.keyboard.press('Control+Home');
    return editor;
  }

  /**
   * Sets user settings as a person would, in one save: a line added at the top
   * of "Preferences: Open User Settings (JSON)". (code-server does not notice
   * the file changed behind its back.)
   */
  async setUserSettings(values) {
    const editor = await this.openUserSettings();
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('Enter');
    await this.page.keyboard.insertText(
      Object.entries(values)
        .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)},`)
        .join(' '),
    );
    await this.save(editor, 'settings.json');
  }

  /** Removes the line setUserSettings added last (the second line). */
  async removeFirstUserSetting() {
    const editor = await this.openUserSettings();
    await this.page.keyboard.press('ArrowDown');
    await this.page.keyboard.press('Control+Shift+K'); // Delete Line
    await this.save(editor, 'settings.json');
  }

  /** A notification toast holding `text`. */
  toast(text) {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text });
  }

  /** An action on the active editor's title bar (a diff's Accept and Reject). */
  editorAction(name) {
    return this.page.locator(`.part.editor .editor-actions .action-label[aria-label^="${name}"]`).first();
  }

  /** Types a prompt in the chat view's box and sends it with Enter. */
  async typePrompt(text) {
    const box = this.chat().locator('#prompt');
    await box.fill(text);
    await box.press('Enter');
  }

  /** The chat's `n`th message (from 1), once it is a complete reply. */
  async completeReply(n) {
    const reply = this.chat().locator(`#messages > article:nth-of-type(${n}).assistant[data-status="complete"]`);
    await reply.waitFor({ state: 'visible' });
    await this.chat().locator('#cancel').waitFor({ state: 'hidden' });
    return reply;
  }
}
