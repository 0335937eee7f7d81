// Finding the aieditor server binary and checking it. Pure: every effect
// (environment, file system, running `--version`) comes in through `Host`, so
// the search order and the error texts are tested without VS Code.
//
// Search order:
//   1. the AIEDITOR_SERVER_PATH environment variable;
//   2. the `aieditor.serverPath` setting;
//   3. the binary bundled in the extension (server/aieditor);
//   4. a binary built in an open workspace folder (build/<preset>/server/aieditor);
//   5. `aieditor` on PATH.
// An explicit choice (1 or 2) that does not work is an error: we never fall
// back past what the user asked for.

export const SERVER_NAME = 'aieditor';
/** The presets of the project's CMakePresets.json, most likely first. */
export const BUILD_PRESETS = ['dev', 'release', 'ci', 'sanitize'];

export interface Host {
  env: Record<string, string | undefined>;
  platform: string;
  /** True when `path` is a regular file that may be executed. */
  isExecutable(path: string): Promise<boolean>;
  /** Runs `path --version`, resolving to its stdout, or rejecting with an error. */
  runVersion(path: string): Promise<string>;
}

export interface Inputs {
  /** The `aieditor.serverPath` setting, already trimmed; empty means unset. */
  settingPath?: string;
  extensionPath: string;
  workspaceFolders: string[];
}

export interface ServerFound {
  ok: true;
  path: string;
  version: string;
  source: 'environment' | 'setting' | 'bundled' | 'workspace' | 'PATH';
}

export interface ServerMissing {
  ok: false;
  /** A message the user can act on. */
  message: string;
  /** Whether changing the `aieditor.serverPath` setting is the fix. */
  offerSettings: boolean;
}

export type Discovery = ServerFound | ServerMissing;

function join(...parts: string[]): string {
  return parts
    .map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .filter((p) => p.length > 0)
    .join('/');
}

function exeName(platform: string): string {
  return platform === 'win32' ? `${SERVER_NAME}.exe` : SERVER_NAME;
}

/** Expands a leading `~` and `${env:NAME}` references in a user-given path. */
export function expandPath(raw: string, env: Record<string, string | undefined>): string {
  let p = raw.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
  const home = env.HOME ?? env.USERPROFILE;
  if (home && (p === '~' || p.startsWith('~/'))) p = home + p.slice(1);
  return p;
}

/** Parses `aieditor X.Y.Z` (the first line of `--version`); undefined when it is not ours. */
export function parseVersion(stdout: string): string | undefined {
  const first = stdout.trim().split(/\r?\n/, 1)[0] ?? '';
  const m = /^aieditor\s+v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\s*$/.exec(first);
  return m ? m[1] : undefined;
}

/** The places to look in, in order, each with where it came from. */
export function candidates(inputs: Inputs, host: Host): Array<{ path: string; source: ServerFound['source'] }> {
  const exe = exeName(host.platform);
  const out: Array<{ path: string; source: ServerFound['source'] }> = [];
  out.push({ path: join(inputs.extensionPath, 'server', exe), source: 'bundled' });
  for (const folder of inputs.workspaceFolders) {
    for (const preset of BUILD_PRESETS) {
      out.push({ path: join(folder, 'build', preset, 'server', exe), source: 'workspace' });
    }
  }
  const sep = host.platform === 'win32' ? ';' : ':';
  for (const dir of (host.env.PATH ?? '').split(sep)) {
    if (dir) out.push({ path: join(dir, exe), source: 'PATH' });
  }
  return out;
}

async function check(path: string, source: ServerFound['source'], host: Host): Promise<Discovery> {
  let stdout: string;
  try {
    stdout = await host.runVersion(path);
  } catch (e) {
    return {
      ok: false,
      message: `The AI Editor server at ${path} (from ${source}) did not run: ${errorText(e)}.`,
      offerSettings: true,
    };
  }
  const version = parseVersion(stdout);
  if (!version) {
    return {
      ok: false,
      message:
        `${path} (from ${source}) is not the AI Editor server: \`--version\` printed ` +
        `"${stdout.trim().slice(0, 80)}" instead of "aieditor X.Y.Z".`,
      offerSettings: true,
    };
  }
  return { ok: true, path, version, source };
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Finds the server and checks it with `--version`. */
export async function discoverServer(inputs: Inputs, host: Host): Promise<Discovery> {
  const fromEnv = host.env.AIEDITOR_SERVER_PATH?.trim();
  if (fromEnv) {
    const path = expandPath(fromEnv, host.env);
    if (!(await host.isExecutable(path))) {
      return {
        ok: false,
        message: `AIEDITOR_SERVER_PATH is set to ${path}, which is not an executable file. Fix or unset the variable.`,
        offerSettings: false,
      };
    }
    return check(path, 'environment', host);
  }

  const fromSetting = inputs.settingPath?.trim();
  if (fromSetting) {
    const path = expandPath(fromSetting, host.env);
    if (!(await host.isExecutable(path))) {
      return {
        ok: false,
        message:
          `The setting aieditor.serverPath is ${path}, which is not an executable file. ` +
          'Point it at the aieditor binary (built to build/dev/server/aieditor), or clear it to search PATH.',
        offerSettings: true,
      };
    }
    return check(path, 'setting', host);
  }

  for (const c of candidates(inputs, host)) {
    if (await host.isExecutable(c.path)) return check(c.path, c.source, host);
  }
  return {
    ok: false,
    message:
      'The AI Editor server (aieditor) was not found: not bundled, not built in the workspace ' +
      '(build/dev/server/aieditor) and not on PATH. Build it with `cmake --preset dev && ' +
      'cmake --build --preset dev`, then set aieditor.serverPath to the binary or put it on PATH.',
    offerSettings: true,
  };
}
