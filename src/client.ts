import type { AuthClient, AuthClientOptions, AuthEvent, AuthState, RefreshTrigger } from './types';
import { AuthError } from './errors';
import { createEmitter } from './emitter';
import { createStore } from './store';
import { expiresAt, refreshAt, type Tokens } from './tokens';
import { createTimer } from './scheduler';
import { createJsonBackend, readTokens } from './backend';
import { createRefreshTokenStore } from './storage';
import { createOriginPolicy, resolveUrl } from './origins';
import { createTabs, type TabMessage } from './tabs';
import { createAuthFetch } from './fetch';
import { createRefresher, type Outcome } from './refresh';
import { inBrowser, onWake } from './env';

const INITIAL: AuthState = Object.freeze({ status: 'initializing', user: null, expiresAt: null, error: null });

/**
 * Creates the auth client: it logs in, keeps the access token in memory,
 * refreshes it before it expires, replays 401s through one shared refresh and
 * keeps tabs in step. This file only wires the modules together.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
 * await auth.restore();
 * const res = await auth.fetch('https://auth.example.com/api/me');
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  if (!options || typeof options.baseUrl !== 'string') throw new TypeError('keycard: createAuthClient needs options.baseUrl');
  const leadMs = Math.max(0, options.refreshLeadTime ?? 60) * 1000;
  const timeoutMs = Math.max(0.001, options.timeout ?? 10) * 1000;
  const getFetch = () => options.fetch ?? globalThis.fetch;
  const allowed = createOriginPolicy(options.apiOrigins, options.baseUrl);
  const refreshTokens = createRefreshTokenStore(options.refreshToken, options.storageKey);
  const backend = options.backend ?? createJsonBackend({
    baseUrl: options.baseUrl,
    endpoints: options.endpoints,
    cookie: refreshTokens.mode === 'cookie',
    fetch: getFetch,
    timeoutMs,
  });

  const store = createStore(INITIAL);
  const events = createEmitter<AuthEvent>();
  const lifetime = new AbortController(); // aborts in-flight auth requests on dispose
  let tokens: Tokens | null = null;
  // Bumped on login and logout: a refresh that started before either must not resurrect or replace that session.
  let epoch = 0;
  let disposed = false;

  const publish = (status: AuthState['status'], error: AuthError | null = null) =>
    store.set({ status, user: tokens?.claims ?? null, expiresAt: tokens ? expiresAt(tokens) : null, error });

  const tabs = createTabs(options.channel, timeoutMs + 5000, onTabMessage);

  const refresher = createRefresher({
    backend,
    refreshTokens,
    tabs,
    signal: lifetime.signal,
    current: () => tokens,
    epoch: () => epoch,
    onTokens: (next, trigger) => adopt(next, trigger === 'restore' && store.get().status !== 'authenticated' ? 'restore' : trigger),
    onEnded: (error) => endSession(error, true),
    onFailed: (error, trigger, retryAt) => {
      // A restore that can't reach the server settles the app as signed out; the retry may still sign it in.
      if (store.get().status === 'initializing') publish('unauthenticated', error);
      events.emit({ type: 'refresh_failed', trigger, error, retryAt });
    },
    dueAt: () => (tokens ? refreshAt(tokens, leadMs) : null),
    jitter: () => (tokens?.lifetime ? tabs.jitter(tokens.lifetime) : 0),
    isDisposed: () => disposed,
  });

  function adopt(next: Tokens, trigger: RefreshTrigger | 'login' | 'tab'): void {
    const wasAuthenticated = store.get().status === 'authenticated';
    tokens = next;
    refresher.reset(trigger === 'tab');
    publish('authenticated');
    if (trigger === 'login' || (trigger === 'tab' && !wasAuthenticated)) {
      events.emit({ type: 'login', user: next.claims, fromTab: trigger === 'tab' });
    } else {
      events.emit({ type: 'refresh', trigger, expiresAt: expiresAt(next) });
    }
    if (trigger !== 'tab') {
      tabs.post({
        type: 'tokens',
        login: trigger === 'login',
        tokens: { ...next, refreshToken: refreshTokens.mode === 'memory' ? next.refreshToken : undefined },
      });
    }
  }

  function endSession(error: AuthError | null, tellTabs: boolean): void {
    const hadSession = tokens !== null || store.get().status === 'authenticated';
    epoch++;
    tokens = null;
    refresher.stop();
    publish('unauthenticated', error);
    if (hadSession) events.emit({ type: 'logout', reason: tellTabs ? (error ? 'session_expired' : 'user') : 'tab' });
    if (tellTabs && hadSession) tabs.post({ type: 'logout', expired: error !== null });
  }

  function onTabMessage(message: TabMessage): void {
    if (disposed) return;
    if (message.type === 'sync') {
      // A new tab in memory mode has no refresh token of its own: hand it ours.
      const held = tokens;
      if (held && refreshTokens.mode === 'memory') {
        void refreshTokens.get().then((refreshToken) => tabs.post({ type: 'tokens', login: false, tokens: { ...held, refreshToken: refreshToken ?? undefined } }));
      }
      return;
    }
    if (message.type === 'logout') {
      if (tokens === null && store.get().status !== 'authenticated') return;
      void refreshTokens.set(null).catch(() => {});
      endSession(message.expired ? new AuthError('session_expired', 'the session ended in another tab') : null, false);
      return;
    }
    const shared = message.tokens;
    if (!shared || typeof shared.accessToken !== 'string' || typeof shared.receivedAt !== 'number') return;
    if (tokens && shared.receivedAt <= tokens.receivedAt) return;
    if (shared.refreshToken && refreshTokens.mode === 'memory') void refreshTokens.set(shared.refreshToken);
    adopt({ ...shared, refreshToken: undefined }, 'tab');
  }

  /** The token to send now, or undefined when the caller must wait (a refresh is due or running). */
  function tokenNow(): string | null | undefined {
    if (refresher.running()) return undefined;
    if (!tokens) return null;
    const due = refreshAt(tokens, leadMs);
    return due === null || Date.now() < due ? tokens.accessToken : undefined;
  }

  async function waitForToken(): Promise<string | null> {
    const running = refresher.running();
    if (running) await running;
    else if (tokens) await refresher.refresh('due');
    return tokens?.accessToken ?? null;
  }

  async function tokenAfter401(used: string): Promise<string | null> {
    // Another request's refresh may already have replaced the token this one was sent with.
    if (tokens && tokens.accessToken !== used) return tokens.accessToken;
    const outcome = await refresher.refresh('401');
    return outcome.ok ? (tokens?.accessToken ?? null) : null;
  }

  const authFetch = createAuthFetch({
    fetch: getFetch,
    allowed,
    tokenNow,
    waitForToken,
    tokenAfter401,
    onReplay: (method, url) => events.emit({ type: 'replay', method, url }),
    absolute: (input) => (inBrowser() || /^[a-z][a-z\d+.-]*:/i.test(input) ? input : (resolveUrl(input, options.baseUrl)?.href ?? input)),
  });

  const stopWake = onWake(() => client.resume());

  const stateOrThrow = (outcome: Outcome): AuthState => {
    if (!outcome.ok && !outcome.ended) throw outcome.error;
    return store.get();
  };

  const client: AuthClient = {
    getState: store.get,
    subscribe: store.subscribe,
    onEvent: events.on,

    async restore() {
      if (store.get().status === 'authenticated' && tokenNow() !== undefined) return store.get();
      if (refreshTokens.mode === 'memory' && tokens === null) tabs.post({ type: 'sync' });
      await refresher.refresh('restore');
      return store.get();
    },

    async login(credentials) {
      if (typeof credentials !== 'object' || credentials === null) {
        throw new AuthError('invalid_credentials', 'login() needs a credentials object');
      }
      const mine = ++epoch;
      const settleFailure = (error: AuthError): never => {
        if (mine === epoch && store.get().status === 'initializing') publish('unauthenticated');
        throw error;
      };
      let next: Tokens;
      try {
        const reply = await backend.login(credentials, lifetime.signal);
        if (reply.status < 200 || reply.status >= 300) {
          const transient = reply.status >= 500 || reply.status === 429 || reply.status === 408;
          throw new AuthError(transient ? 'network' : 'invalid_credentials', `${reply.where} answered ${reply.status}`, { status: reply.status });
        }
        next = await (backend.tokens ? backend.tokens(reply) : readTokens(reply));
      } catch (error) {
        return settleFailure(error instanceof AuthError ? error : new AuthError('invalid_response', 'login failed', { cause: error }));
      }
      if (mine !== epoch) throw new AuthError('unauthenticated', 'login was superseded by a later login or logout');
      if (refreshTokens.mode !== 'cookie') await refreshTokens.set(next.refreshToken ?? null);
      adopt(next, 'login');
      return store.get();
    },

    async logout() {
      const held = refreshTokens.get();
      endSession(null, true);
      if (disposed) return;
      const refreshToken = (await held) ?? undefined;
      await refreshTokens.set(null);
      // Logout always completes locally; the server call is best effort.
      await backend.logout(refreshToken, lifetime.signal).catch(() => {});
    },

    async refresh() {
      return stateOrThrow(await refresher.refresh('manual'));
    },

    async getAccessToken() {
      const now = tokenNow();
      if (now !== undefined) return now;
      const running = refresher.running();
      const outcome = running ? await running : await refresher.refresh('due');
      if (!outcome.ok && !outcome.ended && tokens && expiresAt(tokens) !== null && Date.now() >= (expiresAt(tokens) as number)) {
        throw outcome.error;
      }
      return tokens?.accessToken ?? null;
    },

    fetch: authFetch,

    resume() {
      if (!disposed) refresher.wake();
    },

    dispose() {
      if (disposed) return;
      disposed = true;
      refresher.stop();
      stopWake();
      tabs.close();
      lifetime.abort();
      store.clear();
      events.clear();
    },
  };
  return client;
}
