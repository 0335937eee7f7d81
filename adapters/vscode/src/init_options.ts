// The initializationOptions the server is started with. Pure and tested.

import { expandPath } from './bootstrap';
import type { InitializationOptions } from './protocol';

/**
 * The initializationOptions sent to the server: only the fields that are set.
 * AIEDITOR_OFFLINE_DELAY_MS (for tests) sets offlineDelayMs.
 */
export function initializationOptions(
  settings: Pick<InitializationOptions, 'databasePath' | 'provider' | 'model' | 'baseUrl'>,
  apiKey: string | undefined,
  env: Record<string, string | undefined>,
): InitializationOptions {
  const out: InitializationOptions = {};
  for (const [k, v] of Object.entries(settings) as Array<[keyof typeof settings, string | undefined]>) {
    if (v !== undefined && v !== '') out[k] = k === 'databasePath' ? expandPath(v, env) : v;
  }
  if (apiKey) out.apiKey = apiKey;
  const delay = env.AIEDITOR_OFFLINE_DELAY_MS;
  if (delay !== undefined && /^\d+$/.test(delay)) out.offlineDelayMs = Number(delay);
  return out;
}
