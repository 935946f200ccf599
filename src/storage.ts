import type { TokenStorage } from './types';
import { warnOnce } from './env';
import { asAuthError, scrubbed } from './errors';

/** Where the refresh token lives; in cookie mode JavaScript never holds it at all. */
export interface RefreshTokenStore {
  readonly mode: 'cookie' | 'memory' | 'storage';
  /**
   * The refresh token, or null when none is held (cookie mode: undefined, the browser holds it). When a `TokenStorage`
   * read fails: the one this tab last read or wrote, else a rejection with a `network` {@link AuthError}. After a
   * failed write: the one this tab wrote, written again.
   */
  get(): Promise<string | null | undefined>;
  set(token: string | null): Promise<void>;
  /**
   * Forgets the refresh token this tab last read or wrote, for another tab's news that ended its session, and resolves
   * with it. A `TokenStorage` may be shared by the tabs (an extension's `chrome.storage.local`, IndexedDB): one that
   * another tab stored since (a login after that news, heard late) is left alone.
   */
  drop(): Promise<string | null | undefined>;
  /**
   * Another tab's session was adopted: memory mode keeps the refresh token it handed over; a `TokenStorage` holds what
   * that tab stored, so a write that failed here is owed no more (it would overwrite that session's token).
   */
  adopt(token?: string): void;
}

/**
 * The refresh-token modes of `AuthClientOptions.refreshToken`. A failing
 * `TokenStorage` is reported by the kind of error it threw (its name, when it
 * looks like one: never its text, which may quote the value). A failed write
 * or removal is tried again at the next read; a failed read is never taken for
 * "no session" (see `get`), so a broken keychain neither crashes the app nor
 * signs it out.
 */
export function createRefreshTokenStore(
  option: 'cookie' | 'memory' | TokenStorage = 'cookie',
  key = 'keycard.refresh_token',
  timeoutMs = 10_000,
): RefreshTokenStore {
  const none = async () => undefined;
  if (option === 'cookie') return { mode: 'cookie', get: none, set: none, drop: none, adopt() {} };
  if (option === 'memory') {
    let token: string | null = null;
    return {
      mode: 'memory',
      get: async () => token,
      set: async (next) => void (token = next),
      async drop() {
        const mine = token;
        token = null;
        return mine;
      },
      adopt: (next) => void (next && (token = next)),
    };
  }
  const storage = option;
  // A mistyped mode ('Memory') would be taken for a storage that fails every call: signed out on each start, quietly.
  // The message never quotes what was given (it could be a refresh token passed by mistake).
  if (typeof storage?.remove !== 'function')
    throw new TypeError("keycard: refreshToken must be 'cookie', 'memory' or a TokenStorage");
  let known: string | null = null; // the refresh token this tab last read or wrote
  // A write (or removal) failed, so the storage lags behind `known`: a keychain locked while a refresh in the background
  // rotated the token. Reading it back would hand the server the rotated-away token, which ends the session (reuse).
  let unsaved = false;
  // A storage that never answers (a broken adapter, a keychain that waits for an unlock) would hold the lane, and every
  // login and refresh queued behind it, for good: each call fails after the client's timeout, as if it had thrown.
  const bounded = <T>(call: T | PromiseLike<T>): Promise<T> =>
    new Promise((resolve, reject) => {
      // Rejects with what get() and set() catch, whose warning names its kind only.
      const timer = setTimeout(() => reject({ name: 'TimeoutError' }), timeoutMs);
      Promise.resolve(call)
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    });
  const read = async () => {
    const value = await bounded(storage.get(key));
    return (known = typeof value === 'string' && value ? value : null);
  };
  const failed = (call: string, error: unknown) => warnOnce(`TokenStorage.${call} failed (${scrubbed(error).name})`);
  const store: RefreshTokenStore = {
    mode: 'storage',
    // A read that fails is not "no session": a keychain locked until the device's first unlock (an app started in the
    // background) or a slow one would then sign the user out, and the refusal path would remove their refresh token.
    // The token this tab last read or wrote stands in; with none, it is a transient failure, retried like a network one.
    // After a failed write that token is the one to send: the write is tried again instead of a read.
    get() {
      const mine = known; // the one written again, whatever a call meanwhile (a logout's removal) makes of `known`
      return (unsaved ? store.set(mine).then(() => mine) : read()).catch((error) => {
        failed('get', error);
        if (known !== null) return known;
        throw asAuthError(error, 'network', 'TokenStorage.get failed');
      });
    },
    async drop() {
      const mine = known;
      unsaved = false; // never write back what the session's end made worthless, over what another tab may store
      // Not atomic (a TokenStorage has no compare-and-set): a token another tab stores between the read and the removal
      // (one storage round trip) is lost. Tabs store one only in the lane, when a refresh or a login is answered. A tab
      // that knows none removes none: an empty read says nothing of a login storing one a moment later (seed 20261141).
      // Nor does a failed read: the token it leaves is one the server ended, and its next reader's refusal clears it.
      if (mine !== null && (await read().catch(() => null)) === mine) await store.set(null);
      return mine;
    },
    adopt: () => void (unsaved = false),
    async set(next) {
      known = next;
      try {
        await bounded(next === null ? storage.remove(key) : storage.set(key, next));
        unsaved = false;
      } catch (error) {
        unsaved = true;
        failed(next === null ? 'remove' : 'set', error);
      }
    },
  };
  return store;
}
