import type { RefreshTrigger } from './types';
import { asAuthError, type AuthError } from './errors';
import { createTimer, pause, refreshGap, retryDelay } from './scheduler';

/** How a refresh ended: new tokens (or nothing to do), the session over (`error` null: there was none), or a transient failure. */
export type Outcome =
  | { ok: true }
  | { ok: false; ended: true; error: AuthError | null }
  | { ok: false; ended: false; error: AuthError };

/** One attempt's outcome, plus `retryAfter` (ms; schedule a retry) or `later` (nothing asked: look again in ms). */
export type Attempt = Outcome & { retryAfter?: number; later?: number };

export const OK: Outcome = { ok: true };

/**
 * The one flight: every caller (timer, 401s, getAccessToken, refresh()) joins the refresh in flight. It owns the
 * one timer that aims at the next refresh or retry, the backoff (steps never shorten; `Retry-After` may lengthen
 * one, never shorten it) and the rate limits: requests wait out a backoff, and refreshes that timers or requests
 * start go out one a second sustained (scheduler.ts `refreshGap`), so no server answer (sub-second lifetimes,
 * `Retry-After: 0`, an API that rejects every fresh token) makes a loop.
 *
 * `attempt(trigger, joined, gap)` runs one refresh, once `gap` (the rest of the second, if any) is over, and calls
 * `sent()` as its request goes out; `joined()` says whether a caller other than a timer waits on it. It reads what
 * the refresh is about at once: a logout during the gap voids it.
 */
export function createFlight(
  attempt: (trigger: RefreshTrigger, joined: () => boolean, gap?: Promise<void>) => Promise<Attempt>,
  onFailed: (error: AuthError, trigger: RefreshTrigger, retryAt: number) => void,
  signal: AbortSignal,
) {
  let flight: Promise<Outcome> | null = null;
  let failures = 0;
  let lastStep = 0; // the last backoff step: the next may not be shorter (see retryDelay)
  let lastAt = -Infinity; // when the last refresh request went out (device clock)
  let prevAt = -Infinity; // and the one before it
  let wokeAt = -Infinity; // when the last one a wake started went out
  let sending: RefreshTrigger = 'timer'; // what started the refresh in flight
  let endGap: (() => void) | undefined; // ends a wait for that gap at once (on dispose: no timer outlives the client)
  let retrying = false;
  // The last transient failure until its retry is due: requests don't hammer a failing server meanwhile.
  let backingOff: { error: AuthError; from: number; until: number } | null = null;
  let trigger: RefreshTrigger = 'timer';
  let joined = false;
  const timer = createTimer(() => void run(trigger));

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
    // A request (due, or a 401) waits out the backoff; refresh(), resume() and restore() go at once.
    const request = why === 'due' || why === '401';
    // (A clock set back ends the wait rather than stretching it.)
    if (request && backingOff && Date.now() >= backingOff.from && Date.now() < backingOff.until)
      return Promise.resolve({ ok: false, ended: false, error: backingOff.error });
    joined = why !== 'timer' && why !== 'wake';
    timer.clear();
    // One refresh request a second, sustained: those that timers or requests start (a 401 from an API that rejects
    // every fresh token, a due token with a sub-second lifetime) go as a bucket of two refilled at one a second (the
    // second of two at once, a third within the second waits out the rest of it, callers joining it meanwhile). A wake
    // (online, visible, resume()) goes at once, but a second after the last one a wake started at the soonest: a
    // network that flaps while the server fails makes no more. What the app asks for (refresh(), restore()) goes at
    // once; retries are spaced by their backoff (at least a second).
    const gap =
      why === 'manual' || why === 'restore' ? 0 : why === 'wake' ? refreshGap(wokeAt) : refreshGap(lastAt, prevAt);
    sending = why;
    const run = attempt(why, () => joined, gap > 0 ? pause(gap, (stop) => (endGap = stop)) : undefined)
      .then((result): Outcome => {
        if (result.later !== undefined) aim(Date.now() + result.later);
        if (result.retryAfter === undefined || result.ok || result.ended) return result;
        const { delay, step } = retryDelay(failures++, lastStep, result.retryAfter);
        lastStep = step;
        const retryAt = Date.now() + delay;
        backingOff = { error: result.error, from: Date.now(), until: retryAt };
        retrying = !signal.aborted;
        aim(retryAt, 'retry');
        onFailed(result.error, why, retryAt);
        return result;
      })
      .catch(
        (error: unknown): Outcome => ({
          ok: false,
          ended: false,
          error: asAuthError(error, 'network', 'refresh failed'),
        }),
      )
      .finally(() => {
        flight = null;
      });
    return (flight = run);
  }

  return {
    run,
    running: () => flight,
    /** A refresh request goes out now: the next one keeps the gap after it. */
    sent(): void {
      prevAt = lastAt;
      lastAt = Date.now();
      if (sending === 'wake') wokeAt = lastAt;
    },
    /** New tokens arrived (here or from another tab): forget failures, aim at `at`. */
    reset(at: number | null, fromTab: boolean): void {
      if (!fromTab || !flight) failures = lastStep = 0;
      retrying = false;
      backingOff = null;
      aim(at);
    },
    /** The app is back (foreground, online, visible): run a waiting retry, or a refresh that is due, at once. */
    wake(due: boolean): void {
      if (!flight && (retrying || due || (timer.pending() ?? Infinity) <= Date.now())) void run('wake');
    },
    stop(): void {
      if (signal.aborted) endGap?.();
      timer.clear();
      retrying = false;
      backingOff = null;
      failures = lastStep = 0;
    },
  };
}
