// What the server is started with: its initializationOptions, and the
// environment that carries the secrets. Pure and tested.

import { expandPath } from './bootstrap';
import type { InitializationOptions } from './protocol';

export interface ServerSettings {
  databasePath?: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  /** The team backend (`aieditor.sync.url`). */
  syncUrl?: string;
}

/**
 * What SecretStorage holds for the server: given at start in the environment,
 * never in settings nor in initializationOptions (a verbose trace of the
 * language client writes the initialize params to the log).
 */
export interface ServerSecrets {
  apiKey?: string;
  /** The team backend's sign-in token. */
  syncToken?: string;
}

/**
 * The initializationOptions sent to the server: only the fields that are set,
 * and no secret. AIEDITOR_OFFLINE_DELAY_MS (for tests) sets offlineDelayMs.
 */
export function initializationOptions(settings: ServerSettings, env: Record<string, string | undefined>): InitializationOptions {
  const out: InitializationOptions = {};
  const { syncUrl, ...provider } = settings;
  for (const [k, v] of Object.entries(provider) as Array<[keyof typeof provider, string | undefined]>) {
    if (v !== undefined && v !== '') out[k] = k === 'databasePath' ? expandPath(v, env) : v;
  }
  if (syncUrl) out.sync = { url: syncUrl };
  const delay = env.AIEDITOR_OFFLINE_DELAY_MS;
  if (delay !== undefined && /^\d+$/.test(delay)) out.offlineDelayMs = Number(delay);
  return out;
}

/**
 * The server's environment: the extension host's, with the stored secrets in
 * the variables the server reads where it read initializationOptions.apiKey
 * and sync.token (AIEDITOR_API_KEY, AIEDITOR_SYNC_TOKEN). A secret not stored
 * leaves the variable as the user set it.
 */
export function serverEnvironment(
  secrets: ServerSecrets,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out = { ...env };
  if (secrets.apiKey) out.AIEDITOR_API_KEY = secrets.apiKey;
  if (secrets.syncToken) out.AIEDITOR_SYNC_TOKEN = secrets.syncToken;
  return out;
}
