// Typed getters for the `aieditor.` settings. The API key is not a setting: it
// lives in SecretStorage (see SECRET_API_KEY) and is never written to
// settings.json.

import * as vscode from 'vscode';
import { initializationOptions, serverEnvironment, type ServerSecrets, type ServerSettings } from './init_options';
import type { InitializationOptions } from './protocol';

export const SECTION = 'aieditor';
export const SECRET_API_KEY = 'aieditor.apiKey';
/** The team backend's sign-in token, in SecretStorage like the API key. */
export const SECRET_SYNC_TOKEN = 'aieditor.sync.token';

/** Settings whose change needs a server restart. */
export const RESTART_KEYS = ['serverPath', 'databasePath', 'provider', 'model', 'baseUrl', 'sync.url'] as const;

export class Config {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  private str(key: string): string | undefined {
    const v = this.cfg.get<string | null>(key);
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  }

  /** The server binary; undefined means search (bundled, workspace build, PATH). */
  get serverPath(): string | undefined {
    return this.str('serverPath');
  }
  /** The SQLite database; undefined means the server's default. */
  get databasePath(): string | undefined {
    return this.str('databasePath');
  }
  get provider(): string | undefined {
    return this.str('provider');
  }
  get model(): string | undefined {
    return this.str('model');
  }
  get baseUrl(): string | undefined {
    return this.str('baseUrl');
  }
  /** Where "Apply to Files" puts a component's new files; undefined: src/components, else the current file's folder. */
  get componentsFolder(): string | undefined {
    return this.str('componentsFolder');
  }
  /** The team backend to sync through; undefined leaves it to the server (AIEDITOR_SYNC_URL, its config file). */
  get syncUrl(): string | undefined {
    return this.str('sync.url');
  }
  /** Keeps the backend URL a sign-in was made with, in the user's settings. */
  async setSyncUrl(url: string): Promise<void> {
    await this.cfg.update('sync.url', url, vscode.ConfigurationTarget.Global);
  }
  get traceServer(): 'off' | 'messages' | 'verbose' {
    return this.cfg.get<'off' | 'messages' | 'verbose'>('trace.server') ?? 'off';
  }

  /** True when `e` touched a setting that the running server was started with. */
  affectsServer(e: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
  }

  /** The settings a server starts with (compared to tell whether a change needs a restart). */
  get serverSettings(): ServerSettings & { serverPath?: string } {
    return {
      serverPath: this.serverPath,
      databasePath: this.databasePath,
      provider: this.provider,
      model: this.model,
      baseUrl: this.baseUrl,
      syncUrl: this.syncUrl,
    };
  }

  initializationOptions(): InitializationOptions {
    const { serverPath: _serverPath, ...settings } = this.serverSettings;
    return initializationOptions(settings, process.env);
  }

  /** The server's environment, with the stored secrets (see serverEnvironment). */
  serverEnvironment(secrets: ServerSecrets): Record<string, string | undefined> {
    return serverEnvironment(secrets, process.env);
  }
}
