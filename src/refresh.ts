import type { RefreshTrigger } from './types';
import { asAuthError, type AuthError } from './errors';
import { MIN_REFRESH_MS, createTimer, retryDelay } from './scheduler';

/** How a refresh ended: new tokens (or nothing to do), the session over (`error` null: there was none), or a transient failure. */
export type Outcome =
  | { ok: true }
  | { ok: false; ended: true; error: AuthError | null }
  | { ok: false; ended: false; error: AuthError };

/** One attempt's outcome, plus `asked` (a request went out), `retryAfter` (ms; schedule a retry) or `later` (nothing asked: look again in ms). */
export type Attempt = Outcome & { asked?: boolean; retryAfter?: number; later?: number };

export const OK: Outcome = { ok: true };

/**
 * The one flight: every caller (timer, 401s, getAccessToken, refresh()) joins the refresh in flight. It owns the
 * one timer that aims at the next refresh or retry, the backoff (`Retry-After` may lengthen a step, never shorten
 * it) and the rate limits: requests wait out a backoff, and a 401 within a second of another 401's refresh asks for
 * none (the client keeps a token from falling due sooner than a second after it arrived), so no server answer
 * (sub-second lifetimes, `Retry-After: 0`, an API that rejects every fresh token) makes a loop.
 *
 * `attempt(trigger, joined)` runs one refresh; `joined()` says whether a caller other than a timer waits on it.
 */
export function createFlight(attempt: (trigger: RefreshTrigger, joined: () => boolean) => Promise<Attempt>, onFailed: (error: AuthError, trigger: RefreshTrigger, retryAt: number) => void, signal: AbortSignal) {
  let flight: Promise<Outcome> | null = null;
  let failures = 0;
  let retrying = false;
  // The last transient failure until its retry is due: requests don't hammer a failing server meanwhile.
  let backingOff: { error: AuthError; from: number; until: number } | null = null;
  let last = -Infinity; // when the last refresh a 401 asked for went out (device clock)
  let trigger: RefreshTrigger = 'timer';
  let joined = false;
  const timer = createTimer(() => void run(trigger));
  // A clock set back ends a wait rather than stretching it.
  const within = (from: number, until: number) => Date.now() >= from && Date.now() < until;

  function aim(at: number | null, next: RefreshTrigger = 'timer'): void {
    if (at === null || signal.aborted) return timer.clear();
    trigger = next;
    timer.at(at);
  }

  function run(why: RefreshTrigger): Promise<Outcome> {
    if (flight) {
      if (why !== 'timer' && why !== 'wake') joined = true;
      return flight;
    }
    // A request (due, or a 401) waits out the backoff; refresh(), resume() and restore() go at once. A 401 within
    // a second of another 401's refresh asks for none (an API that rejects every fresh token would loop).
    const request = why === 'due' || why === '401';
    if (request && backingOff && within(backingOff.from, backingOff.until)) return Promise.resolve({ ok: false, ended: false, error: backingOff.error });
    if (why === '401' && within(last, last + MIN_REFRESH_MS)) return Promise.resolve(OK);
    joined = why !== 'timer' && why !== 'wake';
    timer.clear();
    const started = Date.now();
    const run = attempt(why, () => joined)
      .then((result): Outcome => {
        if (result.asked && why === '401') last = started;
        if (result.later !== undefined) aim(Date.now() + result.later);
        if (result.retryAfter === undefined || result.ok || result.ended) return result;
        const retryAt = Date.now() + retryDelay(failures++, result.retryAfter);
        backingOff = { error: result.error, from: Date.now(), until: retryAt };
        retrying = !signal.aborted;
        aim(retryAt, 'retry');
        onFailed(result.error, why, retryAt);
        return result;
      })
      .catch((error: unknown): Outcome => ({ ok: false, ended: false, error: asAuthError(error, 'network', 'refresh failed') }))
      .finally(() => {
        flight = null;
      });
    return (flight = run);
  }

  return {
    run,
    running: () => flight,
    /** New tokens arrived (here or from another tab): forget failures, aim at `at`. */
    reset(at: number | null, fromTab: boolean): void {
      if (!fromTab || !flight) failures = 0;
      retrying = false;
      backingOff = null;
      aim(at);
    },
    /** The app is back (foreground, online, visible): run a waiting retry, or a refresh that is due, at once. */
    wake(due: boolean): void {
      if (!flight && (retrying || due || (timer.pending ?? Infinity) <= Date.now())) void run('wake');
    },
    stop(): void {
      timer.clear();
      retrying = false;
      backingOff = null;
      failures = 0;
    },
  };
}
