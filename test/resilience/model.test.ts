// Model-based test: fast-check drives the real client (one to three tabs on one
// channel) through random histories against the simulated server in sim.ts and
// checks the invariants of test/RESILIENCE.md after every step.
//
// Variants (VARIANTS below), RUNS histories each. Replay a failure: the assertion message carries `seed` and
// `path`; run
//   KEYCARD_VARIANT='<variant>' KEYCARD_SEED=<seed> KEYCARD_PATH=<path> KEYCARD_REPLAY=<replayPath> npx vitest run test/resilience/model.test.ts
// More histories: KEYCARD_RUNS=100000 KEYCARD_VARIANT='<variant>' (same command).
// CI runs a fixed seed, so a race rarer than 1 in 3,000 histories can't fail an unrelated submission at random
// (issue 13); searching is done by hand with KEYCARD_SEED=random, which draws a new seed each run.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { AuthError, createAuthClient, type AuthClient, type AuthState } from 'keycard';
import { ALLOWED, BASE, DENIED, FAULTS, PASSWORD, World, type Fault } from './sim';

const RUNS = Number(process.env.KEYCARD_RUNS ?? 3000);
const FIXED_SEED = 20261128;
const SEED =
  process.env.KEYCARD_SEED === 'random'
    ? // Drawn here rather than by fast-check, so a search that passes still says which seed it ran.
      Math.floor(Math.random() * 2 ** 32) - 2 ** 31
    : process.env.KEYCARD_SEED === undefined
      ? FIXED_SEED
      : Number(process.env.KEYCARD_SEED);
const PATH = process.env.KEYCARD_PATH;
/** fc.commands' own replay key, printed in the counterexample as replayPath="…". */
const REPLAY = process.env.KEYCARD_REPLAY;
/**
 * The longest any call may stay pending: a lock wait behind each other tab's refresh (≤ 10 s each: a release restarts
 * the wait, fix 41) + its own (≤ 10 s) + latency. 25 s with two tabs, 35 s with three.
 */
const boundFor = (tabs: number) => 5_000 + tabs * 10_000;
/**
 * What a login or a request may wait beyond that. A login first waits for a refresh already running in its tab
 * (itself bounded so), then for the lock, where another tab's retry may have queued meanwhile (≤ 10 s), then for
 * its own request (≤ 10 s). Found by seed 303: a new tab's restore queued behind another tab's hanging refresh, and
 * a login called meanwhile took 40 s to fail. Likewise a request may wait for one refresh before it is sent and join
 * another after its 401, which can queue behind another tab's (seed 93: 30 s against a hanging server).
 */
const LONGER_MS = 25_000;
const HOUR = 3_600_000;
/**
 * The refresh faults histories draw from. KEYCARD_FAULTS (comma-separated) narrows them, to search past a known
 * failure (it changes every history, so a seed found with it replays only with it).
 */
const FAULT_SET: Fault[] = process.env.KEYCARD_FAULTS
  ? process.env.KEYCARD_FAULTS.split(',').map((f) => {
      if (!FAULTS.includes(f as Fault))
        throw new Error(`KEYCARD_FAULTS: no fault '${f}' (there are: ${FAULTS.join(', ')})`);
      return f as Fault;
    })
  : FAULTS;

type Kind = 'fetch' | 'token' | 'login' | 'logout' | 'restore' | 'refresh';
interface Tab {
  id: number;
  client: AuthClient;
  everAuthenticated: boolean;
  /** After a transient failure, until its retry: no request-triggered refresh may go out (device clock). */
  backoff: { from: number; until: number } | null;
  /** The page's window and document, as onWake (src/env.ts) listens on them ('shown again' variant only). */
  page?: { window: EventTarget; document: EventTarget };
}
interface Call {
  name: string;
  kind: Kind;
  tab: Tab;
  started: number;
  settled: boolean;
  error?: unknown;
  abortedAt?: number;
  /** login(): the `call` field of its credentials. */
  id?: string;
}

/** What the histories exercised, printed after the run (a model that never reaches a corner proves nothing there). */
const stats = {
  histories: 0,
  commands: 0,
  refreshes: 0,
  failures: 0,
  apiWithToken: 0,
  api401: 0,
  replays: 0,
  expiredSends: 0,
  stateChecks: 0,
  logoutLost: 0,
  loginLost: 0,
  /** Histories that ever opened a second tab. */
  twoTabs: 0,
  /** Histories that had three tabs open at once (the three-tab variants). */
  threeTabs: 0,
};

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on('unhandledRejection', onUnhandled));
afterAll(() => void process.off('unhandledRejection', onUnhandled));

interface Config {
  seed: number;
  mode: 'cookie' | 'memory' | 'storage';
  delivery: 'latent' | 'ordered';
  clocks: 'shared' | 'skewed';
  lifetime: number;
  lead: number;
  signedIn: boolean;
  /** How many tabs are open when the history begins (the three-tab variants; otherwise one). */
  startTabs?: number;
}

class Real {
  readonly world: World;
  /** One slot per tab the variant can have open at once (a closed tab's slot is null). */
  readonly tabs: Array<Tab | null>;
  readonly calls: Call[] = [];
  ids = 0;
  /** The most tabs that were open at once. */
  mostOpen = 0;

  constructor(
    readonly config: Config,
    slots = 2,
    /** What a call may wait beyond the bound (storage calls that hang until the client's timeout). */
    readonly slack = 0,
    /** Each tab gets a page to be shown again on (the 'shown again' variant). */
    readonly pages = false,
  ) {
    this.tabs = Array<Tab | null>(slots).fill(null);
    this.world = new World(config);
    // Invariant: requests wait out the backoff / Retry-After; only refresh(), resume() and restore() skip it.
    this.world.onSend = (sent) => {
      if (sent.kind !== 'refresh') return;
      const tab = this.tabs.find((t) => t?.id === sent.client);
      const b = tab?.backoff;
      if (b && Date.now() >= b.from && Date.now() < b.until)
        this.world.violate(`tab ${sent.client} refreshed ${b.until - Date.now()} ms before its retry was due`);
    };
    vi.useFakeTimers({
      now: Date.UTC(2026, 0, 1, 12),
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
    vi.stubGlobal('BroadcastChannel', this.world.broadcastChannel());
    vi.stubGlobal('navigator', { locks: this.world.locks });
    vi.spyOn(Math, 'random').mockImplementation(this.world.rand);
    this.open(0);
  }

  /**
   * The device clock went past a tab's retry time, or was set back before the failure: that backoff is over (the
   * client ends a wait when the clock leaves it, rather than stretch it: refresh.ts `within`). A refresh a request
   * asks for now may still go out once the clock is back in the old window: after a jump back (seed 707: it waited
   * for a login meanwhile), or after a sleep from before the window into it (memory, ordered delivery, seed
   * 79674158: asked at 13:00 after a jump back from 17:00, it waited out the 1 s gap while the device slept to 17:00).
   */
  passedRetries(): void {
    for (const tab of this.tabs)
      if (tab?.backoff && (Date.now() >= tab.backoff.until || Date.now() < tab.backoff.from)) tab.backoff = null;
  }

  open(slot: number): Tab {
    const id = this.ids++;
    this.world.opening = id;
    // A page's window and document while the client is made, so it listens for the page being shown again; gone
    // after, so the client reads everything else as in Node (src/env.ts reads them at call time).
    const page = this.pages
      ? { window: new EventTarget(), document: Object.assign(new EventTarget(), { visibilityState: 'visible' }) }
      : undefined;
    const globals = globalThis as { window?: unknown; document?: unknown };
    Object.assign(globals, page);
    let client: AuthClient;
    try {
      client = createAuthClient({
        baseUrl: BASE,
        apiOrigins: ALLOWED,
        refreshToken: this.config.mode === 'storage' ? this.world.tokenStorage : this.config.mode,
        refreshLeadTime: this.config.lead,
        fetch: this.world.fetchFor(id),
        channel: 'model',
        // Not public API: a test's way to give each tab its own ordering clock (src/session.ts createClock) and its
        // own clientId in the shared lock manager (src/tabs.ts).
        ...{ clock: this.world.clockFor(id), locks: this.world.locks.as(id) },
      });
    } finally {
      delete globals.window;
      delete globals.document;
    }
    this.world.opening = undefined;
    this.world.note(`tab ${id} opens in slot ${slot}`);
    const tab: Tab = { id, client, everAuthenticated: false, backoff: null, page };
    client.subscribe((s) => void (s.status === 'authenticated' && (tab.everAuthenticated = true)));
    client.onEvent((e) => {
      tab.backoff = e.type === 'refresh_failed' && e.retryAt !== null ? { from: Date.now(), until: e.retryAt } : null;
      if (e.type === 'refresh_failed') this.world.failing.add(id);
      else if (e.type !== 'replay') this.world.failing.delete(id); // new tokens, or signed out
      if (e.type === 'refresh_failed') stats.failures++;
    });
    this.tabs[slot] = tab;
    this.mostOpen = Math.max(this.mostOpen, this.tabs.filter(Boolean).length);
    return tab;
  }

  /** A page loads in `slot`: a new tab that restores the session. */
  load(slot: number): Tab {
    const tab = this.open(slot);
    this.track('restore', tab, tab.client.restore(), `restore(tab${tab.id}, page load)`);
    return tab;
  }

  async signIn(): Promise<void> {
    const tab = this.tabs[0] as Tab;
    this.world.note('> login (setup)');
    this.track(
      'login',
      tab,
      tab.client.login({ username: 'alice', password: PASSWORD, call: 'setup' }),
      'login(setup)',
    );
    await this.world.advance(50);
    await this.settle();
  }

  close(slot: number): void {
    const tab = this.tabs[slot];
    if (tab) this.world.disposed.add(tab.id);
    if (tab) this.world.note(`tab ${tab.id} closes`);
    // A logout still telling the server is cut off: the server may never hear of it.
    if (this.calls.some((c) => c.tab === tab && c.kind === 'logout' && !c.settled)) this.world.logoutLost = true;
    const answered = (c: Call) => c.kind === 'login' && !c.settled && this.world.answeredLogins.has(c.id as string);
    if (this.world.mode === 'storage' && this.calls.some((c) => c.tab === tab && answered(c)))
      this.world.loginLost = true;
    this.tabs[slot]?.client.dispose();
    this.tabs[slot] = null;
  }

  /**
   * A logout supersedes the logins called before it and still pending, in any tab (the client's documented
   * choice; logins themselves run one after another).
   */
  supersede(tab: Tab): void {
    for (const call of this.calls) {
      if (call.kind !== 'login' || call.settled || this.world.superseded.has(call.id as string)) continue;
      this.world.superseded.set(call.id as string, call.tab === tab ? 'logout' : 'raced');
    }
  }

  track(kind: Kind, tab: Tab, promise: Promise<unknown>, name: string): Call {
    const call: Call = { name, kind, tab, started: this.world.awake, settled: false };
    this.calls.push(call);
    promise.then(
      (value) => {
        call.settled = true;
        this.world.note(`${name} resolved${typeof value === 'string' ? ` ${value.slice(-12)}` : ''}`);
        if (kind === 'token' && typeof value === 'string') this.checkFresh(value, `getAccessToken() in tab ${tab.id}`);
      },
      (error: unknown) => {
        call.settled = true;
        this.world.note(`${name} rejected: ${(error as Error)?.name} ${(error as { code?: string })?.code ?? ''}`);
        call.error = error;
      },
    );
    return call;
  }

  /** Invariant 2 for getAccessToken: it never hands out a token this client knows to be expired. */
  checkFresh(token: string, who: string): void {
    const issued = this.world.issued.get(token);
    if (issued?.deliveredAt != null && Date.now() >= issued.deliveredAt + issued.lifetimeMs)
      this.world.violate(`${who} returned a token it knew to be expired`);
  }

  async settle(): Promise<void> {
    await this.world.advance(0);
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.check();
  }

  quiescent(): boolean {
    const { world } = this;
    return (
      world.messagesInFlight === 0 &&
      world.locks.held.size === 0 &&
      world.sent.every((s) => s.done || s.kind === 'api') &&
      this.calls.every((c) => c.settled || c.kind === 'fetch')
    );
  }

  check(): void {
    const { world } = this;
    const fail = (message: string) =>
      expect.fail(`${message}\nviolations: ${world.violations.join('; ')}${history(world)}`);
    if (world.violations.length > 0) fail('invariant violated');
    if (unhandled.length > 0) fail(`unhandled rejection: ${String(unhandled[0])}`);
    const bound = boundFor(this.tabs.length) + this.slack;
    for (const call of this.calls) {
      if (
        !call.settled &&
        world.awake - call.started > bound + (call.kind === 'login' || call.kind === 'fetch' ? LONGER_MS : 0)
      )
        fail(`${call.name} still pending after ${world.awake - call.started} ms`);
      if (!call.settled && call.abortedAt !== undefined) fail(`${call.name} ignored its abort`);
      if (call.error === undefined) continue;
      const e = call.error as { name?: string; code?: string };
      const ok =
        call.kind === 'fetch'
          ? (call.abortedAt !== undefined && e.name === 'AbortError') || e instanceof TypeError
          : call.kind === 'login'
            ? e instanceof AuthError &&
              ['invalid_credentials', 'network', 'invalid_response', 'unauthenticated'].includes(e.code as string)
            : (call.kind === 'token' || call.kind === 'refresh') &&
              e instanceof AuthError &&
              ['network', 'invalid_response'].includes(e.code as string);
      if (!ok) fail(`${call.name} rejected with ${e.name}: ${String((e as Error).message)} (code ${e.code})`);
    }
    // Invariant 4: a request goes out at most twice (first try + one replay), with the same body each time.
    const byCall = new Map<string, typeof world.sent>();
    for (const s of world.sent) if (s.call) byCall.set(s.call, [...(byCall.get(s.call) ?? []), s]);
    for (const [call, sends] of byCall) if (sends.length > 2) fail(`${call} was sent ${sends.length} times`);
    if (this.quiescent()) {
      stats.stateChecks++;
      this.checkStates();
    }
  }

  /** Invariant 5: unauthenticated exactly when the server ended the session or the user logged out. */
  checkStates(): void {
    // A logout that never reached the server leaves it honouring the session: a restore may rightly sign a tab
    // back in while others stay out (RESILIENCE.md, known limits). Nothing to check about states from then on.
    if (this.world.lost()) return;
    const zombies = this.world.zombies();
    if (zombies.length > 0)
      expect.fail(
        `the user logged out, but the server still honours session(s) ${zombies.join(', ')}${history(this.world)}`,
      );
    this.loseOrphans();
    if (this.world.loginLost) return;
    const decision = this.world.decision();
    for (const tab of this.tabs.filter((t): t is Tab => t !== null)) {
      const state: AuthState = tab.client.getState();
      const transientRestore =
        state.status === 'unauthenticated' &&
        !tab.everAuthenticated &&
        ['network', 'invalid_response'].includes(state.error?.code as string);
      const ok =
        decision?.kind === 'grant'
          ? state.status === 'authenticated' || transientRestore
          : state.status !== 'authenticated';
      if (!ok) {
        expect.fail(
          `tab ${tab.id} is ${state.status} (${state.error?.code ?? 'no error'}) but the last session decision was ${decision?.kind ?? 'none'} (${decision?.why ?? ''})${history(this.world)}`,
        );
      }
    }
  }

  /**
   * Memory mode: once the session the tabs should be in is held by no open tab (every tab handed its refresh token
   * closed, sim.ts `holders`), the browser has lost it, as a reload does (README: "lost on reload unless another tab
   * hands it over"). Only a history that closes the tab that signed in gets here (the three-tab variants).
   * Asked when the world is quiet, so no answer or hand-over is on its way.
   */
  loseOrphans(): void {
    const { world } = this;
    const decision = world.decision();
    if (world.mode !== 'memory' || decision?.kind !== 'grant' || decision.sid === null) return;
    const holders = world.holders.get(decision.sid);
    if (this.tabs.some((tab) => tab && holders?.has(tab.id))) return;
    world.decide(++world.seq, 'end', decision.sid, 'no open tab holds its refresh token');
  }

  /** After the history: heal the server, let everything finish, check, dispose, and look for leftovers. */
  async finish(): Promise<void> {
    const { world } = this;
    stats.histories++;
    stats.refreshes += world.sent.filter((s) => s.kind === 'refresh').length;
    stats.apiWithToken += world.sent.filter((s) => s.kind === 'api' && s.authorization).length;
    stats.api401 += world.sent.filter((s) => s.kind === 'api' && s.authorization && s.outcome === 'ended').length;
    stats.replays += [...new Set(world.sent.map((s) => s.call))].filter(
      (c) => c && world.sent.filter((s) => s.call === c).length === 2,
    ).length;
    stats.expiredSends += world.expiredSends;
    if (world.lost()) stats.logoutLost++;
    if (world.loginLost) stats.loginLost++;
    if (this.ids > 1) stats.twoTabs++;
    if (this.mostOpen >= 3) stats.threeTabs++;
    world.faults = [];
    world.sticky = null;
    world.offline = false;
    world.storageLocked = false;
    world.storageHung = false;
    world.note('> finish: healed, online');
    for (let i = 0; i < 8; i++) await world.advance(10_000);
    // A proactive refresh may be under way right now: step until the world is quiet (latencies are < 50 ms).
    for (let i = 0; i < 20 && !this.quiescent(); i++) await world.advance(50);
    await this.settle();
    const pending = this.calls.filter((c) => !c.settled);
    if (pending.length > 0) expect.fail(`never settled: ${pending.map((c) => c.name).join(', ')}${history(world)}`);
    if (!this.quiescent()) {
      const busy = [
        ...world.sent.filter((r) => !r.done && r.kind !== 'api').map((r) => `${r.kind} #${r.id}`),
        ...this.calls.filter((c) => !c.settled).map((c) => c.name),
      ];
      expect.fail(
        `the world never went quiet: ${world.messagesInFlight} messages, ${world.locks.held.size} locks held; busy: ${busy.join(', ')}${history(world)}`,
      );
    }
    this.checkStates();
    for (const slot of this.tabs.keys()) this.close(slot);
    await world.advance(0);
    await new Promise<void>((resolve) => setImmediate(resolve));
    // Invariant 6: dispose() leaves no timer behind (the world's own, e.g. a message to a closed tab, don't count).
    const leftover = vi.getTimerCount() - world.timers.size;
    if (leftover !== 0) expect.fail(`${leftover} timer(s) left after dispose()${history(world)}`);
    if (unhandled.length > 0) expect.fail(`unhandled rejection: ${String(unhandled[0])}`);
  }

  teardown(): void {
    for (const tab of this.tabs) tab?.client.dispose();
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    unhandled.length = 0;
  }
}

/** The run's history, when KEYCARD_TRACE is set (it makes shrinking slower). */
const history = (world: World) => (process.env.KEYCARD_TRACE ? `\n${world.log.join('\n')}` : '');

// --- commands ---------------------------------------------------------------------------------

/** Which slots hold an open tab (the real tabs, as the commands' checks see them). */
type Model = { open: boolean[] };
type Cmd = fc.AsyncCommand<Model, Real>;

/** A command on the tab in `slot` (skipped while that slot has no tab open). */
const onTab = (slot: number, name: string, run: (tab: Tab, real: Real) => void): Cmd => ({
  check: (m) => m.open[slot] as boolean,
  async run(_m, real) {
    real.world.note(`> ${name}(tab${slot})`);
    stats.commands++;
    run(real.tabs[slot] as Tab, real);
    await real.settle();
  },
  toString: () => `${name}(tab${slot})`,
});

/** A command on the world (time, server, network). */
const onWorld = (name: string, run: (real: Real) => void | Promise<void>): Cmd => ({
  check: () => true,
  async run(_m, real) {
    real.world.note(`> ${name}`);
    stats.commands++;
    await run(real);
    await real.settle();
  },
  toString: () => name,
});

const advance = (ms: number) => onWorld(`advance(${ms})`, (r) => r.world.advance(ms));

/** A world condition switched on or off (`on`/`off` name the command in histories). */
const toggle = (on: string, off: string, set: (world: World, value: boolean) => void) =>
  fc.boolean().map((value) => onWorld(value ? on : off, (r) => set(r.world, value)));

let serial = 0;
const apiCommand = (slot: fc.Arbitrary<number>) =>
  fc
    .record({
      slot,
      origin: fc.constantFrom(...ALLOWED, ...ALLOWED, ...DENIED),
      method: fc.constantFrom('GET', 'GET', 'POST'),
      body: fc.constantFrom('string', 'stream', 'request'),
      abortAfter: fc.option(fc.constantFrom(0, 5, 30, 2_000), { freq: 4 }),
      slow: fc.boolean(),
    })
    .map(({ slot: s, origin, method, body, abortAfter, slow }) => {
      const name = `fetch(tab${s} ${method} ${origin}${method === 'POST' ? ` ${body}` : ''}${slow ? ' slow' : ''}${abortAfter === null ? '' : ` abort@${abortAfter}`})`;
      return onTab(s, name, (tab, real) => {
        const id = `c${++serial}`;
        const url = `${origin}/api/${id}`;
        const controller = abortAfter === null ? undefined : new AbortController();
        const headers: Record<string, string> = {
          'X-Call': id,
          'Content-Type': 'application/json',
          ...(slow ? { 'X-Slow': '1' } : {}),
        };
        const payload = JSON.stringify({ call: id });
        const init: RequestInit = { method, headers, signal: controller?.signal };
        let promise: Promise<Response>;
        if (method === 'GET') promise = tab.client.fetch(url, init);
        else if (body === 'request') promise = tab.client.fetch(new Request(url, { ...init, body: payload }));
        else if (body === 'stream')
          promise = tab.client.fetch(url, {
            ...init,
            body: new Blob([payload]).stream(),
            duplex: 'half',
          } as RequestInit);
        else promise = tab.client.fetch(url, { ...init, body: payload });
        const call = real.track('fetch', tab, promise, `${name}#${id}`);
        if (controller) {
          real.world.later(abortAfter as number, () => {
            if (!call.settled) call.abortedAt = real.world.awake;
            controller.abort();
          });
        }
      });
    });

const login = (slot: fc.Arbitrary<number>, good: boolean) =>
  slot.map((s) =>
    onTab(s, good ? 'login' : 'login(wrong password)', (tab, real) => {
      const id = `l${++serial}`;
      real.track(
        'login',
        tab,
        tab.client.login({ username: 'alice', password: good ? PASSWORD : 'nope', call: id }),
        `login(tab${tab.id} ${id})`,
      ).id = id;
    }),
  );

/**
 * The page in `slot` shown again: made visible, back from the back-forward cache, or both in WebKit's order (it shows
 * the page before pageshow). A memory-mode tab then asks the open tabs, and a refresh meanwhile waits for them; in
 * cookie mode the page back from the cache refreshes (trigger restore). The page here stayed alive and heard every
 * message: a cached page's dropped messages and paused timers are not modelled (engine.suite.ts runs them in WebKit).
 */
const show = (slots: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: slots - 1 }), fc.constantFrom('visible', 'pageshow', 'visible+pageshow'))
    .map(([slot, how]) =>
      onTab(slot, `show(${how})`, (tab) => {
        const { window, document } = tab.page as NonNullable<Tab['page']>;
        tab.backoff = null; // it resumes (visible) or restores (pageshow, cookie mode): both may skip the backoff
        if (how !== 'pageshow') document.dispatchEvent(new Event('visibilitychange'));
        if (how !== 'visible') window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
      }),
    );

/** Opens a tab in `slot` (a page load: it restores the session); `name` is how histories print it. */
const openTab = (slot: number, name: string): fc.Arbitrary<Cmd> =>
  fc.constant<Cmd>({
    check: (m) => !m.open[slot],
    async run(m, real) {
      m.open[slot] = true;
      real.load(slot);
      await real.settle();
    },
    toString: () => name,
  });

/** Closes the tab in `slot`, if another one stays open (a history always has a tab to act in). */
const closeTab = (slot: number, name: string): fc.Arbitrary<Cmd> =>
  fc.constant<Cmd>({
    check: (m) => (m.open[slot] as boolean) && m.open.some((open, other) => open && other !== slot),
    async run(m, real) {
      m.open[slot] = false;
      real.close(slot);
      await real.settle();
    },
    toString: () => name,
  });

/**
 * Each command with its weight: mostly requests and time passing, with faults and disruptions sprinkled in. Two
 * slots: tab 0 stays open and a second tab opens and closes (the list, weights and order the fixed seed and the
 * pinned histories were generated from: changing them changes every two-tab history). Three: any tab may open or
 * close, as long as one stays open.
 */
const weightedFor = (slots: number, faults: Fault[]): Array<[number, fc.Arbitrary<Cmd>]> => {
  const slot = slots === 2 ? fc.constantFrom(0, 0, 1) : fc.constantFrom(...Array.from({ length: slots }, (_, i) => i));
  const tabCommands: Array<[number, fc.Arbitrary<Cmd>]> =
    slots === 2
      ? [
          [1, openTab(1, 'openTab')],
          [1, closeTab(1, 'closeTab')],
        ]
      : Array.from(
          { length: slots },
          (_, i): Array<[number, fc.Arbitrary<Cmd>]> => [
            [1, openTab(i, `openTab(tab${i})`)],
            [1, closeTab(i, `closeTab(tab${i})`)],
          ],
        ).flat();
  return [
    [8, apiCommand(slot)],
    [3, login(slot, true)],
    [1, login(slot, false)],
    [
      1,
      slot.map((s) =>
        onTab(s, 'logout', (tab, real) => {
          // A logout while a login is still in flight in another tab is pinned by regressions.test.ts; racing a third
          // action against its cleanup is a known limit (RESILIENCE.md), so the model doesn't go there.
          if (real.calls.some((c) => c.kind === 'login' && !c.settled && c.tab !== tab)) return;
          real.supersede(tab);
          real.world.userLogout(tab.id, `logout in tab ${tab.id}`);
          real.track('logout', tab, tab.client.logout(), `logout(tab${tab.id})`);
        }),
      ),
    ],
    // refresh(), resume() and restore() may skip the backoff: the app asked for it.
    [
      1,
      slot.map((s) =>
        onTab(
          s,
          'restore',
          (tab, real) =>
            void ((tab.backoff = null), real.track('restore', tab, tab.client.restore(), `restore(tab${tab.id})`)),
        ),
      ),
    ],
    [
      1,
      slot.map((s) =>
        onTab(
          s,
          'refresh',
          (tab, real) =>
            void ((tab.backoff = null), real.track('refresh', tab, tab.client.refresh(), `refresh(tab${tab.id})`)),
        ),
      ),
    ],
    [
      2,
      slot.map((s) =>
        onTab(
          s,
          'getAccessToken',
          (tab, real) => void real.track('token', tab, tab.client.getAccessToken(), `getAccessToken(tab${tab.id})`),
        ),
      ),
    ],
    [1, slot.map((s) => onTab(s, 'resume', (tab) => void ((tab.backoff = null), tab.client.resume())))],
    ...tabCommands,
    [3, fc.integer({ min: 1, max: 100 }).map(advance)],
    [2, fc.integer({ min: 100, max: 20_000 }).map(advance)],
    [1, fc.integer({ min: 20_000, max: 600_000 }).map(advance)],
    [
      1,
      fc
        .oneof(
          fc.integer({ min: 1, max: 90 }).map((m) => m * 60_000),
          fc.integer({ min: 1, max: 12 }).map((h) => h * HOUR),
        )
        .map((ms) => onWorld(`sleep(${ms / 60_000}min)`, (r) => (r.world.sleep(ms), r.passedRetries()))),
    ],
    [
      1,
      fc
        .integer({ min: -12, max: 12 })
        .filter((h) => h !== 0)
        .map((h) => onWorld(`clockJump(${h}h)`, (r) => (r.world.jump(h * HOUR), r.passedRetries()))),
    ],
    [2, fc.constant(onWorld('revokeAccessTokens', (r) => r.world.revokeAccess()))],
    [1, fc.constant(onWorld('killSessions', (r) => r.world.killSessions()))],
    [
      2,
      fc
        .tuple(
          fc.constantFrom<Fault>(...faults),
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          fc.constantFrom(1, 5, 30),
        )
        .map(([fault, count, sticky, retryAfter]) =>
          onWorld(sticky ? `fault(${fault} until healed)` : `fault(${fault} x${count})`, (r) => {
            r.world.retryAfter = retryAfter;
            if (sticky) r.world.sticky = fault;
            else r.world.faults.push(...Array<Fault>(count).fill(fault));
          }),
        ),
    ],
    [1, fc.constant(onWorld('heal', (r) => void ((r.world.faults = []), (r.world.sticky = null))))],
    [1, toggle('offline', 'online', (world, offline) => void (world.offline = offline))],
  ];
};
const commandsFor = (slots: number, faults: Fault[], extra: Array<[number, fc.Arbitrary<Cmd>]> = []) =>
  [...weightedFor(slots, faults), ...extra].flatMap(([weight, arb]) => Array<fc.Arbitrary<Cmd>>(weight).fill(arb));

interface Variant {
  /** How many tabs can be open at once. */
  slots: number;
  /** What differs from the default configuration. */
  config: Partial<Record<keyof Config, fc.Arbitrary<unknown>>>;
  /** Run without KEYCARD_VARIANT (CI); the others only when named. */
  ci: boolean;
  /** The refresh faults its histories draw from, where not all (KEYCARD_FAULTS overrides it). */
  faults?: Fault[];
  /** Commands only this variant draws, after everyone's (so the other variants' histories stay as they were). */
  commands?: Array<[number, fc.Arbitrary<Cmd>]>;
  /** What a call may wait beyond boundFor (ms). */
  slack?: number;
  /** Each tab has a page to be shown again on (the `show` command). */
  pages?: boolean;
}

/**
 * The variants, each run for RUNS histories: cookie mode (messages latent or ordered); memory mode with messages
 * delivered before the lock hand-off ('ordered'), and as latent as cookie mode's (memory mode shares the rotated
 * refresh token by message, so there it races the hand-off); tabs whose ordering clocks are hours apart and pause
 * while the device sleeps ('skewed', both modes); and up to three tabs at once, mostly starting with all three open
 * (the lane's rules were written against one other tab: hearing one holder's release says nothing of a third tab's
 * news). The two-tab variants' configurations and commands are what the fixed seed and PINNED were generated from.
 */
// Without 'hang', as they were generated (PINNED replays them): 'three tabs, hanging server' draws it, since a wait for
// the lock restarts at each release (fix 41; before, a third tab's wait ran out behind two hung requests).
const threeTabs = { slots: 3, startTabs: fc.constantFrom(1, 2, 3, 3), faults: FAULTS.filter((f) => f !== 'hang') };
const VARIANTS: Record<string, Variant> = {
  cookie: {
    slots: 2,
    ci: true,
    config: { mode: fc.constant('cookie'), delivery: fc.constantFrom('latent', 'ordered') },
  },
  'memory, ordered delivery': {
    slots: 2,
    ci: true,
    config: { mode: fc.constant('memory'), delivery: fc.constant('ordered') },
  },
  'memory, latent delivery': {
    slots: 2,
    ci: true,
    config: { mode: fc.constant('memory'), delivery: fc.constant('latent') },
  },
  'skewed clocks': {
    slots: 2,
    ci: true,
    config: {
      mode: fc.constantFrom('cookie', 'memory'),
      delivery: fc.constantFrom('latent', 'ordered'),
      clocks: fc.constant('skewed'),
    },
  },
  'three tabs': {
    slots: threeTabs.slots,
    faults: threeTabs.faults,
    ci: true,
    config: {
      mode: fc.constant('cookie'),
      delivery: fc.constantFrom('latent', 'latent', 'ordered'),
      startTabs: threeTabs.startTabs,
    },
  },
  'three tabs, memory, latent delivery': {
    slots: threeTabs.slots,
    faults: threeTabs.faults,
    ci: true,
    config: { mode: fc.constant('memory'), delivery: fc.constant('latent'), startTabs: threeTabs.startTabs },
  },
  'three tabs, hanging server': {
    slots: threeTabs.slots,
    ci: true,
    config: {
      mode: fc.constantFrom('cookie', 'memory'),
      delivery: fc.constantFrom('latent', 'ordered'),
      startTabs: threeTabs.startTabs,
    },
  },
  // A TokenStorage the tabs share (fix 48): no message carries the refresh token, each tab reads the stored one.
  storage: {
    slots: threeTabs.slots,
    faults: threeTabs.faults,
    ci: true,
    config: {
      mode: fc.constant('storage'),
      delivery: fc.constantFrom('latent', 'ordered'),
      clocks: fc.constantFrom('shared', 'skewed'),
      startTabs: threeTabs.startTabs,
    },
  },
  // A phone: one app, killed and started again (closeTab, openTab), with secure storage that fails every call for a
  // while (a keychain locked until the first unlock, or while the screen is locked), or never answers, so each call
  // times out. A failed read is never "no session", a failed write is written again rather than read back. One client: tabs sharing a storage whose writes
  // fail would read what another tab could not store (RESILIENCE.md, known limits).
  'storage, locked keychain': {
    slots: 1,
    faults: threeTabs.faults,
    ci: true,
    config: { mode: fc.constant('storage') },
    // A refresh reads the refresh token and writes the rotated one, a login writes it: each call may hang until the
    // client's timeout, so a task takes up to 3 × 10 s, and a call may wait for one such task of its tab ahead of it.
    slack: 50_000,
    commands: [
      [2, toggle('lockStorage', 'unlockStorage', (world, locked) => void (world.storageLocked = locked))],
      [1, toggle('hangStorage', 'answerStorage', (world, hung) => void (world.storageHung = hung))],
    ],
  },
  // A page shown again (made visible, back from the back-forward cache): memory mode asks the open tabs first.
  'shown again': {
    slots: threeTabs.slots,
    faults: threeTabs.faults,
    ci: true,
    pages: true,
    config: {
      mode: fc.constantFrom('cookie', 'memory', 'memory'),
      delivery: fc.constantFrom('latent', 'ordered'),
      clocks: fc.constantFrom('shared', 'skewed'),
      startTabs: threeTabs.startTabs,
    },
    commands: [[3, show(threeTabs.slots)]],
  },
  // The same with a TokenStorage the tabs share: a page shown again reads the stored refresh token, which another tab
  // may have rotated meanwhile (the engine suite's back-forward cache test, in WebKit, for this mode).
  'shown again, storage': {
    slots: threeTabs.slots,
    faults: threeTabs.faults,
    ci: true,
    pages: true,
    config: {
      mode: fc.constant('storage'),
      delivery: fc.constantFrom('latent', 'ordered'),
      clocks: fc.constantFrom('shared', 'skewed'),
      startTabs: threeTabs.startTabs,
    },
    commands: [[3, show(threeTabs.slots)]],
  },
  'three tabs, skewed clocks': {
    slots: threeTabs.slots,
    faults: threeTabs.faults,
    ci: true,
    config: {
      mode: fc.constantFrom('cookie', 'memory'),
      delivery: fc.constantFrom('latent', 'ordered'),
      clocks: fc.constant('skewed'),
      startTabs: threeTabs.startTabs,
    },
  },
};
const config = (variant: string): fc.Arbitrary<Config> =>
  fc.record({
    seed: fc.integer(),
    mode: fc.constant('cookie'),
    delivery: fc.constant('latent'),
    clocks: fc.constant('shared'),
    lifetime: fc.constantFrom(20, 90, 300, 3600),
    lead: fc.constantFrom(0, 60),
    // Most histories start signed in (a login before the first command), the rest from a cold start.
    signedIn: fc.constantFrom(true, true, true, false),
    ...VARIANTS[variant]?.config,
  }) as fc.Arbitrary<Config>;

/** One variant's property: a history of commands from a random configuration, checked as it runs and at its end. */
const histories = (variant: string, replayPath = REPLAY, count = () => {}) => {
  const { slots, faults = FAULTS, commands, slack, pages } = VARIANTS[variant] as Variant;
  return fc.asyncProperty(
    config(variant),
    fc.commands(commandsFor(slots, process.env.KEYCARD_FAULTS ? FAULT_SET : faults, commands), {
      maxCommands: 40,
      size: 'max',
      replayPath,
    }),
    async (cfg, cmds) => {
      count();
      const real = new Real(cfg, slots, slack, pages);
      try {
        if (cfg.signedIn) await real.signIn();
        // The other tabs open together (their page-load restores race each other through the lane).
        for (let slot = 1; slot < (cfg.startTabs ?? 1); slot++) real.load(slot);
        if ((cfg.startTabs ?? 1) > 1) await real.settle();
        await fc.asyncModelRun(() => ({ model: { open: real.tabs.map(Boolean) }, real }), cmds);
        await real.finish();
      } finally {
        real.teardown();
      }
    },
  );
};

/** KEYCARD_VARIANT=<name> runs one variant only (for long searches, and for the variants CI leaves out). */
const only = process.env.KEYCARD_VARIANT;
if (only !== undefined && !(only in VARIANTS))
  throw new Error(`KEYCARD_VARIANT: no variant '${only}' (there are: ${Object.keys(VARIANTS).join(', ')})`);
it.each(
  Object.entries(VARIANTS)
    .filter(([name, v]) => (only ? name === only : v.ci))
    .map(([name, v]) => [name, v.slots === 2 ? 'one or two tabs' : `up to ${v.slots} tabs`]),
)(
  `keeps every invariant over ${RUNS} random histories: %s (%s, faults, clock jumps)`,
  async (variant) => {
    const started = Date.now();
    let runs = 0;
    await fc.assert(
      histories(variant, REPLAY, () => runs++),
      { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: PATH !== undefined },
    );
    console.info(
      `model (${variant}): ${runs} histories from seed ${SEED} in ${Date.now() - started} ms; exercised so far: ${JSON.stringify(stats)}`,
    );
  },
  // Ten minutes per 20,000 histories: long searches (KEYCARD_RUNS=100000) need more than the default run's bound.
  600_000 * Math.max(1, RUNS / 20_000),
);

/**
 * Histories that failed a search, replayed on every run (each failed on the code before its fix): variant, seed,
 * path (the unshrunk history where its shrunk replay did not reproduce), replayPath. RESILIENCE.md names each fix.
 * The skewed-clock variant's clocks read the machine's `performance.now()` (vitest does not fake it), so those
 * replays differ a little from run to run and failed on the old code only now and then; each fix also has a
 * deterministic script in regressions.test.ts. (Clocks on the simulated time instead were tried: commands then land
 * in the same millisecond, which no user manages, and logins and logouts in two tabs tie.)
 */
const PINNED: Array<[string, number, string, string?]> = [
  ['memory, latent delivery', -221440689, '8343'], // fix 29
  ['skewed clocks', -683741211, '6997'], // fix 29
  ['skewed clocks', -620252366, '29906:13:10:10:12:19:20:20:20:20:20:20:20', 'CAGT/I:1'], // fix 29
  // The model's own backoff check, not the client (see passedRetries).
  [
    'memory, ordered delivery',
    79674158,
    '16745:0:0:0:4:3:9:12:11:14:14:19:20:20:18:19:19:19:19:21:21:21:21',
    'DBAANAAA///Q:V9',
  ],
  // Fix 38: a relay of another tab's logout to the server, whose turn came after a later login, signed out a tab
  // opened after that login's news (its release named the logout).
  [
    'three tabs, memory, latent delivery',
    20261128,
    '16880:0:18:22:0:25:32:46:45:35:35:35:35:35:35:35:38:35:5:0:3:24:22:22:22:22:22:24:22:22:26:22:22:22:23:26:22:22:22:26:22:22:22:22:25:25:25:25:25:25:25:25:22:22:24:13:29:18:18:18:21:21:21:21:21:24:12:18:18:18:19:19:19:19:19:19',
    'NABA///////////A:1/P',
  ],
  // Fix 39: a login in a tab opened after a logout (both message and release gone by), on a clock an hour behind,
  // was stamped before that logout: the other tabs ignored it. Skewed: the replay reads the machine's clock.
  [
    'three tabs, skewed clocks',
    20261128,
    '6652:2:0:0:0:2:0:1:0:1:1:0:3:1:0:0:0:0:1:2:2:9:12:2:1:8:13:0:25:23:21:19:19:20:20:20:20:20',
    '5A//C:d',
  ],
  // Fix 44: the tab holding the lane closed mid-refresh (no release); the tab queued last, its wait unrestarted, ran out
  // during the next holder's hung refresh and refreshed beside it.
  [
    'three tabs, hanging server',
    20261129,
    '17182:0:2:8:10:1:33:32:33:32:29:29:30:29:29:30:31:31:31:31:32:34:40:34:34:35:35:34:34:34:34:35',
    'GAAANO////0:Vf',
  ],
  // Fix 45: a tab opened after a logout was posted adopted a session handed over before the logout was heard; the
  // logout's tab closed before its server call let the lane go (which would have told it), and nobody passed it on.
  ['three tabs, memory, latent delivery', 20261131, '10646:0:1:10:15:14:14:11', 'AAFAo:V'],
  // Fix 47: a login in a tab opened after a logout, whose tab closed before its call let the lane go, was stamped an
  // hour before that logout on the new tab's clock; a tab that heard the logout dropped it and stayed signed out.
  ['three tabs, skewed clocks', 20261138, '52208:1:6:7:4:7:2:3:11:10:13:14:22:20:19:17:19:17:17', 'ABBAGCFB/n:VN'],
  // Fix 47 too (known limit Clocks (4) until then): a refusal in a tab opened after a sleep, posted as that tab closed
  // and landing after the other tab's login was answered, was stamped an hour after that login on the login's clock.
  [
    'skewed clocks',
    20261135,
    '29845:36:35:55:68:70:77:79:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:68:72:69:69:69:69',
    'EAAADAKAEB///////f:V1/',
  ],
  // Fix 48: a tab that heard a refusal of the old session late, after another tab's login stored its refresh token in
  // the TokenStorage they share, removed it; that session's first refresh found none and signed every tab out.
  ['storage', 20261128, '3781:7:23:41:38:39:41:43:44:43:44:43:44', 'ACBCDAABCADB/j:VVD'],
  // Fix 49: the device clock jumped an hour while a TokenStorage wrote a refresh's rotated token: the tokens adopted
  // had expired, and a getAccessToken() that had joined the refresh handed one out.
  ['storage', 20261128, '11279:30:30:30:31:33:44:44:44', 'FeP:F'],
  // Fix 48's first version: a tab that had never read the storage, hearing a logout, read it empty and removed what was
  // there a moment later: the login just stored after that logout.
  [
    'storage',
    20261141,
    '1183:17:14:25:24:28:28:33:38:38:16:38:47:43:46:40:39:39:39:39:39:39:41:42:40:40:40:40:40:42:41:41:41:41:41:41:43:42:41:43:42:41:41:43:43:43:42:42:45:42:42:42:42',
    'SAMABA//////////c:V/f',
  ],
  // Fix 50: a TokenStorage read that failed (a keychain waiting for an unlock: it timed out) was taken for "no
  // session": signed out, token removed. Found on a version with fix 51 and without fix 50.
  ['storage, locked keychain', 20261128, '33:0:1:5:5:5:10:0:13:14:18:24:25:2:4:3:4:4:4', 'BAMA////A:1H'],
  // Fix 51: a second login's refresh token the hung storage failed to write (it timed out) lost to the first login's,
  // read back at the next refresh.
  ['storage, locked keychain', 20261128, '12:0:0:0:4:3:6:7:9:7:9', 'JA/O:N'],
  // Fix 53: a login's lock wait ran out behind the same tab's login, whose TokenStorage write hung until the timeout:
  // both logins ran at once, and the later answer's session, not the later login's, was kept.
  [
    'storage, locked keychain',
    20261128,
    '6255:1:2:1:0:3:3:2:0:1:0:1:0:0:0:0:0:1:0:0:0:0:0:0:19:4:4:14:19:24:34:26:24:26:23:23:24:19',
    '///2:P',
  ],
  // Fix 54: a refresh's tokens expired while stored (a hung write, a clock jump), refreshed again (fix 49), expired while
  // stored again: handed out to the 401's replay and a request as fresh.
  [
    'storage, locked keychain',
    20261128,
    '4900:0:0:0:5:3:7:7:11:18:21:20:21:19:17:17:17:17:21:18:18:18:20:18:19:18:18:19:19:19:33:33:33',
    'EA/////D:9D',
  ],
];
it.each(PINNED)('keeps every invariant in the pinned history: %s, seed %i', async (variant, seed, path, replay) => {
  await fc.assert(histories(variant, replay), { seed, path, endOnFailure: true });
});

it('dispose() in the middle of anything leaves no timer, no pending call and no unhandled rejection', async () => {
  const moments: Array<[string, (real: Real, tabs: Tab[]) => void, closing?: number[]]> = [
    [
      'a refresh hangs',
      (r, [a]) => void ((r.world.sticky = 'hang'), r.track('refresh', a!, a!.client.refresh(), 'refresh')),
    ],
    [
      'waiting for the lock another tab holds',
      (r, [a, b]) => {
        r.world.sticky = 'hang';
        r.track('refresh', b!, b!.client.refresh(), 'refresh(b)');
        r.track('refresh', a!, a!.client.refresh(), 'refresh(a)');
      },
      [0],
    ],
    [
      'a login is in flight',
      (r, [a]) => void r.track('login', a!, a!.client.login({ username: 'alice', password: PASSWORD }), 'login'),
    ],
    ['a logout is in flight', (r, [a]) => void r.track('logout', a!, a!.client.logout(), 'logout')],
    [
      'a retry waits out its backoff',
      (r, [a]) => void ((r.world.faults = ['503']), r.track('refresh', a!, a!.client.refresh(), 'refresh')),
    ],
    [
      'a request waits for a refresh',
      (r, [a]) => {
        r.world.sticky = 'hang';
        r.world.sleep(HOUR);
        r.track('fetch', a!, a!.client.fetch(`${BASE}/api/x`), 'fetch');
      },
    ],
  ];
  for (const [name, start, closing = [0, 1]] of moments) {
    const real = new Real({
      seed: 7,
      mode: 'cookie',
      delivery: 'latent',
      clocks: 'shared',
      lifetime: 300,
      lead: 60,
      signedIn: true,
    });
    try {
      await real.signIn();
      real.open(1);
      await real.world.advance(50);
      start(real, real.tabs as Tab[]);
      await real.world.advance(5);
      const closed = real.tabs.filter((t, slot) => t && closing.includes(slot)) as Tab[];
      for (const slot of closing) real.close(slot);
      await real.world.advance(0);
      await new Promise<void>((resolve) => setImmediate(resolve));
      // A tab left open keeps one timer of its own (its refresh timer, or its hanging request's timeout).
      const others = real.tabs.filter(Boolean).length;
      expect(vi.getTimerCount() - real.world.timers.size, name).toBeLessThanOrEqual(others);
      // The disposed tabs' calls settle (requests they already sent finish like any fetch would).
      await real.world.advance(100);
      expect(
        real.calls.filter((c) => !c.settled && closed.includes(c.tab)).map((c) => c.name),
        name,
      ).toEqual([]);
      expect(unhandled, name).toEqual([]);
    } finally {
      real.teardown();
    }
  }
});
