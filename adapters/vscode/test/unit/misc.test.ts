import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initializationOptions, serverEnvironment } from '../../src/init_options';
import { componentsFolder, targetFiles } from '../../src/apply_plan';
import { errorMessage, serverLogLine, userMessage } from '../../src/errors';
import { componentNameFromFile, exportFileName, NEW_SESSION, originText, relativeTime, sessionItems, versionItems } from '../../src/labels';
import type { ComponentVersion, SessionSummary, VersionOrigin } from '../../src/protocol';
import { redactSecrets } from '../../src/redact';
import { newSessionId, suggestSessionId, validateSessionId } from '../../src/session_id';
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

const NOW = new Date('2026-02-01T00:10:00.000Z');

test('the session pick lists "New session" first, then the sessions by title and relative time', () => {
  const items = sessionItems(
    [summary('old', '2026-01-01T00:00:00.000Z', ''), summary('new', '2026-02-01T00:07:00.000Z', 'Login form')],
    'old',
    NOW,
  );
  assert.equal(items[0].value, NEW_SESSION);
  assert.match(items[0].label, /New session$/);
  assert.deepEqual(items.slice(1).map((i) => i.value), ['new', 'old']);
  assert.equal(items[1].label, 'Login form');
  assert.equal(items[1].description, '3 min ago');
  assert.equal(items[1].detail, '2 messages, 1 component · new');
  assert.equal(items[2].label, 'Untitled session');
  assert.equal(items[2].description, 'open · 2026-01-01');
});

test('relative times', () => {
  const at = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
  assert.equal(relativeTime(at(2), NOW), 'just now');
  assert.equal(relativeTime(at(42), NOW), '42 s ago');
  assert.equal(relativeTime(at(3 * 60 + 5), NOW), '3 min ago');
  assert.equal(relativeTime(at(5 * 3600), NOW), '5 h ago');
  assert.equal(relativeTime(at(30 * 3600), NOW), 'yesterday');
  assert.equal(relativeTime(at(4 * 86400), NOW), '4 days ago');
  assert.equal(relativeTime('soon', NOW), 'soon');
});

function version(v: number, origin?: VersionOrigin, current?: boolean): ComponentVersion {
  // createdAt is when the component was first made, updatedAt when this version was.
  return {
    id: 'c', sessionId: 's', name: 'Counter', jsx: 'x', css: '', version: v,
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: `2026-02-01T00:0${v}:00.000Z`, metadata: {}, origin, current,
  };
}

test('history lists versions newest first: number, relative time, origin, and which is current', () => {
  const items = versionItems(
    [
      version(1, { kind: 'prompt', prompt: 'A pricing card' }, false),
      version(3, { kind: 'restored', fromVersion: 1 }, true),
      version(2, { kind: 'manual' }, false),
    ],
    NOW,
  );
  assert.deepEqual(items.map((i) => i.label), ['$(check) v3 (current)', 'v2', 'v1']);
  assert.deepEqual(items.map((i) => i.value.version), [3, 2, 1]);
  assert.deepEqual(items.map((i) => i.description), [
    '7 min ago · restored from v1',
    '8 min ago · manual save',
    '9 min ago · "A pricing card"',
  ]);
  assert.match(items[1].detail!, /compare with the current version/);
  assert.deepEqual(versionItems([], NOW), []);
});

test('origins in words', () => {
  assert.equal(originText({ kind: 'synced' }), 'from another device');
  assert.equal(originText({ kind: 'prompt' }), 'from a prompt');
  assert.equal(originText({ kind: 'unknown' }), 'origin unknown');
  assert.equal(originText(undefined), 'origin unknown');
});

test('a new session id is valid and differs within one second', () => {
  const now = new Date(2026, 10, 5, 7, 8, 9);
  const a = newSessionId(now, () => 0.1);
  assert.equal(a, 'session-20261105-070809-1999');
  assert.equal(validateSessionId(a), undefined);
  assert.notEqual(newSessionId(now, () => 0.2), a);
});

test('errors show the server\'s plain sentence; the log keeps the field path', () => {
  const e = Object.assign(new Error('params.componentId: session s has no current component yet'), {
    code: -32602,
    data: { userMessage: 'This session has no component yet. Send a prompt to make one first.' },
  });
  assert.equal(userMessage(e), 'This session has no component yet. Send a prompt to make one first.');
  assert.equal(errorMessage(e), 'params.componentId: session s has no current component yet');
  assert.equal(userMessage(new Error('plain')), 'plain');
  assert.equal(userMessage({ message: 'm', data: { userMessage: ' ' } }), 'm');
});

test('server log lines keep their level; anything else is an error', () => {
  assert.deepEqual(serverLogLine('aieditor info: listening on stdio'), { level: 'info', text: 'aieditor: listening on stdio' });
  assert.deepEqual(serverLogLine('aieditor warn: slow disk'), { level: 'warn', text: 'aieditor: slow disk' });
  assert.deepEqual(serverLogLine('aieditor error: x'), { level: 'error', text: 'aieditor: x' });
  assert.deepEqual(serverLogLine('==123==ERROR: AddressSanitizer'), { level: 'error', text: '==123==ERROR: AddressSanitizer' });
});

test('Apply writes new files to the setting, else src/components, else beside the current file', () => {
  assert.equal(componentsFolder({ setting: 'ui', workspaceFolder: '/w', srcComponentsExists: true }), '/w/ui');
  assert.equal(componentsFolder({ setting: '/abs/ui/', workspaceFolder: '/w', srcComponentsExists: true }), '/abs/ui/');
  assert.equal(componentsFolder({ setting: 'ui', srcComponentsExists: false }), undefined);
  assert.equal(componentsFolder({ workspaceFolder: '/w', currentFileFolder: '/w/app', srcComponentsExists: true }), '/w/src/components');
  assert.equal(componentsFolder({ workspaceFolder: '/w', currentFileFolder: '/w/app', srcComponentsExists: false }), '/w/app');
  assert.equal(componentsFolder({ workspaceFolder: '/w', srcComponentsExists: false }), '/w');
  assert.equal(componentsFolder({ srcComponentsExists: false }), undefined);
});

test('a component applied before keeps its files; a kind not applied yet goes beside them', () => {
  const names = { jsx: 'Card.jsx', css: 'Card.css' };
  assert.deepEqual(targetFiles([], '/w/src/components', names), { jsx: '/w/src/components/Card.jsx', css: '/w/src/components/Card.css' });
  assert.equal(targetFiles([], undefined, names), undefined);
  const applied = (path: string, kind: 'jsx' | 'css', appliedAt: string) => ({ path, kind, version: 1, appliedAt });
  assert.deepEqual(
    targetFiles(
      [applied('/old/Card.jsx', 'jsx', '2026-01-01T00:00:00.000Z'), applied('/w/x/OldName.jsx', 'jsx', '2026-01-02T00:00:00.000Z')],
      '/elsewhere',
      names,
    ),
    { jsx: '/w/x/OldName.jsx', css: '/w/x/Card.css' },
  );
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
  for (const id of ['status', 'messages', 'prompt', 'send', 'cancel', 'attach', 'retry', 'generating']) assert.match(html, new RegExp(`id="${id}"`));
});
