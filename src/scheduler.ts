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
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
    target = null;
  };
  const arm = (delay: number) => {
    const armedAt = Date.now();
    const slice = Math.min(delay, MAX_DELAY);
    handle = setTimeout(() => {
      handle = undefined;
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
    get pending(): number | null {
      return target;
    },
  };
}

/**
 * Resolves after `ms`, or sooner once the `stop` handed to `onStop` is called (by news the caller waits for); the
 * timer is cleared either way, and a late `stop` does nothing.
 */
export const pause = (ms: number, onStop: (stop: () => void) => void): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => stop(), ms);
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    onStop(stop);
  });

/** Exponential backoff with full jitter between half and all of the step, capped. */
export const backoff = (attempt: number, baseMs = 1000, capMs = 60_000): number =>
  Math.min(capMs, baseMs * 2 ** Math.min(attempt, 16)) * (0.5 + Math.random() * 0.5);

/** Retry-After as ms (delta-seconds or an HTTP date), or undefined. Capped at an hour. */
export function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  const ms = Number.isFinite(s) ? s * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 3_600_000) : undefined;
}

/** Refreshes the client starts by itself are at least this far apart, whatever the server says (API.md Expiry). */
export const MIN_REFRESH_MS = 1000;

/** The wait before a retry after `failures` earlier ones: the backoff step, which Retry-After may lengthen, never shorten. */
export const retryDelay = (failures: number, retryAfterMs?: number): number => Math.max(backoff(failures), retryAfterMs ?? 0);
