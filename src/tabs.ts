import { inBrowser } from './env';
import { pause } from './scheduler';

/**
 * What one tab tells the others. Tokens travel only between same-origin tabs of one browser. `at` stamps when
 * the news was decided (the client's `tick()` clock, taken under the refresh lock); receivers drop older news.
 */
export type TabMessage =
  | { type: 'tokens'; tokens: SharedTokens; login: boolean; at?: number; calledAt?: number }
  | { type: 'logout'; expired: boolean; at?: number }
  | { type: 'sync'; at?: undefined };

/** Where Web Locks are missing: a tab holding the refresh "lock" says so (see `withLock`); never reaches the client. */
type Busy = { type: 'busy'; on: boolean };

export interface SharedTokens {
  accessToken: string;
  /** Only in memory mode, where each tab would otherwise hold a rotated-away copy. */
  refreshToken?: string;
  claims: Record<string, unknown> | null;
  receivedAt: number;
  lifetime: number | null;
}

interface Locks {
  request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T> | T): Promise<T>;
}

const BUSY = {};

const locks = (): Locks | undefined =>
  (typeof navigator !== 'undefined' ? (navigator as { locks?: Locks }).locks : undefined) ?? undefined;

/**
 * Cross-tab coordination: a BroadcastChannel for tokens and logout, and a Web
 * Lock so one tab refreshes at a time. Both are feature-detected; without
 * them (React Native, Node, old browsers) the client simply works alone.
 *
 * The default channel opens only in a browser: in Node a BroadcastChannel
 * spans a server's worker threads, and sharing one user's token with another
 * request's client would be a leak. An explicit name opens it anywhere.
 */
export function createTabs(name: string | false | undefined, lockTimeoutMs: number, onMessage: (message: TabMessage) => void) {
  const channelName = name === undefined ? (inBrowser() ? 'keycard' : false) : name;
  let channel: BroadcastChannel | null = null;
  try {
    if (channelName !== false && typeof BroadcastChannel === 'function') channel = new BroadcastChannel(channelName);
  } catch {
    // A sandboxed or opaque-origin document may refuse one: work alone, as where it's missing.
  }
  // Without Web Locks: until when another tab said it holds the refresh "lock", and who waits for it.
  let busyUntil = 0;
  const freed = new Set<() => void>();
  const free = () => {
    freed.forEach((stop) => stop());
    freed.clear();
  };
  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const data = event.data as TabMessage | Busy | null;
      if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
      if (data.type !== 'busy') return onMessage(data);
      busyUntil = data.on ? Date.now() + lockTimeoutMs : 0;
      if (!data.on) free();
    };
    // Node keeps the process alive while a channel is open; a tab-less process shouldn't wait on it.
    (channel as { unref?: () => void }).unref?.();
  }
  const lockName = `keycard:${channelName || 'local'}:refresh`;
  const waiting = new Set<AbortController>(); // lock requests not granted yet: close() gives up on them

  const post = (message: TabMessage | Busy): void => {
    try {
      channel?.postMessage(message);
    } catch {
      // A closed channel (after dispose) has nothing left to tell.
    }
  };

  return {
    post: post as (message: TabMessage) => void,

    /**
     * Runs `task` holding the tab-wide refresh lock; `waited` says another tab held it first. If the lock isn't
     * granted in time (a frozen or crashed tab holding it), runs anyway: a duplicate refresh is recoverable, a
     * deadlock is not (supabase-js shipped one).
     */
    async withLock<T>(task: (waited: boolean) => Promise<T>): Promise<T> {
      const lockManager = channel ? locks() : undefined;
      if (!lockManager) {
        if (!channel) return task(false);
        // No Web Locks (old browsers, jsdom): tabs say over the channel when they hold the "lock", and wait while
        // another does (until it says it's done, or for the lock timeout). Two tabs starting in the same instant
        // can both go; one that starts while another works waits, and then finds its news.
        let waited = false;
        while (busyUntil > Date.now()) {
          waited = true;
          await pause(busyUntil - Date.now(), (stop) => freed.add(stop));
        }
        post({ type: 'busy', on: true });
        try {
          return await task(waited);
        } finally {
          post({ type: 'busy', on: false });
        }
      }
      const free = await lockManager.request(lockName, { ifAvailable: true }, (lock) => (lock ? task(false) : BUSY));
      if (free !== BUSY) return free as T;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), lockTimeoutMs);
      waiting.add(controller);
      let started = false;
      try {
        return await lockManager.request(lockName, { signal: controller.signal }, () => {
          started = true;
          waiting.delete(controller);
          clearTimeout(timer);
          return task(true);
        });
      } catch (error) {
        if (!started && controller.signal.aborted) return task(true);
        throw error;
      } finally {
        waiting.delete(controller);
        clearTimeout(timer);
      }
    },

    /** Spread tabs' timers apart where no lock serialises them; with locks the late tab just finds fresh tokens. */
    jitter(lifetimeMs: number): number {
      return channel && !locks() ? Math.random() * Math.min(5000, lifetimeMs * 0.05) : 0;
    },

    close(): void {
      waiting.forEach((c) => c.abort()); // the task then runs at once and finds the client disposed
      busyUntil = 0;
      free();
      channel?.close();
    },
  };
}
