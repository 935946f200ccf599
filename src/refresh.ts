import type { RefreshTrigger } from './types';
import { AuthError, asAuthError } from './errors';
import { expiresAt, type Tokens } from './tokens';
import { createTimer, pause, refreshGap, retryAfter, retryDelay } from './scheduler';
import { readTokens, type AuthBackend } from './backend';
import { answered, verdict } from './reply';
import { tick } from './env';
import type { RefreshTokenStore } from './storage';
import type { createTabs } from './tabs';

/** How a refresh ended: new tokens, the session over (`error` null: there was none), or a transient failure. */
export type Outcome =
  | { ok: true }
  | { ok: false; ended: true; error: AuthError | null }
  | { ok: false; ended: false; error: AuthError };

export interface RefresherDeps {
  backend: AuthBackend;
  refreshTokens: RefreshTokenStore;
  tabs: Pick<ReturnType<typeof createTabs>, 'withLock'>;
  signal: AbortSignal;
  current: () => Tokens | null;
  epoch: () => number;
  /** When the login() that began the current session was called (here or in another tab). */
  sessionStart: () => number;
  /** `startedAt`: when this refresh began, on the `tick()` clock. */
  onTokens: (tokens: Tokens, trigger: RefreshTrigger, startedAt: number) => void;
  onEnded: (error: AuthError | null, startedAt: number) => void;
  onFailed: (error: AuthError, trigger: RefreshTrigger, retryAt: number) => void;
  /** Local epoch ms of the next proactive refresh, or null (no expiry known). */
  dueAt: () => number | null;
  jitter: () => number;
  isDisposed: () => boolean;
}

const OK: Outcome = { ok: true };
// How long a tab that queued behind another's refresh waits for that tab's news before refreshing itself.
const SETTLE_MS = 1000;
// How long a tab granted the lock after another tab held it waits, holding it, for that tab's broadcast.
const NEWS_MS = 100;
const DISPOSED: Outcome = { ok: false, ended: false, error: new AuthError('network', 'the auth client was disposed') };

type Attempt = { tokens: Tokens } | { ok: false; ended: true; error: AuthError | null } | { ok: false; ended: false; error: AuthError; retryAfter?: number };

/**
 * The single-flight refresh: every caller (timer, 401s, getAccessToken,
 * refresh()) joins the one in flight. It classifies the answer (400/401 end
 * the session; network errors, timeouts, 5xx, 429 and bad bodies are
 * transient), retries transient failures with backoff and jitter honouring
 * Retry-After, and owns the one timer that aims at the next refresh.
 */
export function createRefresher(deps: RefresherDeps) {
  let flight: Promise<Outcome> | null = null;
  let failures = 0;
  // The last backoff step: the next may not be shorter (see retryDelay).
  let lastStep = 0;
  // When the last refresh request went out (local epoch ms): the next waits out MIN_REFRESH_GAP_MS after it.
  let lastRequestAt = -Infinity;
  // Ends a refresh's wait for that gap at once (on dispose: no timer may outlive the client).
  let endGap: (() => void) | null = null;
  let retrying = false;
  // The last transient failure until its retry is due: requests don't hammer a failing server meanwhile.
  let backingOff: { error: AuthError; from: number; until: number } | null = null;
  let nextTrigger: RefreshTrigger = 'timer';
  // Someone other than a timer joined the refresh in flight: it must not be put off.
  let waiters = false;
  // Settles when no login holds refreshes back (see `exclusive`).
  let gate: Promise<unknown> = Promise.resolve();
  let logins = 0;
  const timer = createTimer(() => void refresh(nextTrigger));
  // Ends the wait for another tab's news (tokens, a logout), if one is on.
  let heard: (() => void) | null = null;

  function schedule(): void {
    retrying = false;
    backingOff = null;
    const at = deps.dueAt();
    if (at === null || deps.isDisposed()) return timer.clear();
    nextTrigger = 'timer';
    timer.at(at - deps.jitter());
  }

  async function attempt(): Promise<Attempt> {
    let refreshToken: string | undefined;
    if (deps.refreshTokens.mode !== 'cookie') {
      const held = await deps.refreshTokens.get();
      if (!held) return { ok: false, ended: true, error: null };
      refreshToken = held;
    }
    let reply;
    lastRequestAt = Date.now();
    try {
      reply = await deps.backend.refresh(refreshToken, deps.signal);
    } catch (error) {
      return { ok: false, ended: false, error: asAuthError(error, 'network', 'refresh failed') };
    }
    const said = verdict('refresh', reply.status);
    if (said === 'none') return { ok: false, ended: true, error: null };
    if (said === 'refused') return { ok: false, ended: true, error: new AuthError('session_expired', answered(reply), { status: reply.status }) };
    if (said === 'transient') {
      const error = new AuthError('network', answered(reply), { status: reply.status });
      return { ok: false, ended: false, error, retryAfter: retryAfter(reply.retryAfter) };
    }
    try {
      return { tokens: await (deps.backend.tokens ? deps.backend.tokens(reply) : readTokens(reply)) };
    } catch (error) {
      return { ok: false, ended: false, error: asAuthError(error, 'invalid_response', `${reply.where}: unusable token response`) };
    }
  }

  /** One refresh, holding the tab lock. */
  function locked(trigger: RefreshTrigger, startTokens: Tokens | null, startEpoch: number): Promise<Outcome> {
    return deps.tabs.withLock(async (waited): Promise<Outcome> => {
      // Another tab (or a login) delivered tokens while this one queued for the lock: nothing left to do,
      // unless those are due too (a new tab's sync can hand over a token that expired while the device slept).
      const delivered = () => deps.current() !== startTokens && deps.current() !== null && !((deps.dueAt() ?? Infinity) <= Date.now());
      // A browser may grant the lock before it delivers the holder's broadcast (Chromium can; a polyfill granting
      // in a microtask always does). Give that news a moment before spending the refresh token again: in memory
      // mode a rotated-away one, which the server takes as reuse, ending the session in every tab.
      if (waited && !delivered() && !deps.isDisposed()) await pause(NEWS_MS, (stop) => (heard = stop));
      if (deps.isDisposed()) return DISPOSED;
      if (delivered()) return OK;
      // The user logged out while this one queued: ask nothing (a refresh now would renew what they left).
      if (deps.epoch() !== startEpoch && deps.current() === null) return { ok: false, ended: true, error: null };
      // Another tab held the lock, most likely refreshing these same tokens, and a browser may grant the lock
      // before delivering that tab's broadcast. Nobody waits on a timer's refresh, and the token is still good:
      // look again shortly rather than spend the refresh token twice. The broadcast, when it lands, re-aims the timer.
      const expires = startTokens && expiresAt(startTokens);
      if (waited && !waiters && expires && deps.current() === startTokens && (trigger === 'timer' || trigger === 'wake') && expires - Date.now() > 100) {
        nextTrigger = 'timer';
        timer.at(Date.now() + Math.min(SETTLE_MS, (expires - Date.now()) / 4));
        return OK;
      }
      // Taken inside the lock, so it orders this refresh against other tabs' logins and refreshes.
      const startedAt = tick();
      const session = deps.sessionStart();
      const result = await attempt();
      // Disposed meanwhile (a custom backend that ignores the abort): the client has forgotten its tokens.
      if (deps.isDisposed()) return DISPOSED;
      // A login or logout happened meanwhile: this answer belongs to a session that no longer exists.
      if (deps.epoch() !== startEpoch) return 'tokens' in result ? OK : result;
      if ('tokens' in result) {
        // Store the rotated refresh token before the lock is released, so the next tab reads it.
        if (deps.refreshTokens.mode !== 'cookie' && result.tokens.refreshToken) await deps.refreshTokens.set(result.tokens.refreshToken);
        deps.onTokens(result.tokens, trigger, startedAt);
        return OK;
      }
      if (result.ended) {
        // Nothing was asked (no refresh token held) and a session arrived meanwhile (a tab's sync reply): keep it.
        if (result.error === null && deps.current() !== startTokens) return result;
        // Refused, but another tab's login began a new session meanwhile (memory mode: this tab still held the old
        // session's refresh token): the refusal is about the old one.
        if (deps.sessionStart() !== session && deps.current() !== null) return OK;
        await deps.refreshTokens.set(null);
        deps.onEnded(result.error, startedAt);
      } else {
        const { delay, step } = retryDelay(failures, lastStep, result.retryAfter);
        lastStep = step;
        failures++;
        const retryAt = Date.now() + delay;
        backingOff = { error: result.error, from: Date.now(), until: retryAt };
        if (!deps.isDisposed()) {
          retrying = true;
          nextTrigger = 'retry';
          timer.at(retryAt);
        }
        deps.onFailed(result.error, trigger, retryAt);
      }
      return result;
    });
  }

  function refresh(trigger: RefreshTrigger): Promise<Outcome> {
    if (flight) {
      if (trigger !== 'timer' && trigger !== 'wake') waiters = true;
      return flight;
    }
    waiters = false;
    // A request (due, or a 401) waits out the backoff and Retry-After like the timer does; refresh(), resume() and
    // restore() still go at once. A clock set back ends the wait rather than stretching it.
    const now = Date.now();
    if (backingOff && (trigger === 'due' || trigger === '401') && now >= backingOff.from && now < backingOff.until) {
      return Promise.resolve({ ok: false, ended: false, error: backingOff.error });
    }
    if (deps.isDisposed()) return Promise.resolve(DISPOSED);
    timer.clear();
    const callTokens = deps.current();
    const callEpoch = deps.epoch();
    // At most one refresh request a second, whatever the server says: one that timers or requests start (a 401 from
    // an API that rejects every fresh token, a due token with a sub-second lifetime) waits out the gap after the last
    // request, and callers join it meanwhile. What the app or platform asks for (refresh(), restore(), a wake) goes
    // at once. Retries are spaced by their backoff (at least the gap).
    const gap = trigger === '401' || trigger === 'due' || trigger === 'timer' ? refreshGap(lastRequestAt) : 0;
    // After a login it waited for (see `exclusive`), that login's tokens are where it starts from; a logout
    // meanwhile still voids it.
    const run = (gap > 0 ? pause(gap, (stop) => (endGap = stop)).then(() => gate) : gate)
      .then(() => {
        const now = deps.current();
        return now !== null && now !== callTokens ? locked(trigger, now, deps.epoch()) : locked(trigger, callTokens, callEpoch);
      })
      .catch((error: unknown): Outcome => ({ ok: false, ended: false, error: asAuthError(error, 'network', 'refresh failed') }))
      .finally(() => {
        flight = null;
      });
    flight = run;
    return run;
  }

  /**
   * Runs `task` (a login) after any refresh in flight, holding the tab lock, with refreshes held back until it
   * settles: a refresh racing a login would carry the old session's credential, and in cookie mode whichever
   * `Set-Cookie` lands last wins, whatever the app adopted. A refresh that waited finds the login's tokens and
   * makes no request.
   */
  async function exclusive<T>(task: () => Promise<T>): Promise<T> {
    logins++;
    try {
      while (flight) await flight;
      const done = deps.tabs.withLock(task);
      gate = Promise.all([gate, done.catch(() => {})]);
      return await done;
    } finally {
      logins--;
    }
  }

  return {
    refresh,
    exclusive,
    running: () => flight,
    /** Null when no refresh or login is under way, else a promise that settles once those have. */
    busy: () => (flight || logins ? Promise.all([flight, gate]).then(() => {}, () => {}) : null),
    /** New tokens arrived (refresh, login or another tab): forget failures, aim at the next refresh. */
    reset(fromTab: boolean): void {
      if (!fromTab || !flight) failures = lastStep = 0;
      schedule();
      heard?.();
    },
    /** The app is back (foreground, online, visible): run a due refresh or a waiting retry at once. */
    wake(): void {
      if (flight) return;
      const at = timer.pending;
      if (retrying || (at !== null && at <= Date.now() + deps.jitter())) void refresh('wake');
      else if (at === null && deps.current() && (deps.dueAt() ?? Infinity) <= Date.now()) void refresh('wake');
    },
    stop(): void {
      heard?.();
      if (deps.isDisposed()) endGap?.();
      timer.clear();
      retrying = false;
      backingOff = null;
      failures = lastStep = 0;
    },
  };
}
