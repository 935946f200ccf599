import type { TokenStorage } from './types';
import { warnOnce } from './env';
import { scrubbed } from './errors';

/** Where the refresh token lives; in cookie mode JavaScript never holds it at all. */
export interface RefreshTokenStore {
  readonly mode: 'cookie' | 'memory' | 'storage';
  /** The refresh token, or null when none is held (cookie mode: undefined, the browser holds it). */
  get(): Promise<string | null | undefined>;
  set(token: string | null): Promise<void>;
}

/**
 * The refresh-token modes of `AuthClientOptions.refreshToken`. A failing
 * `TokenStorage` is reported by the kind of error it threw (its name, when it
 * looks like one: never its text, which may quote the value) and treated as
 * empty, so a broken keychain signs the user out instead of crashing the app.
 */
export function createRefreshTokenStore(
  option: 'cookie' | 'memory' | TokenStorage = 'cookie',
  key = 'keycard.refresh_token',
): RefreshTokenStore {
  if (option === 'cookie') return { mode: 'cookie', get: async () => undefined, set: async () => {} };
  if (option === 'memory') {
    let token: string | null = null;
    return {
      mode: 'memory',
      get: async () => token,
      set: async (next) => void (token = next),
    };
  }
  const storage = option;
  // A mistyped mode ('Memory') would be taken for a storage that fails every call: signed out on each start, quietly.
  // The message never quotes what was given (it could be a refresh token passed by mistake).
  if (typeof storage?.remove !== 'function')
    throw new TypeError("keycard: refreshToken must be 'cookie', 'memory' or a TokenStorage");
  return {
    mode: 'storage',
    async get() {
      try {
        const value = await storage.get(key);
        return typeof value === 'string' && value ? value : null;
      } catch (error) {
        warnOnce(`TokenStorage.get failed (${scrubbed(error).name}): no session`);
        return null;
      }
    },
    async set(next) {
      try {
        await (next === null ? storage.remove(key) : storage.set(key, next));
      } catch (error) {
        warnOnce(`TokenStorage.${next === null ? 'remove' : 'set'} failed (${scrubbed(error).name})`);
      }
    },
  };
}
