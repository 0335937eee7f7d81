// The live preview in real Chromium: the offline provider's component
// rendered, a components/save shown without a reload, a counter that counts,
// the overlays (a syntax error, a throw, an import other than react) with the
// previous good render one click away, the version picker, and no request
// leaving 127.0.0.1 (every request recorded; the frame's CSP stops even
// loopback ones). Every wait is on the page's painted report, a selector or a
// reply; none is a sleep. Run by run.sh (CTest: "preview: chromium").

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RpcClient } from '../../adapters/vscode/test/e2e/rpc.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run.sh sets it)`);
  return v;
};
// playwright-core is one of the page's npm packages (server/preview-web).
const { chromium } = createRequire(join(env('AIEDITOR_PREVIEW_WEB'), 'package.json'))('playwright-core');

const SESSION = 'preview-e2e';
const dir = mkdtempSync(join(tmpdir(), 'aieditor-preview-'));
let server, browser, page, frame, componentId;
const requests = []; // every request the page and its frame made
const outside = []; // those not to 127.0.0.1 (aborted)

function isLoopback(url) {
  const u = new URL(url);
  if (['data:', 'blob:', 'about:'].includes(u.protocol)) return true;
  return u.hostname === '127.0.0.1';
}

async function save(jsx, css = '') {
  const { component } = await server.request('components/save', { sessionId: SESSION, component: { id: componentId, jsx, css } });
  return component.version;
}

/** Waits until the page reports `version` painted (after `from` paints). */
async function painted(version, from = 0) {
  await page.waitForFunction(([v, n]) => window.__aieditorPainted.slice(n).some((p) => p.version === v), [version, from]);
}

const paintCount = () => page.evaluate(() => window.__aieditorPainted.length);

async function overlay(kind) {
  await page.waitForSelector(`#overlay[data-kind="${kind}"]`);
  return {
    title: await page.textContent('#overlay-title'),
    message: await page.textContent('#overlay-message'),
  };
}

before(async () => {
  server = await RpcClient.start(env('AIEDITOR_SERVER'), ['--db', join(dir, 'a.db')], {
    env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), AIEDITOR_LOG: 'warn' },
  });
  await server.request('session/open', { sessionId: SESSION });
  const sent = await server.request('chat/send', { sessionId: SESSION, text: 'a pricing card with a subscribe button' });
  assert.ok(sent.component, 'the offline provider made a component');
  componentId = sent.component.id;

  browser = await chromium.launch({
    executablePath: env('AIEDITOR_E2E_CHROMIUM'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext();
  context.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  frame = page.frameLocator('#frame');
});

after(async () => {
  await browser?.close();
  if (server) assert.equal(await server.close(), 0, server.stderr);
  rmSync(dir, { recursive: true, force: true });
});

test('the offline component renders, with its name and version', async () => {
  const { url } = await server.request('preview/open', { sessionId: SESSION });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{64}\/\?session=preview-e2e$/);
  await page.goto(url);
  const { component } = await server.request('components/get', { sessionId: SESSION });
  await painted(component.version);
  assert.equal(await page.textContent('#name'), component.name);
  assert.equal(await page.textContent('#version'), `v${component.version}`);
  // Its first button's label, as written in the JSX, is on screen.
  const label = /<button[^>]*>([^<{]+)</.exec(component.jsx)[1].trim();
  await frame.getByText(label).first().waitFor();
  assert.equal(await page.isHidden('#overlay'), true);
});

test('a components/save shows up without a reload, and the new version runs', async () => {
  await page.evaluate(() => (window.__sameDocument = true));
  const from = await paintCount();
  const version = await save(`import React, { useState } from "react";
export default function Counter() {
  const [count, setCount] = useState(0);
  return <button className="counter" onClick={() => setCount(count + 1)}>Clicked {count} times</button>;
}`);
  await painted(version, from);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  assert.equal(await page.textContent('#version'), `v${version}`);
  await frame.getByText('Clicked 0 times').waitFor();
  await frame.locator('button.counter').click();
  await frame.getByText('Clicked 1 times').waitFor();
});

test('a syntax error shows the compiler message with its line; the previous good render is one click away', async () => {
  const good = await page.evaluate(() => window.__aieditorPainted.at(-1).version);
  await save('export default function Broken() {\n  return <div>\n}\n');
  const shown = await overlay('syntax');
  assert.match(shown.title, /Syntax error on line \d+/);
  assert.match(shown.message, /\(\d+:\d+\)/);
  const from = await paintCount();
  await page.click('#previous');
  await painted(good, from);
  assert.equal(await page.isHidden('#overlay'), true);
  await frame.getByText('Clicked 0 times').waitFor();
});

test('a component that throws shows the error boundary overlay', async () => {
  await save('export default function Thrower() {\n  throw new Error("boom from the component");\n}\n');
  const shown = await overlay('render');
  assert.match(shown.message, /boom from the component/);
  assert.equal(await page.isVisible('#previous'), true);
});

test('an import other than react names the module', async () => {
  await save('import { motion } from "framer-motion";\nexport default function Moving() {\n  return <motion.div>hi</motion.div>;\n}\n');
  const shown = await overlay('import');
  assert.match(shown.title, /Cannot import "framer-motion"/);
  assert.match(shown.message, /only "react"/);
});

test('the frame cannot reach the network, not even 127.0.0.1 (its CSP)', async () => {
  const from = await paintCount();
  const version = await save(`import React, { useEffect, useState } from "react";
export default function Leak() {
  const [outcome, setOutcome] = useState("trying");
  useEffect(() => {
    fetch("http://127.0.0.1:9/leak").then(() => setOutcome("sent"), () => setOutcome("refused"));
  }, []);
  return <p className="leak">{outcome}</p>;
}`);
  await painted(version, from);
  await frame.getByText('refused').waitFor();
  assert.ok(!requests.some((u) => u.includes('/leak')), `a request left the frame: ${requests.join('\n')}`);
});

test("the frame's script nonce is gone before the component runs: it cannot load a script", async () => {
  // A real listener on 127.0.0.1: what reaches it is what left the frame
  // (the browser's request log lists even the requests the CSP blocks).
  const hits = [];
  const listener = createServer((req, res) => {
    hits.push(req.url);
    res.end('parent.postMessage("leaked", "*")');
  });
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  try {
    const from = await paintCount();
    const version = await save(`import React, { useEffect, useState } from "react";
export default function Inject() {
  const [outcome, setOutcome] = useState("trying");
  useEffect(() => {
    const nonce = [...document.scripts].map((s) => s.nonce || s.getAttribute("nonce") || "").join("");
    document.addEventListener("securitypolicyviolation", (e) => setOutcome("nonce [" + nonce + "] blocked by " + e.violatedDirective));
    const script = document.createElement("script");
    script.nonce = nonce;
    script.src = "http://127.0.0.1:${listener.address().port}/leak-script";
    script.onload = () => setOutcome("nonce [" + nonce + "] loaded");
    document.body.appendChild(script);
  }, []);
  return <p className="inject">{outcome}</p>;
}`);
    await painted(version, from);
    await frame.getByText('nonce [] blocked by script-src-elem').waitFor();
    assert.deepEqual(hits, []);
  } finally {
    listener.close();
  }
});

test("an error thrown by an event handler shows its overlay with its message; the component's CSS applies", async () => {
  const from = await paintCount();
  const version = await save(
    'export default function Clicker() {\n  return <button className="clicker" onClick={() => { throw new Error("boom from a click"); }}>Throw on click</button>;\n}\n',
    '.clicker { color: rgb(1, 2, 3); }',
  );
  await painted(version, from);
  assert.equal(await frame.locator('button.clicker').evaluate((b) => getComputedStyle(b).color), 'rgb(1, 2, 3)');
  await frame.locator('button.clicker').click();
  const shown = await overlay('runtime');
  assert.match(shown.message, /boom from a click/);
  assert.equal(await page.isVisible('#previous'), false, 'the version on screen is the last good render');
  // The component still runs under it: Dismiss puts the overlay aside.
  await page.click('#dismiss');
  assert.equal(await page.isHidden('#overlay'), true);
  await frame.locator('button.clicker').click();
  await overlay('runtime');
  await page.click('#dismiss');
});

test('the version picker lists every version, newest first, and shows an older one', async () => {
  // Filled as versions came, a few at a time: still each once, in order.
  const { component } = await server.request('components/get', { sessionId: SESSION });
  await page.waitForFunction((n) => document.querySelectorAll('#versions option').length === n + 1, component.version);
  const values = await page.$$eval('#versions option', (options) => options.map((o) => o.value));
  const newestFirst = Array.from({ length: component.version }, (_, i) => String(component.version - i));
  assert.deepEqual(values, ['', ...newestFirst]);
  const from = await paintCount();
  await page.selectOption('#versions', '2');
  await painted(2, from);
  await frame.getByText('Clicked 0 times').waitFor();
  assert.equal(await page.textContent('#version'), 'v2');
});

test('every request went to 127.0.0.1', () => {
  assert.ok(requests.length > 0);
  assert.deepEqual(outside, []);
  for (const url of requests) assert.ok(isLoopback(url), url);
});
