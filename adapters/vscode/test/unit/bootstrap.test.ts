import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidates, discoverServer, expandPath, parseVersion, type Host } from '../../src/bootstrap';

/** A Host over a fake file system: `files` maps a path to what `--version` prints (or an Error). */
function fakeHost(files: Record<string, string | Error>, env: Record<string, string> = {}): Host & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    env: { PATH: '/usr/local/bin:/usr/bin', HOME: '/home/u', ...env },
    platform: 'linux',
    isExecutable: async (p) => Object.prototype.hasOwnProperty.call(files, p),
    runVersion: async (p) => {
      ran.push(p);
      const out = files[p];
      if (out instanceof Error) throw out;
      return out;
    },
  };
}

const inputs = { extensionPath: '/ext', workspaceFolders: ['/ws'] };

test('parseVersion accepts "aieditor X.Y.Z" only', () => {
  assert.equal(parseVersion('aieditor 0.1.0\n'), '0.1.0');
  assert.equal(parseVersion('aieditor 1.2.3-dev+abc\nmore'), '1.2.3-dev+abc');
  assert.equal(parseVersion('aieditor v2.0.0'), '2.0.0');
  assert.equal(parseVersion('clangd 14.0.0'), undefined);
  assert.equal(parseVersion(''), undefined);
  assert.equal(parseVersion('aieditor'), undefined);
});

test('expandPath expands ~ and ${env:NAME}', () => {
  const env = { HOME: '/home/u', BUILD: '/b' };
  assert.equal(expandPath('~/bin/aieditor', env), '/home/u/bin/aieditor');
  assert.equal(expandPath('${env:BUILD}/server/aieditor', env), '/b/server/aieditor');
  assert.equal(expandPath('/abs/~x', env), '/abs/~x');
  assert.equal(expandPath('${env:MISSING}/x', env), '/x');
});

test('the search order is bundled, workspace builds, then PATH', () => {
  const c = candidates(inputs, fakeHost({}));
  assert.deepEqual(
    c.map((x) => `${x.source} ${x.path}`),
    [
      'bundled /ext/server/aieditor',
      'workspace /ws/build/dev/server/aieditor',
      'workspace /ws/build/release/server/aieditor',
      'workspace /ws/build/ci/server/aieditor',
      'workspace /ws/build/sanitize/server/aieditor',
      'PATH /usr/local/bin/aieditor',
      'PATH /usr/bin/aieditor',
    ],
  );
});

test('the environment variable wins over the setting', async () => {
  const host = fakeHost({ '/env/aieditor': 'aieditor 0.2.0', '/set/aieditor': 'aieditor 0.1.0' }, { AIEDITOR_SERVER_PATH: '/env/aieditor' });
  const r = await discoverServer({ ...inputs, settingPath: '/set/aieditor' }, host);
  assert.deepEqual(r, { ok: true, path: '/env/aieditor', version: '0.2.0', source: 'environment' });
});

test('the setting wins over the search, with ~ expanded', async () => {
  const host = fakeHost({ '/home/u/aieditor': 'aieditor 0.1.0', '/usr/bin/aieditor': 'aieditor 9.9.9' });
  const r = await discoverServer({ ...inputs, settingPath: '~/aieditor' }, host);
  assert.deepEqual(r, { ok: true, path: '/home/u/aieditor', version: '0.1.0', source: 'setting' });
});

test('a setting that points nowhere is an error, not a silent fallback', async () => {
  const host = fakeHost({ '/usr/bin/aieditor': 'aieditor 0.1.0' });
  const r = await discoverServer({ ...inputs, settingPath: '/nope/aieditor' }, host);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /aieditor\.serverPath is \/nope\/aieditor, which is not an executable file/);
    assert.equal(r.offerSettings, true);
  }
  assert.deepEqual(host.ran, []);
});

test('a bad AIEDITOR_SERVER_PATH is reported as such', async () => {
  const r = await discoverServer(inputs, fakeHost({}, { AIEDITOR_SERVER_PATH: '/x' }));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /AIEDITOR_SERVER_PATH/);
    assert.equal(r.offerSettings, false);
  }
});

test('the workspace build is found before PATH', async () => {
  const host = fakeHost({ '/ws/build/dev/server/aieditor': 'aieditor 0.1.0', '/usr/bin/aieditor': 'aieditor 0.0.1' });
  const r = await discoverServer(inputs, host);
  assert.equal(r.ok && r.source, 'workspace');
  assert.equal(r.ok && r.path, '/ws/build/dev/server/aieditor');
});

test('PATH is the last resort', async () => {
  const r = await discoverServer(inputs, fakeHost({ '/usr/bin/aieditor': 'aieditor 0.3.0' }));
  assert.deepEqual(r, { ok: true, path: '/usr/bin/aieditor', version: '0.3.0', source: 'PATH' });
});

test('nothing found gives an error the user can act on', async () => {
  const r = await discoverServer(inputs, fakeHost({}));
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /was not found/);
    assert.match(r.message, /aieditor\.serverPath/);
    assert.match(r.message, /cmake --preset dev/);
    assert.equal(r.offerSettings, true);
  }
});

test('a binary that is not ours, or that fails, is reported with its path', async () => {
  const wrong = await discoverServer({ ...inputs, settingPath: '/bin/true' }, fakeHost({ '/bin/true': '' }));
  assert.equal(wrong.ok, false);
  if (!wrong.ok) assert.match(wrong.message, /\/bin\/true \(from setting\) is not the AI Editor server/);
  const broken = await discoverServer(
    { ...inputs, settingPath: '/b/aieditor' },
    fakeHost({ '/b/aieditor': new Error('error while loading shared libraries: libsqlite3.so.0') }),
  );
  assert.equal(broken.ok, false);
  if (!broken.ok) assert.match(broken.message, /did not run: error while loading shared libraries/);
});

test('windows looks for aieditor.exe with ; separated PATH', () => {
  const host = { ...fakeHost({}), platform: 'win32', env: { PATH: 'C:/a;C:/b' } };
  const c = candidates({ extensionPath: 'C:/ext', workspaceFolders: [] }, host);
  assert.deepEqual(c.map((x) => x.path), ['C:/ext/server/aieditor.exe', 'C:/a/aieditor.exe', 'C:/b/aieditor.exe']);
});
