import type { AuthClient, AuthClientOptions, AuthEvent, AuthState, RefreshTrigger } from './types';
import { AuthError, asAuthError } from './errors';
import { createEmitter } from './emitter';
import { createStore } from './store';
import { expiresAt, refreshAt, type Tokens } from './tokens';
import { createJsonBackend, readTokens, type JsonBackendOptions } from './backend';
import { answered, verdict } from './reply';
import { createRefreshTokenStore } from './storage';
import { absolute, createOriginPolicy } from './origins';
import { createTabs, type TabMessage } from './tabs';
import { createAuthFetch } from './fetch';
import { createRefresher, type Outcome } from './refresh';
import { onWake, tick } from './env';
import { channelFor } from './channel';

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
  const backendOptions: JsonBackendOptions = { baseUrl: options.baseUrl, endpoints: options.endpoints, cookie: refreshTokens.mode === 'cookie', fetch: getFetch, timeoutMs };
  const backend = typeof options.backend === 'function' ? options.backend(backendOptions) : (options.backend ?? createJsonBackend(backendOptions));
  if (typeof backend?.login !== 'function' || typeof backend.refresh !== 'function' || typeof backend.logout !== 'function') {
    throw new TypeError('keycard: options.backend must be an AuthBackend (login, refresh, logout) or a function returning one');
  }

  const store = createStore(INITIAL);
  const events = createEmitter<AuthEvent>();
  const lifetime = new AbortController(); // aborts in-flight auth requests on dispose
  let tokens: Tokens | null = null;
  // Bumped when a login succeeds and on a user's logout: a refresh that started before
  // either must not resurrect or replace that session. The server ending a session does not bump it: a login
  // already in flight starts a new one.
  let epoch = 0;
  let loggedOutAt = -Infinity; // when the user last logged out (here, or in the tab that told us), on the tick() clock
  // When what this tab knows (its tokens, or that its session ended) was decided, on the tick() clock: taken
  // inside the tab lock, so logins and refreshes of all tabs are ordered by it. Tab messages carry theirs, and
  // one older than ours is stale news (BroadcastChannel delivery can trail the lock hand-off).
  let stamp = -Infinity;
  let loginAt = -Infinity; // when the login() that began this tab's session was called (a logout after it ends it)
  let userOut = false; // the user logged out (here or in another tab), and no login since
  // The logout request in flight: a login waits for it, or its late `Set-Cookie: …; Max-Age=0` would wipe the new session's cookie.
  let loggingOut: Promise<unknown> = Promise.resolve();
  let disposed = false;

  const publish = (status: AuthState['status'], error: AuthError | null = null) =>
    store.set({ status, user: tokens?.claims ?? null, expiresAt: tokens ? expiresAt(tokens) : null, error });

  // Named after the session (the refresh endpoint), so clients of different backends never adopt each other's tokens.
  const tabs = createTabs(channelFor(options.channel, backend.session ?? options.baseUrl), timeoutMs + 5000, onTabMessage);

  const refresher = createRefresher({
    backend,
    refreshTokens,
    tabs,
    signal: lifetime.signal,
    current: () => tokens,
    epoch: () => epoch,
    sessionStart: () => loginAt,
    onTokens: (next, trigger, startedAt) => adopt(next, trigger, startedAt),
    onEnded: (error, startedAt) => endSession(error, true, false, startedAt),
    onFailed: (error, trigger, retryAt) => {
      // A restore that can't reach the server settles the app as signed out; the retry may still sign it in.
      if (store.get().status === 'initializing') publish('unauthenticated', error);
      events.emit({ type: 'refresh_failed', trigger, error, retryAt });
    },
    dueAt: () => (tokens ? refreshAt(tokens, leadMs) : null),
    jitter: () => (tokens?.lifetime ? tabs.jitter(tokens.lifetime) : 0),
    isDisposed: () => disposed,
  });

  /**
   * `at`: when `next` was decided (see `stamp`). `calledAt`: set when `next` began a session, when its
   * login() was called (here or in the tab that sent it).
   */
  function adopt(next: Tokens, trigger: RefreshTrigger | 'login' | 'tab', at: number, calledAt?: number): void {
    // A login or refresh answered after dispose() (a backend that ignored the abort): the client forgot its tokens.
    if (disposed) return;
    const wasAuthenticated = store.get().status === 'authenticated';
    tokens = next;
    stamp = at;
    if (calledAt !== undefined) loginAt = calledAt;
    if (calledAt !== undefined || trigger !== 'tab') userOut = false;
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
        at,
        calledAt: trigger === 'login' ? calledAt : undefined,
        tokens: { ...next, refreshToken: refreshTokens.mode === 'memory' ? next.refreshToken : undefined },
      });
    }
  }

  function endSession(error: AuthError | null, tellTabs: boolean, byUser: boolean, at = tick()): void {
    const hadSession = tokens !== null || store.get().status === 'authenticated';
    if (byUser) {
      epoch++;
      loggedOutAt = Math.max(loggedOutAt, at);
      userOut = true;
    }
    if (byUser || error !== null) stamp = Math.max(stamp, at);
    tokens = null;
    refresher.stop();
    publish('unauthenticated', error);
    // A user's logout is news even without a session here: whatever the app cached for the last user must go.
    if (hadSession || byUser) events.emit({ type: 'logout', reason: tellTabs ? (error ? 'session_expired' : 'user') : 'tab' });
    // News even from a tab that had no session yet: the tabs share one credential (a restore's refusal, a logout).
    if (tellTabs && (hadSession || byUser || error !== null)) tabs.post({ type: 'logout', expired: error !== null, at });
  }

  function onTabMessage(message: TabMessage): void {
    if (disposed) return;
    if (message.type === 'sync') return answerSync();
    const at = typeof message.at === 'number' ? message.at : tick();
    if (message.type === 'logout' && !message.expired) {
      // The user's logout beats refreshes, even one that began after it in a tab that hadn't heard yet; only a
      // login called after it survives it (its request queued behind the logout's under the lock). It also voids
      // what this tab has in flight (a restore, a login), session or not.
      if (at < loginAt) return;
      // Tokens this tab got after that logout (a login or refresh queued behind its server call) are news to
      // the server too: end them there as well, or a reload's restore() would sign the user back in. In memory
      // mode the tab that logged out may not have held the refresh token yet (a new tab whose hand-over was still
      // on its way): tell the server with ours as well; a second logout of one token is harmless.
      const unheard = tokens !== null && (stamp > at || refreshTokens.mode === 'memory');
      const held = refreshTokens.get();
      void refreshTokens.set(null).catch(() => {});
      endSession(null, false, true, at);
      if (unheard) void tellServerLogout(held.then((token) => token ?? undefined));
      return;
    }
    // Older news than ours: e.g. a refusal from before a login here, or tokens from before our own refresh.
    if (at < stamp) return;
    if (message.type === 'logout') {
      // Nothing to end here, but remember it: a login message older than this refusal is stale.
      if (tokens === null && store.get().status !== 'authenticated') return void (stamp = at);
      // Equal stamps can't be ordered (a coarse clock): ask the server rather than end a session that may be new.
      if (at === stamp) return void refresher.refresh('wake');
      void refreshTokens.set(null).catch(() => {});
      return endSession(new AuthError('session_expired', 'the session ended in another tab'), false, false, at);
    }
    const shared = message.tokens;
    if (!shared || typeof shared.accessToken !== 'string' || typeof shared.receivedAt !== 'number') return;
    // After the user's logout only a login called since signs this tab in again, not another tab's refresh.
    if (userOut && !message.login) return;
    if (message.login && (message.calledAt ?? at) <= loggedOutAt) return;
    if (shared.refreshToken && refreshTokens.mode === 'memory') void refreshTokens.set(shared.refreshToken);
    adopt({ ...shared, refreshToken: undefined }, 'tab', at, message.login ? (message.calledAt ?? at) : undefined);
  }

  /**
   * A new tab in memory mode has no refresh token of its own: hand it ours. Not while a refresh or login is under
   * way (it would get a refresh token about to be rotated away), but once it has settled; and the tokens, their
   * stamp and the refresh token read must be one session's.
   */
  function answerSync(): void {
    if (disposed || refreshTokens.mode !== 'memory') return;
    const busy = refresher.busy();
    if (busy) return void busy.then(answerSync);
    const held = tokens;
    const at = stamp;
    if (held) {
      void refreshTokens.get().then((refreshToken) => {
        if (tokens === held) tabs.post({ type: 'tokens', login: false, at, tokens: { ...held, refreshToken: refreshToken ?? undefined } });
      });
    }
  }

  /**
   * Best effort, sent at once, and the tab lock is asked for at once and held until the answer is in: a login
   * (in any tab) queues behind it, so this answer's `Set-Cookie: …; Max-Age=0` can't land after the new
   * session's cookie and wipe it.
   */
  function tellServerLogout(refreshToken: Promise<string | undefined>): Promise<void> {
    const told = refreshToken.then((token) => backend.logout(token, lifetime.signal)).then(() => {}, () => {});
    void tabs.withLock(() => told);
    loggingOut = Promise.all([loggingOut, told]);
    return told;
  }

  /** The token to send now, or undefined when the caller must wait (a refresh is due or running). */
  function tokenNow(): string | null | undefined {
    if (refresher.running()) return undefined;
    if (!tokens) return null;
    const due = refreshAt(tokens, leadMs);
    return due === null || Date.now() < due ? tokens.accessToken : undefined;
  }

  // Callers join a refresh in flight through `refresher.refresh`, never by awaiting `running()`: joining is what
  // tells it someone waits, so a timer's refresh queued behind another tab is not put off.
  async function waitForToken(): Promise<string | null> {
    if (tokens || refresher.running()) await refresher.refresh('due');
    return tokens?.accessToken ?? null;
  }

  async function tokenAfter401(used: string, mayRefresh: boolean): Promise<string | null> {
    // Another request's refresh may already have replaced the token this one was sent with (unless that one is
    // due by now too: a slow response can outlive it, e.g. across a device sleep).
    const now = tokenNow();
    if (now && now !== used) return now;
    // A request that already waited for a refresh before it was sent starts no second one (API.md: a request never
    // triggers more than one refresh): it joins one in flight, else is replayed once as it is while that token is
    // still good (it is new; an API that hasn't caught up with it yet, e.g. a new signing key, may take it now).
    if (!mayRefresh && !refresher.running()) return now === used ? used : null;
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
    absolute: (input) => absolute(input, options.baseUrl),
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
      // Logins run one at a time (see `exclusive`), so a later one simply follows this one; only a logout
      // after this call supersedes it. Starting a login does not touch `epoch`: a refresh already in flight
      // may still end the old session if this login fails.
      const calledAt = tick();
      const superseded = () => loggedOutAt >= calledAt;
      const settleFailure = (error: AuthError): never => {
        if (!superseded() && store.get().status === 'initializing') publish('unauthenticated');
        throw error;
      };
      await loggingOut;
      return refresher.exclusive(async () => {
        let next: Tokens;
        try {
          // Superseded while it queued: ask nothing (its Set-Cookie would land after a newer session's).
          if (superseded()) throw new AuthError('unauthenticated', 'login was superseded by a logout');
          const reply = await backend.login(credentials, lifetime.signal);
          const said = verdict('login', reply.status);
          if (said !== 'ok') throw new AuthError(said === 'transient' ? 'network' : 'invalid_credentials', answered(reply), { status: reply.status });
          next = await (backend.tokens ? backend.tokens(reply) : readTokens(reply));
        } catch (error) {
          return settleFailure(asAuthError(error, 'invalid_response', 'login failed'));
        }
        if (superseded()) {
          // The user logged out while this login was in flight: end the session the server just made (in cookie
          // mode its Set-Cookie has landed by now), or a reload's restore() would sign them back in.
          if (!disposed) await tellServerLogout(Promise.resolve(refreshTokens.mode === 'cookie' ? undefined : next.refreshToken));
          throw new AuthError('unauthenticated', 'login was superseded by a logout');
        }
        // A refresh that started before this login answers for the old session: make it stale.
        epoch++;
        if (refreshTokens.mode !== 'cookie') await refreshTokens.set(next.refreshToken ?? null);
        adopt(next, 'login', tick(), calledAt);
        return store.get();
      });
    },

    async logout() {
      const held = refreshTokens.get();
      endSession(null, true, true);
      if (disposed) return;
      // Logout always completes locally; the server call is best effort.
      await tellServerLogout(held.then(async (token) => (await refreshTokens.set(null), token ?? undefined)));
    },

    async refresh() {
      return stateOrThrow(await refresher.refresh('manual'));
    },

    async getAccessToken() {
      const now = tokenNow();
      if (now !== undefined) return now;
      const outcome = await refresher.refresh('due');
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
      // Forget the tokens: nothing attaches or returns them any more, and the state says so. Listeners are cleared
      // first and not told: dispose() is teardown (an unmount), not news, and a listener may be gone with it.
      store.clear();
      events.clear();
      tokens = null;
      if (refreshTokens.mode === 'memory') void refreshTokens.set(null);
      publish('unauthenticated');
    },
  };
  return client;
}
