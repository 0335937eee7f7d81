// The initializationOptions the server is started with. Pure and tested.

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

/** What SecretStorage holds for the server: given at start, never in settings. */
export interface ServerSecrets {
  apiKey?: string;
  /** The team backend's sign-in token. */
  syncToken?: string;
}

/**
 * The initializationOptions sent to the server: only the fields that are set.
 * AIEDITOR_OFFLINE_DELAY_MS (for tests) sets offlineDelayMs.
 */
export function initializationOptions(
  settings: ServerSettings,
  secrets: ServerSecrets,
  env: Record<string, string | undefined>,
): InitializationOptions {
  const out: InitializationOptions = {};
  const { syncUrl, ...provider } = settings;
  for (const [k, v] of Object.entries(provider) as Array<[keyof typeof provider, string | undefined]>) {
    if (v !== undefined && v !== '') out[k] = k === 'databasePath' ? expandPath(v, env) : v;
  }
  if (secrets.apiKey) out.apiKey = secrets.apiKey;
  const sync = { ...(syncUrl ? { url: syncUrl } : {}), ...(secrets.syncToken ? { token: secrets.syncToken } : {}) };
  if (Object.keys(sync).length > 0) out.sync = sync;
  const delay = env.AIEDITOR_OFFLINE_DELAY_MS;
  if (delay !== undefined && /^\d+$/.test(delay)) out.offlineDelayMs = Number(delay);
  return out;
}
