// Starting the aieditor server over stdio with vscode-languageclient.

import { execFile } from 'node:child_process';
import * as readline from 'node:readline';
import { constants, promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { discoverServer, type Discovery, type Host } from './bootstrap';
import type { InitializationOptions } from './protocol';
import { serverLogLine } from './errors';
import { redactSecrets } from './redact';

/** The Host of bootstrap.ts, on the real file system and processes. */
export const nodeHost: Host = {
  env: process.env,
  platform: process.platform,
  async isExecutable(path: string): Promise<boolean> {
    try {
      const st = await fs.stat(path);
      if (!st.isFile()) return false;
      await fs.access(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  runVersion(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(path, ['--version'], { timeout: 10_000, windowsHide: true }, (err, stdout, stderr) => {
        if (err) reject(new Error(stderr.trim() || err.message));
        else resolve(stdout);
      });
    });
  },
};

export function findServer(settingPath: string | undefined, extensionPath: string): Promise<Discovery> {
  const workspaceFolders = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => f.uri.fsPath);
  return discoverServer({ settingPath, extensionPath, workspaceFolders }, nodeHost);
}

/** The methods of a log channel that write a message. */
const WRITERS = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine']);

/** `channel`, writing every message with its secrets hidden (see redact.ts). */
function redacting(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!WRITERS.has(prop)) return value.bind(target);
      return (message: unknown, ...rest: unknown[]) =>
        value.call(target, typeof message === 'string' ? redactSecrets(message) : message, ...rest);
    },
  });
}

function forwardLog(input: NodeJS.ReadableStream, channel: vscode.LogOutputChannel): void {
  readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 }).on('line', (line) => {
    const { level, text } = serverLogLine(line);
    channel[level](text);
  });
}

/**
 * A client for the server at `serverPath`; not started yet. `env` is the
 * server's whole environment: the secrets go there, never in
 * `initializationOptions`, which a verbose trace writes to the log.
 */
export function createClient(
  serverPath: string,
  initializationOptions: InitializationOptions,
  env: Record<string, string | undefined>,
  outputChannel: vscode.LogOutputChannel,
): LanguageClient {
  const run = { command: serverPath, args: ['serve'], options: { env } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    // The server works on sessions, not on documents: no document is synced.
    documentSelector: [],
    initializationOptions,
    outputChannel,
    // The trace (`aieditor.trace.server`) shows sync/login's params: without its token.
    traceOutputChannel: redacting(outputChannel),
    // A failed start is reported once by the extension, with an action to take.
    initializationFailedHandler: () => false,
    // The server's stderr is its log: each line at its own level (the default
    // would tag every normal start-up line as an error).
    stdioOptions: { stdout: forwardLog, stderr: forwardLog },
  };
  // The id "aieditor" makes the client read the `aieditor.trace.server` setting.
  return new LanguageClient('aieditor', 'AI Editor', serverOptions, clientOptions);
}
