import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initializationOptions, serverEnvironment } from '../../src/init_options';
import { componentNameFromFile, exportFileName, NEW_SESSION, sessionItems, versionItems } from '../../src/labels';
import type { Component, SessionSummary } from '../../src/protocol';
import { redactSecrets } from '../../src/redact';
import { suggestSessionId, validateSessionId } from '../../src/session_id';
import { chatHtml, contentSecurityPolicy } from '../../src/webview_html';

test('session ids follow the protocol', () => {
  assert.equal(validateSessionId('demo'), undefined);
  assert.equal(validateSessionId('a.b_c:d-1'), undefined);
  assert.equal(validateSessionId('x'.repeat(128)), undefined);
  assert.match(validateSessionId('')!, /Enter/);
  assert.match(validateSessionId('x'.repeat(129))!, /at most 128/);
  assert.match(validateSessionId('a b')!, /" " is not allowed/);
  assert.match(validateSessionId('a/b')!, /"\/" is not allowed/);
  assert.match(validateSessionId('é')!, /"é" is not allowed/);
});

test('suggested session ids are valid and come from the local time', () => {
  const id = suggestSessionId(new Date(2026, 10, 5, 7, 8, 9));
  assert.equal(id, 'session-20261105-070809');
  assert.equal(validateSessionId(id), undefined);
});

test('initializationOptions sends only what is set', () => {
  assert.deepEqual(initializationOptions({}, {}), {});
  assert.deepEqual(initializationOptions({ provider: '', model: undefined, syncUrl: '' }, {}), {});
  assert.deepEqual(
    initializationOptions(
      { databasePath: '~/x.db', provider: 'openai', model: 'm', baseUrl: 'http://127.0.0.1:1' },
      { HOME: '/h', AIEDITOR_OFFLINE_DELAY_MS: '25' },
    ),
    { databasePath: '/h/x.db', provider: 'openai', model: 'm', baseUrl: 'http://127.0.0.1:1', offlineDelayMs: 25 },
  );
  assert.deepEqual(initializationOptions({}, { AIEDITOR_OFFLINE_DELAY_MS: 'soon' }), {});
  // The server may take the token from AIEDITOR_SYNC_TOKEN or its credentials file.
  assert.deepEqual(initializationOptions({ syncUrl: 'https://b.example' }, {}), { sync: { url: 'https://b.example' } });
});

test('the stored secrets go in the environment, over what the user set, and never an empty one', () => {
  const user = { PATH: '/bin', AIEDITOR_API_KEY: 'from-shell', AIEDITOR_SYNC_TOKEN: 'aies_shell' };
  assert.deepEqual(serverEnvironment({ apiKey: 'sk-1', syncToken: 'aies_x' }, user), {
    PATH: '/bin',
    AIEDITOR_API_KEY: 'sk-1',
    AIEDITOR_SYNC_TOKEN: 'aies_x',
  });
  // Nothing stored (signed out, key removed): the user's own variables stand.
  assert.deepEqual(serverEnvironment({ apiKey: '', syncToken: undefined }, user), user);
  assert.deepEqual(serverEnvironment({}, { PATH: '/bin' }), { PATH: '/bin' });
  assert.equal(user.AIEDITOR_API_KEY, 'from-shell', 'the extension host environment is not changed');
});

test('the trace hides every token and apiKey value, however it is written', () => {
  const params = { url: 'http://127.0.0.1:8787', token: 'aies_Q9wE"4r\\T7', nested: { apiKey: 'sk-1' } };
  for (const text of [JSON.stringify(params, null, 4), JSON.stringify(params), JSON.stringify({ params })]) {
    const shown = redactSecrets(`Sending request 'sync/login - (7)'.\nParams: ${text}`);
    assert.doesNotMatch(shown, /aies_|sk-1|T7/);
    assert.match(shown, /"token": ?"\[redacted\]"/);
    assert.match(shown, /"apiKey": ?"\[redacted\]"/);
    assert.match(shown, /"url": ?"http:\/\/127\.0\.0\.1:8787"/);
  }
  assert.equal(redactSecrets("Sending request 'sync/status - (8)'."), "Sending request 'sync/status - (8)'.");
});

function summary(id: string, updatedAt: string, title = id): SessionSummary {
  return { id, title, createdAt: updatedAt, updatedAt, messageCount: 2, componentCount: 1 };
}

test('the session pick lists "New session…" first, then the latest sessions', () => {
  const items = sessionItems(
    [summary('old', '2026-01-01T00:00:00.000Z'), summary('new', '2026-02-01T00:00:00.000Z', 'Login form')],
    'old',
  );
  assert.equal(items[0].value, NEW_SESSION);
  assert.match(items[0].label, /New session…/);
  assert.deepEqual(items.slice(1).map((i) => i.value), ['new', 'old']);
  assert.equal(items[1].label, 'Login form');
  assert.equal(items[1].description, 'new · 2 messages, 1 component');
  assert.equal(items[2].label, 'old');
  assert.equal(items[2].description, 'open · 2 messages, 1 component');
});

function version(v: number, jsx: string): Component {
  return { id: 'c', sessionId: 's', name: 'Counter', jsx, css: '', version: v, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', metadata: {} };
}

test('history lists versions newest first, the latest marked current', () => {
  const items = versionItems([version(1, '\nfunction A() {}'), version(3, 'x'.repeat(150)), version(2, '')]);
  assert.deepEqual(items.map((i) => i.label), ['v3 (current)', 'v2', 'v1']);
  assert.deepEqual(items.map((i) => i.value), [3, 2, 1]);
  assert.equal(items[2].detail, 'function A() {}');
  assert.equal(items[0].detail!.length, 100);
  assert.match(items[0].description!, /^Counter · 20/);
  assert.deepEqual(versionItems([]), []);
});

test('component names and export file names', () => {
  assert.equal(componentNameFromFile('/src/my-button.jsx'), 'MyButton');
  assert.equal(componentNameFromFile('C:\\x\\login_form.tsx'), 'LoginForm');
  assert.equal(componentNameFromFile('/x/404.jsx'), 'C404');
  assert.equal(componentNameFromFile('/x/.jsx'), 'Component');
  assert.equal(exportFileName('a:b'), 'a_b.aieditor.json');
});

test('the webview CSP allows nothing remote', () => {
  const csp = contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'abc');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-abc'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.match(csp, /connect-src 'none'/);
});

test('the webview page loads only its own script and style, with the nonce', () => {
  const html = chatHtml({ cspSource: 'vscode-webview://x', nonce: 'n0nce', scriptUri: 'vscode-webview://x/dist/webview.js', styleUri: 'vscode-webview://x/media/chat.css' });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;/);
  assert.match(html, /<script nonce="n0nce" src="vscode-webview:\/\/x\/dist\/webview.js"><\/script>/);
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'no inline script');
  assert.doesNotMatch(html, /style="/, 'no inline style (the CSP forbids it)');
  assert.doesNotMatch(html, /https?:\/\//, 'no remote URL');
  for (const id of ['status', 'messages', 'prompt', 'send', 'cancel', 'attach']) assert.match(html, new RegExp(`id="${id}"`));
});
