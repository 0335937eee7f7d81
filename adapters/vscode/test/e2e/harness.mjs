// The end-to-end test's machinery: an isolated code-server with the extension
// installed from its .vsix, and Debian's chromium driven by playwright-core with
// every non-loopback request blocked. Every wait is on an event, a selector or
// a condition; none is a fixed sleep.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Reads a required environment variable. */
export function requireEnv(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (scripts/test.sh sets it)`);
  return v;
}

/** Polls `check` until it returns a truthy value; for conditions with no event (a file on disk). */
export async function waitFor(what, check, timeoutMs = 30_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Isolated directories for one run. */
export function makeDirs() {
  const root = mkdtempSync(join(tmpdir(), 'aieditor-vscode-e2e-'));
  const dirs = {
    root,
    home: join(root, 'home'),
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    xdgData: join(root, 'xdg-data'),
    xdgConfig: join(root, 'xdg-config'),
    xdgCache: join(root, 'xdg-cache'),
    workspace: join(root, 'workspace'),
    browserProfile: join(root, 'chromium-profile'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return dirs;
}

/** The environment of code-server (and so of the extension host and the aieditor server). */
export function isolatedEnv(dirs) {
  return {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    TZ: process.env.TZ ?? 'UTC',
    HOME: dirs.home,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_CACHE_HOME: dirs.xdgCache,
    AIEDITOR_LOG: process.env.AIEDITOR_LOG ?? 'info',
    // The offline provider pauses between deltas, so that the test sees the
    // reply stream, and has time to cancel one.
    AIEDITOR_OFFLINE_DELAY_MS: '500',
  };
}

/**
 * Writes the user settings, and the remote machine settings. In code-server the
 * window is a remote one: settings of scope "machine" or "machine-overridable"
 * (aieditor.serverPath, aieditor.databasePath) apply from the machine settings
 * only, as they would for any user of a remote.
 */
export function writeSettings(dirs, { user, machine }) {
  for (const [folder, settings] of [
    ['User', user],
    ['Machine', machine],
  ]) {
    const dir = join(dirs.userData, folder);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  }
}

/** Runs a command to its end; rejects on a non-zero exit with its output. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}:\n${out}`));
    });
  });
}

/**
 * Starts code-server on 127.0.0.1 with a port the kernel picks, and resolves
 * when it logs the address it listens on.
 */
export function startCodeServer({ node, entry, dirs, env, log }) {
  const configFile = join(dirs.xdgConfig, 'code-server.yaml');
  writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const args = [
    entry,
    '--config', configFile,
    '--bind-addr', '127.0.0.1:0',
    '--auth', 'none',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    // Every log at trace level: the language client writes its trace
    // (aieditor.trace.server) only to a channel at that level.
    '--log', 'trace',
    dirs.workspace,
  ];
  const child = spawn(node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk) => {
      const text = chunk.toString();
      log(text);
      seen += text;
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\/?/.exec(seen);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${seen}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    child,
    url,
    /** Stops code-server and everything it started (its process group). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function isLoopback(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') return false;
  const host = u.hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Launches Debian's chromium headless, with every non-loopback request blocked. */
export async function launchBrowser({ executablePath, profileDir, blocked }) {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      `--disk-cache-dir=${join(profileDir, 'cache')}`,
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    const frames = [];
    try {
      for (let f = route.request().frame(); f; f = f.parentFrame()) frames.push(f.url());
    } catch {
      frames.push('(service worker)');
    }
    blocked.push({ url, frames });
    return route.abort('blockedbyclient');
  });
  return { browser, context };
}

/**
 * Starts `aieditor-backend serve` on `listen` (by default a port the kernel
 * picks) with `args`, and resolves when it prints the one line that says where
 * it listens.
 */
export async function startBackend({ binary, db, env, log, listen = '127.0.0.1:0', args = [] }) {
  const child = spawn(binary, ['serve', '--listen', listen, '--db', db, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk.toString();
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(seen);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (chunk) => log(chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`aieditor-backend exited (${code ?? signal}) before listening:\n${seen}`)));
  });
  return {
    url,
    /** SIGTERM, as a person stopping it; resolves to its exit code once it is gone. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Makes a backend user; resolves to its sign-in token (the last line `user add` prints). */
export async function addBackendUser({ binary, db, env, name }) {
  const child = spawn(binary, ['user', 'add', name, '--db', db], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`aieditor-backend user add ${name} exited ${code}: ${stderr}`);
  const token = stdout.trim().split('\n').pop()?.trim() ?? '';
  if (!/^aies_/.test(token)) throw new Error(`aieditor-backend user add printed no sign-in token: ${stdout}`);
  return token;
}

/** The backend's messages of one session, oldest first, read with the user's sign-in token over its REST API. */
export async function backendMessages(url, token, sessionId) {
  const auth = await fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token }),
  });
  if (auth.status !== 200) throw new Error(`POST /api/auth/token: ${auth.status} ${await auth.text()}`);
  const { access_token: access } = await auth.json();
  const messages = [];
  for (let since = 0; ; ) {
    const reply = await fetch(`${url}/api/changes?since=${since}&limit=1000`, { headers: { Authorization: `Bearer ${access}` } });
    if (reply.status !== 200) throw new Error(`GET /api/changes: ${reply.status} ${await reply.text()}`);
    const page = await reply.json();
    for (const c of page.changes) if (c.kind === 'message' && c.session_id === sessionId) messages.push(c.record);
    if (!page.has_more) return messages;
    since = page.next;
  }
}

/**
 * A fake OpenAI Chat Completions API on 127.0.0.1 (the provider is outside the
 * machine; this is its wire format): each POST .../chat/completions takes the
 * next of `answers`, either `{ status, error }` (an error reply) or `{ text }`
 * (streamed as server-sent events in a few chunks, then finish_reason and
 * [DONE]). Records every request's body.
 */
export async function startFakeOpenAi(answers) {
  const { createServer } = await import('node:http');
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url, body: body ? JSON.parse(body) : undefined });
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
      if (!req.url.endsWith('/chat/completions') || !answer) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"message":"no such route"}}');
        return;
      }
      if (answer.status) {
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { message: answer.error, type: 'invalid_request_error' } }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      const chunk = (delta, finish = null) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-e2e', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const third = Math.ceil(answer.text.length / 3);
      for (let i = 0; i < answer.text.length; i += third) res.write(chunk({ content: answer.text.slice(i, i + third) }));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    requests,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
