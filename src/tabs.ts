import { pause } from './scheduler';
import { stamped, type Clock } from './session';

/**
 * What one tab tells the others (the message vocabulary). Tokens travel only between same-origin tabs of one
 * browser. Every message carries `at`, its sender's logical clock ({@link Clock}): news carries when it was decided.
 */
export type TabMessage =
  /** New tokens of the session named `session` (when its login was decided); `login`: that login's own, called then. */
  | { type: 'tokens'; at: number; tokens: SharedTokens; session: number; login?: number }
  /** The session is over: the user logged out (`expired` false) or the server ended the session `session`. */
  | { type: 'logout'; at: number; expired: boolean; session: number }
  /** A new memory-mode tab asks for the session (it has no refresh token of its own). */
  | { type: 'sync'; at: number }
  /** This tab kept its session through a user's logout stamped before the login that began it (rule T1; see N4). */
  | { type: 'kept'; at: number };

/**
 * The lane's own messages, which never reach the client. `busy`: a tab took the lane (only where Web Locks are
 * missing) or let it go (always; `out`: the task was the server call of the logout stamped so, or said again so while
 * it waited: rule N4). `ping`: a tab just opened (fix 47), or was just granted the lane after waiting, or less than
 * NEWS_MS after another tab let it go (that tab holds the news lock meanwhile), or was shown again (`ask`, memory
 * mode: back from the back-forward cache, made visible, back online); every tab answers with a `pong` naming it
 * (`to`: the ping's stamp) and itself (`by`: its lock `clientId`, once known), and passing on the latest logout whose
 * server call it heard let the lane go (`out`: a tab opened after that logout learns of it so; rule N2).
 */
type Lane =
  | { type: 'busy'; at: number; on: boolean; out?: number }
  | { type: 'ping'; at: number }
  | { type: 'pong'; at: number; to: number; by?: string; out: number };

export interface SharedTokens {
  accessToken: string;
  /** Only in memory mode, where each tab would otherwise hold a rotated-away copy. */
  refreshToken?: string;
  claims: Record<string, unknown> | null;
  receivedAt: number;
  lifetime: number | null;
}

interface Locks {
  request<T>(
    name: string,
    options: { signal?: AbortSignal; ifAvailable?: boolean; mode?: 'shared' },
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>;
  query?(): Promise<{ held: Held[]; pending: Held[] }>;
}
type Held = { name?: string; clientId?: string };

const BUSY = {};
// How long a task granted the lane after other tabs held it waits for their answers (a round trip).
const NEWS_MS = 200;

const locks = (): Locks | undefined => (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;

// Without Web Locks, each lane (by its lock name) as this realm's clients hold it: until when one does, and how many
// times they let it go. Clients of one realm on one channel (a test's tabs, Node's or jsdom's clients) see a hold at
// once, not a message's latency later (two starting in the same instant both went, spending one refresh token twice),
// and one that starts just after another let go first hears that release, and so the news posted before it.
const realm = new Map<string, { until: number; released: number }>();

/**
 * Cross-tab coordination: a BroadcastChannel for news, and the lane: one queue that logins, refreshes and logout's
 * server call all go through, one at a time across the tabs (a Web Lock, or where that is missing the channel's
 * "busy" flag; alone, a local queue). Both are feature-detected; without them (React Native, Node, old browsers)
 * the client simply works alone. `name` false: no channel.
 */
export function createTabs(
  name: string | false,
  lockTimeoutMs: number,
  clock: Clock,
  onMessage: (message: TabMessage) => void,
  injected?: Locks, // a test's lock manager for this tab (the model gives each tab a clientId)
) {
  let channel: BroadcastChannel | null = null;
  try {
    if (name !== false && typeof BroadcastChannel === 'function') channel = new BroadcastChannel(name);
  } catch {
    // A sandboxed or opaque-origin document may refuse one: work alone, as where it's missing.
  }
  // Without Web Locks: until when another tab said it holds the lane. Always: who waits for a release or an answer.
  let busyUntil = 0;
  let cleared = -Infinity; // the latest logout whose server call let the lane go (here, or heard)
  const heardOut = (out: unknown) => {
    // A message claiming a logout at Infinity would supersede every login after it, until a reload. Heard by the clock
    // too (a sender's stamp is never before its news): a logout stamped ahead of it would supersede this tab's logins.
    clock.heard(out);
    if (stamped(out) && out > cleared) cleared = out;
  };
  const freed = new Set<() => void>();
  const free = () => {
    for (const stop of freed) stop();
    freed.clear();
  };
  /** Waits until `done()`, re-checking at each release or answer heard, for at most NEWS_MS. */
  const hear = async (done: () => boolean) => {
    let late = false;
    const timer = setTimeout(() => ((late = true), free()), NEWS_MS);
    while (!late && !done()) await new Promise<void>((resolve) => freed.add(resolve));
    clearTimeout(timer);
  };
  const manager = () => injected ?? locks();
  const ordered = (): boolean => !!channel && !!manager();
  let me: string | undefined; // this tab's clientId in the lock manager, learned the first time it holds the lane
  let pinged = NaN; // the stamp of this tab's latest ping, and who answered it
  const ponged = new Set<string | undefined>();
  const lockName = `keycard:${name || 'local'}:lane`;
  const here = realm.get(lockName) ?? { until: 0, released: 0 };
  realm.set(lockName, here);
  let heard = here.released; // releases of this realm's clients heard here, or made here (not those before it opened)
  let flag = 0; // without Web Locks: until when this tab holds the lane by the flag (0: it doesn't)
  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const data = event.data as TabMessage | Lane | null;
      if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
      clock.heard(data.at);
      if (data.type === 'ping') {
        progress(); // a task was just granted the lane: it moved, even if its last holder closed without a release
        return post({ type: 'pong', at: clock.now(), to: data.at, by: me, out: cleared });
      }
      if (data.type === 'pong') {
        heardOut(data.out);
        if (data.to === pinged) ponged.add(data.by);
        return free();
      }
      if (data.type !== 'busy') return onMessage(data);
      busyUntil = data.on ? Date.now() + lockTimeoutMs : 0;
      if (!data.on) {
        heard++;
        heardOut(data.out);
        free();
        progress();
        // A logout's server call: news of that logout for a tab opened after its message was posted (rule T9 drops
        // it where that message came first). A user's logout is about no one session (T2 reads none): any number.
        if (stamped(data.out)) onMessage({ type: 'logout', at: data.out, expired: false, session: data.at });
      }
    };
    // Node keeps the process alive while a channel is open; a tab-less process shouldn't wait on it.
    (channel as { unref?: () => void }).unref?.();
  }
  const newsName = `${lockName}:news`;
  const marks = new Set<() => void>(); // this tab's holds of the news lock: close() lets them go
  // Lock requests not granted yet, each with what restarts its wait: close() gives up on them, and every release (here
  // or heard) or ping (a task granted the lane, even after a holder that closed without a release) restarts them, so a
  // wait runs out only where the lane stood still (a frozen holder), not behind several tasks that each took their
  // whole timeout (three tabs, a hanging server: fixes 41, 44).
  const waiting = new Map<AbortController, () => void>();
  // This tab's tasks holding the lane now. A wait behind one of them never runs out: it is running, not frozen, and
  // bounded by its timeouts, though a TokenStorage's calls can make it longer than one request (fix 53).
  let holding = 0;
  const progress = () => {
    for (const arm of waiting.values()) arm();
  };
  let tail: Promise<unknown> = Promise.resolve();
  let queued = 0;
  // Settles once the lane here is empty. Not `tail`: with Web Locks tasks may finish out of order (one whose wait for
  // the lock ran out runs beside the holder), and a `busy()` that settled early would loop (model, memory mode).
  let empty: Promise<void> | undefined;
  let emptied = () => {};

  const post = (message: TabMessage | Lane): void => {
    try {
      channel?.postMessage(message);
    } catch {
      // A closed channel (after dispose) has nothing left to tell.
    }
  };

  // A new tab asks the others to answer: their pongs carry their clocks, so its own stamps run after every decision an
  // open tab knows of, news it never heard included (posted before it opened), whatever its own clock says (a wall
  // clock set back since that news: three-tab skewed seed 20261138, history 52,209).
  post({ type: 'ping', at: clock.now() });

  /**
   * Without Web Locks: tabs say over the channel when they hold the lane, and wait while another does; clients of this
   * realm see each other's hold at once, and wait (≤ NEWS_MS) to hear each other's releases ({@link realm}).
   */
  async function flagged<T>(task: (waited: boolean) => Promise<T>): Promise<T> {
    // Two tabs of different realms starting in the same instant can both go; one that starts while another works waits,
    // then finds its news.
    let waited = false;
    for (let until: number; ; waited = true)
      if ((until = Math.max(busyUntil, here.until)) > Date.now())
        await pause(until - Date.now(), (stop) => freed.add(stop));
      else if (heard < here.released) await hear(() => heard >= here.released), (heard = here.released);
      else break;
    here.until = flag = Date.now() + lockTimeoutMs;
    post({ type: 'busy', at: clock.now(), on: true });
    try {
      return await task(waited);
    } finally {
      // A closed channel posted no release (close() said it let go): nobody waits to hear it.
      if (channel) heard = ++here.released;
      letGo();
    }
  }
  /** Gives up this tab's hold on the flag, if it has one (not one another client of the realm took since). */
  function letGo(): void {
    if (here.until === flag) here.until = 0;
    flag = 0;
  }

  return {
    post: post as (message: TabMessage) => void,

    /**
     * The lane: runs `task` after every task queued before it in this tab, holding the tab-wide lock. With Web
     * Locks the browser's queue is the lane (asked for at once, so a logout's call queued here stays ahead of a
     * login another tab asks for next); otherwise a local queue, plus the channel's flag.
     */
    lane<T>(task: (waited: boolean) => Promise<T>, out?: () => number): Promise<T> {
      const lockManager = channel && manager();
      let ahead: Promise<(string | undefined)[] | void> | undefined;
      // Every task lets the lane go with a message. One granted the lane after others held it must see their news
      // first (in memory mode a rotated refresh token) and stamp its own decisions after it, but a browser may grant
      // the lock before it delivers a tab's messages (Chromium can; a polyfill granting in a microtask always does).
      // Counting their releases by stamp took an earlier release, made before this task queued and heard late from a
      // tab whose clock is ahead, for its predecessor's (history 88,226 of the fixed seed: fix 31). So it asks
      // instead: it pings, and waits (≤ NEWS_MS) for an answer from every tab the lock manager said had a task ahead
      // of it (by `clientId`; where it can't say, any one). A tab posts its news and its release before it can answer
      // a ping sent after its release, and a channel delivers one sender's messages in order (rule N1).
      // A tab that let the lane go holds the news lock for NEWS_MS after: a task granted the lane at once, or queued
      // after that release, asks it too (its news may still be on its way: three-tab skewed history 24,973, fix 43).
      // Holding the lock (`held`): learn which lock client this tab is (to name it in pongs), and who just let go.
      const turn = async (waited: boolean, held?: boolean): Promise<T> => {
        holding++;
        try {
          const q = held && channel ? await lockManager?.query?.().catch(() => {}) : undefined;
          me ??= q?.held.find((l) => l.name === lockName)?.clientId;
          const want = [
            ...(waited && held && channel ? ((await ahead) ?? [undefined]) : []),
            ...(q?.held ?? []).filter((l) => me && l.name === newsName && l.clientId !== me).map((l) => l.clientId),
          ];
          if (want.length) {
            ponged.clear();
            post({ type: 'ping', at: (pinged = clock.now()) });
            await hear(() => want.every((id) => ponged.has(id)));
          }
          try {
            return await task(waited);
          } finally {
            const o = out?.(); // read as it lets go: the logout may have been announced again meanwhile (rule N4)
            heardOut(o);
            post({ type: 'busy', at: clock.now(), on: false, out: o });
            progress();
            // Asked before the lane is let go, so the lock manager has it by the time the next task is granted (not
            // once closed: a disposed tab has no news left to hear).
            let end = () => {};
            if (channel)
              lockManager
                ?.request(newsName, { mode: 'shared' }, () => pause(NEWS_MS, (stop) => marks.add((end = stop))))
                .finally(() => marks.delete(end))
                .catch(() => {});
          }
        } finally {
          holding--;
        }
      };
      if (!queued++) empty = new Promise((resolve) => (emptied = resolve));
      // Holds the tab-wide lock; not granted in time (a frozen tab holding it: no release for `lockTimeoutMs`), runs
      // anyway: a duplicate refresh is recoverable, a deadlock is not (supabase-js shipped one).
      const locked = async (lockManager: Locks): Promise<T> => {
        const got = await lockManager.request(lockName, { ifAvailable: true }, (lock) =>
          lock ? turn(false, true) : BUSY,
        );
        if (got !== BUSY) return got as T;
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const arm = () => (
          clearTimeout(timer), (timer = setTimeout(() => (holding ? arm() : controller.abort()), lockTimeoutMs))
        );
        waiting.set(controller, arm);
        arm();
        let started = false;
        try {
          const granted = lockManager.request(lockName, { signal: controller.signal }, () => {
            started = true;
            waiting.delete(controller);
            clearTimeout(timer);
            return turn(true, true);
          });
          // Queued, this request the last the lock manager has: the other clients with a task ahead of it.
          ahead = lockManager.query?.().then(
            (q) => {
              const lane = [...q.held, ...q.pending].filter((l) => l.name === lockName).map((l) => l.clientId);
              const self = me ?? lane.pop();
              return lane.filter((id) => id !== self);
            },
            () => {},
          );
          return await granted;
        } catch (error) {
          if (!started && controller.signal.aborted) return turn(true);
          throw error;
        } finally {
          waiting.delete(controller);
          clearTimeout(timer);
        }
      };
      const run = lockManager ? locked(lockManager) : tail.then(() => (channel ? flagged(turn) : turn(false)));
      const settled = () => void (--queued || emptied());
      tail = run.then(settled, settled);
      return run;
    },

    /**
     * The latest logout whose server call has let the lane go, here or in another tab. Read by a task holding a Web
     * Lock, every such logout was ahead of the task in the lane, so called first, whatever the tabs' clocks say (a
     * release heard while a task holds the lock is of a task before it). Without Web Locks tasks of two tabs may
     * overlap, and nothing can be told: none.
     */
    cleared: (): number => (ordered() ? cleared : -Infinity),

    /**
     * Asks the open tabs to answer, and waits (≤ NEWS_MS) for the first: each answer passes on the latest logout whose
     * server call let the lane go ({@link cleared}), news a page shown again may have missed (WebKit drops a cached
     * page's messages). (A lane task waiting for answers meanwhile takes answers to this later ping as well, which come
     * after the same releases.)
     */
    async ask(): Promise<void> {
      if (!ordered()) return;
      ponged.clear();
      post({ type: 'ping', at: (pinged = clock.now()) });
      await hear(() => ponged.size > 0);
    },

    /** Waits (≤ NEWS_MS) to hear that the server call of the logout stamped `out` let the lane go (rule N2). */
    async hearOut(out: number): Promise<void> {
      if (ordered() && cleared < out) await hear(() => cleared >= out);
    },

    /** Whether the lane is the browser's Web Lock, whose order holds across tabs (rules N2, N3). */
    ordered,

    /** Null when the lane is empty, else a promise that settles once it is (what is in it now has run, and more). */
    busy: (): Promise<unknown> | null => (queued ? (empty as Promise<void>) : null),

    /** Spread tabs' timers apart where no lock serialises them; with locks the late tab just finds fresh tokens. */
    jitter: (lifetimeMs: number): number =>
      channel && !manager() ? Math.random() * Math.min(5000, lifetimeMs * 0.05) : 0,

    close(): void {
      // Holding the flag (no Web Locks): say it is let go, as the task's end can no longer, or the other tabs wait
      // out the lock timeout for a tab that was disposed mid-refresh.
      if (flag) post({ type: 'busy', at: clock.now(), on: false });
      letGo();
      for (const c of waiting.keys()) c.abort(); // the task then runs at once and finds the client disposed
      for (const stop of marks) stop();
      busyUntil = 0;
      free();
      channel?.close();
      channel = null;
    },
  };
}
