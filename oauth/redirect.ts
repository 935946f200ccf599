import type { TokenStorage } from 'keycard';

/** What one redirect needs to remember: kept only from `loginWithRedirect` until the callback. */
export interface PendingLogin {
  state: string;
  codeVerifier: string;
  nonce?: string;
  redirectUri: string;
  appState?: unknown;
}

/** The parameters an authorization response may carry (RFC 6749 §4.1.2, RFC 9207, OIDC Session Management). */
const RESPONSE_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

function sessionStore(): Storage | null {
  try {
    // Reading sessionStorage throws in sandboxed iframes and some privacy modes.
    return typeof sessionStorage !== 'undefined' && typeof sessionStorage.getItem === 'function'
      ? sessionStorage
      : null;
  } catch {
    return null;
  }
}

/**
 * The default `transientStorage`: `sessionStorage` (per tab, gone with it)
 * where there is one, else a Map (Node, React Native: the app stays alive
 * while the browser is open).
 */
export function defaultTransientStorage(): TokenStorage {
  const memory = new Map<string, string>();
  return {
    get: (key) => {
      const session = sessionStore();
      return session ? session.getItem(key) : (memory.get(key) ?? null);
    },
    set: (key, value) => {
      const session = sessionStore();
      if (session) session.setItem(key, value);
      else memory.set(key, value);
    },
    remove: (key) => {
      const session = sessionStore();
      if (session) session.removeItem(key);
      else memory.delete(key);
    },
  };
}

/** One pending login per client at a time: a newer `loginWithRedirect` replaces an abandoned one. */
export function createPendingStore(storage: TokenStorage, key: string) {
  return {
    save: async (pending: PendingLogin): Promise<void> => {
      await storage.set(key, JSON.stringify(pending));
    },
    /** Reads and deletes at once: a pending login answers exactly one callback. */
    async take(): Promise<PendingLogin | null> {
      let raw: string | null = null;
      try {
        raw = await storage.get(key);
      } finally {
        await storage.remove(key);
      }
      if (!raw) return null;
      try {
        const pending = JSON.parse(raw) as PendingLogin;
        return typeof pending?.state === 'string' && typeof pending.codeVerifier === 'string' ? pending : null;
      } catch {
        return null;
      }
    },
  };
}

/** `url` as an absolute URL, or undefined where it is none (a path, garbage, not a string). */
export function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True when `url` is an authorization response: it has `state` and a `code` or an `error`. */
export function isAuthorizationResponse(url: string): boolean {
  const params = parseUrl(url)?.searchParams;
  return !!params && params.has('state') && (params.has('code') || params.has('error'));
}

/**
 * Removes the authorization response from the address bar (history.replaceState),
 * so the code isn't left in history, bookmarks or a Referer. Only when the page
 * is at the redirect being handled; a no-op outside browsers.
 */
export function cleanAddressBar(state: string | null): void {
  if (
    state === null ||
    typeof location === 'undefined' ||
    typeof history === 'undefined' ||
    typeof history.replaceState !== 'function'
  )
    return;
  const current = new URL(location.href);
  if (current.searchParams.get('state') !== state) return;
  for (const name of RESPONSE_PARAMS) current.searchParams.delete(name);
  history.replaceState(history.state, '', current.href);
}

/** `base` with `params` set in its query, skipping undefined values. */
export function withParams(base: string, params: Record<string, string | undefined>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}
