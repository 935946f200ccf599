// setTimeout stores its delay in a signed 32-bit int: anything longer fires at once.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * One re-armable timer aimed at a wall-clock time. Long delays are chained in
 * slices so a 30-day token never fires early. It fires once the time the
 * timers counted has passed, even if the wall clock was set back meanwhile:
 * the server's clock wasn't, so the token expires then all the same.
 */
export function createTimer(onFire: () => void) {
  let handle: ReturnType<typeof setTimeout> | undefined;
  let target: number | null = null;

  const clear = () => {
    clearTimeout(handle); // a no-op for undefined
    target = null;
  };
  const arm = (delay: number) => {
    const armedAt = Date.now();
    const slice = Math.min(delay, MAX_DELAY);
    handle = setTimeout(() => {
      const now = Date.now();
      // What is left by the wall clock (a timer may fire a fraction of a ms early), or, when the wall clock went
      // back while the timers counted, by the timers.
      const left = Math.min((target as number) - now, now - armedAt < slice - 50 ? delay - slice : Infinity);
      if (left > 0) return arm(left);
      target = null;
      onFire();
    }, slice);
    // Node/Bun timers would otherwise keep a process (a test run, an SSR worker) alive.
    (handle as { unref?: () => void }).unref?.();
  };
  return {
    /** Fire at local epoch ms `at`, replacing any earlier aim. */
    at(at: number): void {
      clear();
      target = at;
      arm(Math.max(0, at - Date.now()));
    },
    clear,
    /** The time it is aimed at, or null. */
    pending: (): number | null => target,
  };
}

/**
 * Resolves after `ms`, or sooner once the `stop` handed to `onStop` is called (by news the caller waits for); the
 * timer is cleared either way, and a late `stop` does nothing.
 */
export const pause = (ms: number, onStop: (stop: () => void) => void): Promise<void> =>
  new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(stop, ms);
    onStop(stop);
  });

/**
 * Settles with `promise` unless `signal` aborts first (then rejects with its reason); the promise itself (a shared
 * refresh, a fetch that ignores the abort) runs on, and its late rejection is handled.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort);
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A second: what one refresh request takes from a client's bucket of two ({@link refreshGap}), whatever the trigger
 * and whatever the server says (a sub-second lifetime, `Retry-After: 0`, an API that rejects every fresh token), so
 * refreshes stay at or below one per second sustained; and how long a token that just arrived is never due.
 */
export const MIN_REFRESH_GAP_MS = 1000;

/**
 * How long a refresh about to start must wait so that refresh requests stay at one a second sustained: a bucket of two
 * refilled at one a second. The second of two goes at once (a 401 just after a restore's or a timer's refresh: a test
 * under fake timers would otherwise wait on a second nobody advances), a third within the second waits out the rest of
 * it, and any k + 1 requests span at least k - 1 seconds. `lastAt` and `prevAt`: the last two requests (local epoch
 * ms; -Infinity for none). Without `prevAt`, a plain second after `lastAt`. Never more than a second: a clock set back
 * doesn't stretch it.
 */
export const refreshGap = (lastAt: number, prevAt = Infinity): number =>
  Math.min(
    MIN_REFRESH_GAP_MS,
    Math.max(0, Math.min(lastAt + MIN_REFRESH_GAP_MS, prevAt + 2 * MIN_REFRESH_GAP_MS) - Date.now()),
  );

/**
 * Exponential backoff with full jitter between half and all of the step, capped: the step doubles from 2 s, so
 * even the first retry waits at least {@link MIN_REFRESH_GAP_MS}.
 */
export const backoff = (attempt: number): number =>
  Math.min(60_000, 2000 * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() * 0.5);

/**
 * The wait before retry number `attempt` (0 for the first): the jittered backoff, never shorter than the previous
 * step (`previousMs`: jitter at the cap can't shorten it), and lengthened, never shortened, by the server's
 * `Retry-After` (`retryAfterMs`, from {@link retryAfter}): a `Retry-After` of 0, in the past, negative or fractional
 * can't turn the backoff into a loop. Returns the wait and the step to pass as `previousMs` next time.
 */
export function retryDelay(
  attempt: number,
  previousMs: number,
  retryAfterMs: number | undefined,
): { delay: number; step: number } {
  const step = Math.max(backoff(attempt), previousMs);
  return { delay: Math.max(step, retryAfterMs ?? 0), step };
}

/** Retry-After as ms (delta-seconds or an HTTP date; 0 for one in the past), or undefined. Capped at an hour. */
export function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  const ms = Number.isFinite(s) ? s * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : undefined;
}
