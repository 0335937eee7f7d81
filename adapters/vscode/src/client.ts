// Starting the aieditor server over stdio with vscode-languageclient.

import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { discoverServer, type Discovery, type Host } from './bootstrap';
import type { InitializationOptions } from './protocol';

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

/** A client for the server at `serverPath`; not started yet. */
export function createClient(
  serverPath: string,
  initializationOptions: InitializationOptions,
  outputChannel: vscode.LogOutputChannel,
): LanguageClient {
  const run = { command: serverPath, args: ['serve'], options: { env: { ...process.env } } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    // The server works on sessions, not on documents: no document is synced.
    documentSelector: [],
    initializationOptions,
    outputChannel,
    // A failed start is reported once by the extension, with an action to take.
    initializationFailedHandler: () => false,
  };
  // The id "aieditor" makes the client read the `aieditor.trace.server` setting.
  return new LanguageClient('aieditor', 'AI Editor', serverOptions, clientOptions);
}
