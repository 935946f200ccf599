import type { AuthError } from './errors';
import type { AuthBackend, JsonBackendOptions } from './backend';

/**
 * Where the refresh token lives when it is not an HttpOnly cookie, e.g. an
 * adapter over expo-secure-store or react-native-keychain. Each call may take
 * up to the client's `timeout`. A `get` that throws or times out (a keychain
 * locked until the first unlock) is never taken for "no session": the client
 * uses the token it last read or wrote, or retries as after a network failure.
 *
 * @example
 * const storage: TokenStorage = {
 *   get: (k) => SecureStore.getItemAsync(k),
 *   set: (k, v) => SecureStore.setItemAsync(k, v),
 *   remove: (k) => SecureStore.deleteItemAsync(k),
 * };
 */
export interface TokenStorage {
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
  remove(key: string): Promise<void> | void;
}

/** `initializing` until `restore()`, `login()` or `logout()` settles it. */
export type AuthStatus = 'initializing' | 'authenticated' | 'unauthenticated';

/** One immutable snapshot; a new object on every change, the same object otherwise. */
export interface AuthState {
  status: AuthStatus;
  /** Decoded JWT claims, NOT verified: for display only, servers must verify. `null` for opaque tokens. */
  user: Record<string, unknown> | null;
  /** Local epoch ms at which the access token expires (measured on this device's clock), or null. */
  expiresAt: number | null;
  /** Why the last transition to `unauthenticated` happened. */
  error: AuthError | null;
}

/** The wire-level token response (RFC 6749 §5.1 names). */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  [extra: string]: unknown;
}

/** What caused a refresh; reported on `refresh` and `refresh_failed` events. */
export type RefreshTrigger = 'restore' | 'timer' | 'due' | '401' | 'manual' | 'wake' | 'retry';

/** A typed event for logging and devtools; never carries a token. */
export type AuthEvent =
  | { type: 'login'; user: Record<string, unknown> | null; fromTab: boolean }
  | { type: 'refresh'; trigger: RefreshTrigger | 'tab'; expiresAt: number | null }
  | { type: 'refresh_failed'; trigger: RefreshTrigger; error: AuthError; retryAt: number | null }
  | { type: 'replay'; method: string; url: string }
  | { type: 'logout'; reason: 'user' | 'session_expired' | 'tab' };

/** `fetch` init plus keycard's per-request switch. */
export interface AuthRequestInit extends RequestInit {
  /** `false` sends this request without a token and skips 401 refresh/replay. Default `true`. */
  auth?: boolean;
}

/**
 * Options for {@link createAuthClient}. Only `baseUrl` is required.
 *
 * @example
 * createAuthClient({ baseUrl: 'https://auth.example.com', apiOrigins: ['https://api.example.com'] })
 */
export interface AuthClientOptions {
  /** Where the auth endpoints live. */
  baseUrl: string;
  /** Paths (or absolute URLs) resolved against `baseUrl`. Defaults `/auth/login`, `/auth/refresh`, `/auth/logout`. */
  endpoints?: { login?: string; refresh?: string; logout?: string };
  /** Where the refresh token lives. Default `'cookie'` (HttpOnly, set by the server, never seen by JS). */
  refreshToken?: 'cookie' | 'memory' | TokenStorage;
  /** Seconds before local expiry to refresh; never earlier than half the lifetime. Default 60. */
  refreshLeadTime?: number;
  /** Origins that receive the token. Default: `baseUrl`'s origin and, in a browser, the page's own. */
  apiOrigins?: Array<string | RegExp> | ((url: URL) => boolean);
  /** Default `globalThis.fetch`, looked up at call time. */
  fetch?: typeof fetch;
  /**
   * Cross-tab channel name; `false` disables. Default: in a browser, a name derived from the session (the refresh
   * endpoint's URL, and the refresh-token mode), so clients of different auth servers never share tokens, nor
   * clients whose refresh tokens live in different places; outside browsers, off.
   */
  channel?: string | false;
  /**
   * Seconds an auth endpoint request (login, refresh, logout) may take before it counts as a network failure; each
   * `TokenStorage` call gets as long, then counts as failed. Default 10.
   */
  timeout?: number;
  /** Key under which a `TokenStorage` keeps the refresh token. Default `'keycard.refresh_token'`. */
  storageKey?: string;
  /**
   * Replaces the JSON wire format, e.g. for a server with its own field names or an OAuth 2.0 preset. A function
   * gets what the default backend would (`baseUrl`, `endpoints`, the refresh-token mode, `fetch`, `timeout`), so
   * the backend it returns honours them; an object is used as it is (`endpoints` is then unused).
   *
   * @example
   * backend: (o) => createJsonBackend({ ...o, fields: { accessToken: 'access', refreshToken: 'refresh' } })
   */
  backend?: AuthBackend | ((options: JsonBackendOptions) => AuthBackend);
}

/**
 * The client returned by {@link createAuthClient}.
 */
export interface AuthClient {
  /** The current state; the same object until the state changes. */
  getState(): AuthState;
  /**
   * Called synchronously after every state change, never with an equal state, in the order of the changes: a change
   * a listener makes (a logout on sign-in) is heard once every listener has heard the one it reacted to, so each
   * listener's latest state is the current one. Returns the unsubscribe.
   */
  subscribe(listener: (state: AuthState) => void): () => void;
  /** Startup: a silent refresh from the cookie or the stored refresh token. */
  restore(): Promise<AuthState>;
  /** POSTs the credentials to the login endpoint. Rejects with `invalid_credentials` or `network`. */
  login(credentials: Record<string, unknown>): Promise<AuthState>;
  /** Ends the session locally at once (always), then tells the server (failures ignored). */
  logout(): Promise<void>;
  /**
   * Forces a refresh now, joining one already in flight. Rejects with `network`/`invalid_response` on a transient
   * failure. Without a refresh token (memory or `TokenStorage` mode, a server that issues none) there is nothing to
   * send: it resolves with the state as it is, the token serving until it expires.
   */
  refresh(): Promise<AuthState>;
  /** A token valid now (refreshing first if due), or null when signed out. */
  getAccessToken(): Promise<string | null>;
  /** `fetch` with the token attached for allowed origins, and one refresh + replay on a 401. */
  fetch(input: RequestInfo | URL, init?: AuthRequestInit): Promise<Response>;
  /** Runs a due (or failed, waiting) refresh at once: call it when a React Native app returns to the foreground. */
  resume(): void;
  /** Listens to the typed event stream (login, refresh, refresh_failed, replay, logout). Returns the unsubscribe. */
  onEvent(listener: (event: AuthEvent) => void): () => void;
  /**
   * Stops timers and listeners, closes the cross-tab channel, aborts auth requests in flight and forgets the tokens:
   * afterwards `fetch` attaches none, `getAccessToken()` resolves null and the state is `unauthenticated` (listeners,
   * already removed, are not told). A refresh token in a `TokenStorage` stays for the next start.
   */
  dispose(): void;
}
