// Typed getters for the `aieditor.` settings. The API key is not a setting: it
// lives in SecretStorage (see SECRET_API_KEY) and is never written to
// settings.json.

import * as vscode from 'vscode';
import { initializationOptions } from './init_options';
import type { InitializationOptions } from './protocol';

export const SECTION = 'aieditor';
export const SECRET_API_KEY = 'aieditor.apiKey';

/** Settings whose change needs a server restart. */
export const RESTART_KEYS = ['serverPath', 'databasePath', 'provider', 'model', 'baseUrl'] as const;

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
  get traceServer(): 'off' | 'messages' | 'verbose' {
    return this.cfg.get<'off' | 'messages' | 'verbose'>('trace.server') ?? 'off';
  }

  /** True when `e` changed a setting that the running server was started with. */
  needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
  }

  initializationOptions(apiKey: string | undefined): InitializationOptions {
    return initializationOptions(
      {
        databasePath: this.databasePath,
        provider: this.provider,
        model: this.model,
        baseUrl: this.baseUrl,
      },
      apiKey,
      process.env,
    );
  }
}
