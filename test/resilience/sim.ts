// A simulated browser + auth server for the model-based test (model.test.ts).
// Everything runs on vitest's fake timers and a seeded PRNG, so one fast-check
// seed replays one exact history: the server's latencies, the BroadcastChannel
// delivery order and keycard's own backoff jitter (Math.random) all come from it.
//
// Time: `Date.now()` is the device clock. `skew` is how far it is off from the
// real (server) clock; a clock jump changes it, a sleep does not. `awake` counts
// only time the device spent running timers (vi.advanceTimersByTimeAsync).
import { vi } from 'vitest';

export const BASE = 'https://auth.test';
export const ALLOWED = ['https://auth.test', 'https://api.test'];
/** Look-alikes of the allowed origins: none may ever see a token. */
export const DENIED = [
  'https://evil.test',
  'http://api.test',
  'https://api.test:8443',
  'https://api.test.evil.test',
  'https://auth.test.evil.test',
];
export const PASSWORD = 'wonderland';

/** What the refresh endpoint can do instead of answering properly. */
export type Fault = '500' | '503' | '429' | 'network' | 'hang' | 'html' | 'malformed' | 'missing' | 'invalid_grant';
export const FAULTS: Fault[] = [
  '500',
  '503',
  '429',
  'network',
  'hang',
  'html',
  'malformed',
  'missing',
  'invalid_grant',
];

/** mulberry32: small, fast, good enough to drive latencies and jitter. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface Sent {
  id: number;
  /** Global order of events (requests, logout calls): decides which session decision is the latest. */
  seq: number;
  client: number;
  kind: 'login' | 'refresh' | 'logout' | 'api';
  url: string;
  authorization: string | null;
  /** The app-level call this request belongs to (X-Call header), for "sent at most twice". */
  call: string | null;
  slow: boolean;
  body: Promise<string>;
  device: number;
  done: boolean;
  outcome?: 'ok' | 'fail' | 'ended' | 'aborted';
}

interface Issued {
  sid: string;
  expReal: number;
  lifetimeMs: number;
  /** Device time the response reached the client: keycard measures the lifetime from here. */
  deliveredAt: number | null;
  revoked: boolean;
}

interface Session {
  alive: boolean;
  rt: string;
  used: Set<string>;
  /** The tab whose login made it, and that login request's seq. */
  client: number;
  createdSeq: number;
  /** The user logged out of it (a logout in its tab after its login was sent): it must end on the server too. */
  loggedOut?: boolean;
}

export interface Decision {
  seq: number;
  kind: 'grant' | 'end';
  /** The session concerned; null: a refresh that presented no live credential ends nothing; '*': a logout ends any. */
  sid: string | null;
  why: string;
}

export interface WorldOptions {
  /** Where the refresh token lives: the browser's cookie jar, each tab's memory, or a `TokenStorage` the tabs share. */
  mode: 'cookie' | 'memory' | 'storage';
  /**
   * 'latent': BroadcastChannel messages race everything else (timers of 0–7 ms). 'ordered': a message posted
   * while holding the refresh lock arrives before the next tab gets the lock (microtask delivery). Memory mode
   * with two tabs needs 'ordered' (see RESILIENCE.md, known limits).
   */
  delivery: 'latent' | 'ordered';
  /** Access-token lifetime in seconds. */
  lifetime: number;
  seed: number;
  /**
   * 'skewed': each tab orders its news on a clock of its own, hours off the others', which pauses while the device
   * sleeps in some tabs and not others (the monotonic clock stops during sleep on macOS and Linux: w3c/hr-time#115).
   */
  clocks?: 'shared' | 'skewed';
}

/** A tab message as the trace shows it: its type, stamp and what it says (never a token). */
const describe = (data: unknown): string => {
  const m = data as { type: string; at?: number; on?: boolean; out?: number; expired?: boolean; login?: number };
  const extra =
    m.type === 'busy'
      ? ` ${m.on ? 'on' : 'off'}${m.out === undefined ? '' : ` out@${m.out}`}`
      : m.type === 'logout'
        ? m.expired
          ? ' (expired)'
          : ' (user)'
        : m.type === 'tokens' && m.login !== undefined
          ? ' (login)'
          : '';
  return `${m.type}${extra} @${m.at}`;
};

type LockOptions = { signal?: AbortSignal; ifAvailable?: boolean; mode?: 'shared' | 'exclusive' };

/**
 * An in-process Web Locks manager (exclusive mode, `signal` honoured; a `shared` request is granted at once, as where
 * no exclusive one wants its name), like one browser profile's. `request` and `query` as used directly come from an
 * unnamed client; `as(client)` is one tab's view, whose requests carry its `clientId` as a browser's do.
 */
function createLocks() {
  type Entry = {
    run: () => Promise<unknown>;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
    granted: boolean;
    clientId?: string;
  };
  const queues = new Map<string, Entry[]>();
  const held = new Map<string, string | undefined>(); // name → holder's clientId
  const shared = new Set<{ name: string; clientId?: string }>(); // shared-mode holds
  const pump = (name: string) => {
    const queue = queues.get(name) ?? [];
    if (held.has(name) || queue.length === 0) return;
    const next = queue.shift() as Entry;
    next.granted = true;
    held.set(name, next.clientId);
    Promise.resolve()
      .then(next.run)
      .then(next.resolve, next.reject)
      .finally(() => {
        held.delete(name);
        pump(name);
      });
  };
  /** As in browsers: what is held and what waits, in queue order (a tab counts the other tabs' tasks ahead of its own). */
  const query = async () => ({
    held: [...[...held].map(([name, clientId]) => ({ name, clientId })), ...shared],
    pending: [...queues].flatMap(([name, queue]) => queue.map((e) => ({ name, clientId: e.clientId }))),
  });
  function request<T>(
    name: string,
    options: LockOptions,
    callback: (lock: unknown) => Promise<T>,
    clientId?: string,
  ): Promise<T> {
    if (options.mode === 'shared') {
      const hold = { name, clientId };
      shared.add(hold);
      return Promise.resolve()
        .then(() => callback({ name }))
        .finally(() => shared.delete(hold));
    }
    // As in browsers: ifAvailable calls back with null at once when the lock is held or queued for.
    if (options.ifAvailable && (held.has(name) || (queues.get(name)?.length ?? 0) > 0))
      return Promise.resolve().then(() => callback(null));
    return new Promise<T>((resolve, reject) => {
      const abortError = () => new DOMException('The lock request was aborted', 'AbortError');
      if (options.signal?.aborted) return reject(abortError());
      const entry: Entry = {
        run: () => callback({ name }),
        resolve: resolve as (v: unknown) => void,
        reject,
        granted: false,
        clientId,
      };
      const queue = queues.get(name) ?? [];
      queues.set(name, queue);
      queue.push(entry);
      options.signal?.addEventListener('abort', () => {
        if (entry.granted) return;
        queue.splice(queue.indexOf(entry), 1);
        reject(abortError());
      });
      pump(name);
    });
  }
  return {
    held,
    waiting: () => [...queues.values()].reduce((n, q) => n + q.length, 0),
    query,
    request,
    /** Tab `client`'s view: its requests carry its clientId. */
    as: (client: number) => ({
      query,
      request: <T>(name: string, options: LockOptions, callback: (lock: unknown) => Promise<T>) =>
        request(name, options, callback, `tab-${client}`),
    }),
  };
}

export class World {
  readonly rand: () => number;
  readonly mode: WorldOptions['mode'];
  readonly delivery: WorldOptions['delivery'];
  lifetime: number;
  skew = 0;
  awake = 0;
  seq = 0;
  readonly timers = new Set<ReturnType<typeof setTimeout>>();
  readonly sent: Sent[] = [];
  readonly issued = new Map<string, Issued>();
  readonly sessions = new Map<string, Session>();
  /** The browser's HttpOnly refresh cookie (cookie mode), shared by its tabs. */
  jar: string | null = null;
  /**
   * Storage mode: the `TokenStorage` the tabs share (a browser extension's `chrome.storage.local`, IndexedDB), whose
   * calls take a turn of the event loop (0–3 ms), as such storages do.
   */
  readonly stored = new Map<string, string>();
  readonly tokenStorage = {
    get: (key: string) => this.after(() => this.stored.get(key) ?? null),
    set: (key: string, value: string) => this.after(() => void this.stored.set(key, value)),
    remove: (key: string) => {
      // A removal the locked (or hung) storage refuses leaves the session there for the next start to restore: a logout
      // that can't forget (RESILIENCE.md, known limits), lost if the server still honours that session (see lost()).
      const left = this.storageLocked || this.storageHung ? this.sessionOf(this.storedRt()) : undefined;
      if (left) this.stranded.add(left[0]);
      return this.after(() => void this.stored.delete(key));
    },
  };
  /** Storage mode: how long each `TokenStorage` call takes (ms), where a script sets it; else 0–3 ms. */
  storageDelay?: number;
  /**
   * Storage mode: every `TokenStorage` call fails while set, as a keychain does until the device's first unlock (or
   * while the screen is locked, for items only readable then).
   */
  storageLocked = false;
  /** Storage mode: every `TokenStorage` call never answers while set (a keychain waiting for an unlock). */
  storageHung = false;
  private after<T>(call: () => T): Promise<T> {
    const ms = this.storageDelay ?? Math.floor(this.rand() * 4);
    return new Promise((resolve, reject) =>
      this.storageHung
        ? undefined
        : this.later(ms, () => (this.storageLocked ? reject(new Error('locked')) : resolve(call()))),
    );
  }
  faults: Fault[] = [];
  sticky: Fault | null = null;
  retryAfter = 5;
  offline = false;
  refreshesInFlight = 0;
  /**
   * Tabs whose last refresh failed and that have had no tokens since: they wait out their backoff, and may
   * send the token they have even if it expired (the model keeps this from each tab's events).
   */
  readonly failing = new Set<number>();
  /**
   * Session decisions, each stamped with the `seq` of the request (or logout call) that caused it: a token grant
   * for a session, or the end of a session (the server refused its refresh; `*`: the user logged out).
   */
  readonly decisions: Decision[] = [];
  readonly violations: string[] = [];
  readonly locks = createLocks();
  private channels = new Map<
    string,
    Set<{
      closed: boolean;
      /** The tab (client id) whose channel this is. */
      owner: number | undefined;
      onmessage: ((e: { data: unknown }) => void) | null;
      queue: Array<{ data: unknown; done: () => void; from: number | undefined }>;
    }>
  >();
  messagesInFlight = 0;
  logoutsInFlight = 0;
  private serial = 0;
  /** The tab being created: a BroadcastChannel made meanwhile is that tab's. */
  opening: number | undefined;
  /**
   * Memory mode: the tabs that were handed a refresh token of each session (by its own response, or by a message
   * that reached it open). When every one of them is closed the browser has lost that session (a new tab's `sync`
   * finds nobody to answer it): the documented price of keeping refresh tokens in memory.
   */
  readonly holders = new Map<string, Set<number>>();

  private hold(client: number | undefined, rt: string | undefined): void {
    const sid = this.mode === 'memory' && client !== undefined ? this.sessionOf(rt ?? null)?.[0] : undefined;
    if (sid === undefined) return;
    const holders = this.holders.get(sid) ?? new Set<number>();
    this.holders.set(sid, holders);
    holders.add(client as number);
  }

  constructor(options: WorldOptions) {
    this.rand = prng(options.seed);
    this.mode = options.mode;
    this.delivery = options.delivery;
    this.lifetime = options.lifetime;
    this.skewed = options.clocks === 'skewed';
  }

  // --- each tab's ordering clock (the skewed-clock variant) ---------------------------------

  readonly skewed: boolean;
  private offsets = new Map<number, number>();

  /**
   * The clock tab `client` orders its news by: undefined (the platform's) unless skewed, then its own: a page's
   * `performance.timeOrigin + performance.now()`, which starts right and falls behind by each sleep it paused in.
   */
  clockFor(client: number): (() => number) | undefined {
    if (!this.skewed) return undefined;
    this.offsets.set(client, 0);
    return () => performance.timeOrigin + performance.now() + (this.offsets.get(client) as number);
  }

  /** Scripts: tab `client`'s clock stood still for `ms` (it is that far behind the others). */
  pauseClock(client: number, ms: number): void {
    this.offsets.set(client, (this.offsets.get(client) ?? 0) - ms);
  }

  /** The device slept `ms`: each tab's clock either ran on or stood still meanwhile. */
  pauseClocks(ms: number): void {
    for (const [client, offset] of this.offsets) if (this.rand() < 0.5) this.offsets.set(client, offset - ms);
  }

  /** Real (server) time. */
  real = () => Date.now() - this.skew;

  /** A readable history of the run, printed with a failure. */
  readonly log: string[] = [];
  note(line: string): void {
    this.log.push(`[awake ${this.awake} device ${new Date(Date.now()).toISOString().slice(11, 19)}] ${line}`);
  }

  violate(message: string): void {
    this.violations.push(`${message} (at awake ${this.awake} ms)`);
  }

  /** A world-side timer (latency, delivery, a scheduled abort): counted apart from keycard's own timers. */
  later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  cancel(handle: ReturnType<typeof setTimeout> | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.timers.delete(handle);
  }

  async advance(ms: number): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    this.awake += ms;
  }

  /** The device sleeps: the clock moves on, timers do not run until woken. */
  sleep(ms: number): void {
    vi.setSystemTime(Date.now() + ms);
    this.pauseClocks(ms);
  }

  /** The user (or NTP) moves the device clock; real time does not move. */
  jump(ms: number): void {
    vi.setSystemTime(Date.now() + ms);
    this.skew += ms;
  }

  /**
   * login() calls (by the `call` field of their credentials) still pending when the user logged out, in
   * their own tab or ('raced') in another: the logout wins either way.
   */
  readonly superseded = new Map<string, 'logout' | 'raced'>();

  /** Some logout never reached the server (offline, or cut off by dispose): its session may rightly live on. */
  logoutLost = false;
  /** Storage mode: sessions whose refresh token a locked or hung storage did not remove. */
  readonly stranded = new Set<string>();
  /** A logout was lost, or could not remove from the storage a session the server still honours. */
  lost(): boolean {
    return this.logoutLost || [...this.stranded].some((sid) => this.sessions.get(sid)?.alive);
  }
  /**
   * Storage mode: a tab closed between its login's answer and its news to the other tabs (the refresh token is stored
   * first, which takes a turn of the event loop). The session is in the storage, but the open tabs learn of it only at
   * their next restore (RESILIENCE.md, known limits): their states are not checked from then on.
   */
  loginLost = false;
  /** The login() calls (the `call` of their credentials) whose answer reached their tab. */
  readonly answeredLogins = new Set<string>();
  /** API requests that carried a token the client knew to be expired (allowed only while refreshes fail). */
  expiredSends = 0;
  /** Scripted scenarios: a fixed latency per request (undefined: the seeded one), a fixed message delay. */
  latency?: (sent: Sent) => number | undefined;
  messageDelay?: number;
  /** Every logout request fails (as if offline), the rest of the network works. */
  dropLogouts = false;
  /** Called as each request goes out (the model checks refreshes against the client's backoff). */
  onSend?: (sent: Sent) => void;
  /** Clients (tabs) that were disposed. */
  readonly disposed = new Set<number>();
  lastGranted: string | undefined;

  /** The user logs out in `client`'s tab: every session that tab asked for so far must end. */
  userLogout(client: number, why: string): void {
    const seq = ++this.seq;
    for (const session of this.sessions.values())
      if (session.client === client && session.createdSeq < seq) session.loggedOut = true;
    this.decide(seq, 'end', '*', why);
  }

  /** Sessions the user logged out of that the server still honours and the browser can still reach. */
  zombies(): string[] {
    if (this.lost()) return [];
    // Reachable: cookie mode, the jar's; storage mode, the stored one's; memory mode, the last one handed to the tabs
    // (older ones' tokens are dropped).
    const reachable =
      this.mode === 'memory'
        ? this.lastGranted
        : this.sessionOf(this.mode === 'cookie' ? this.jar : this.storedRt())?.[0];
    return [...this.sessions].filter(([sid, s]) => sid === reachable && s.alive && s.loggedOut).map(([sid]) => sid);
  }

  /** Revokes every access token issued so far (server-side). */
  revokeAccess(): void {
    for (const token of this.issued.values()) token.revoked = true;
  }

  /** An admin ends every session: the next refresh is refused. */
  killSessions(): void {
    for (const session of this.sessions.values()) session.alive = false;
  }

  // --- the browser: BroadcastChannel with ordered, latent delivery -------------------------

  /** A BroadcastChannel class for vi.stubGlobal: async, in-order per receiver, structured-cloned. */
  broadcastChannel() {
    const world = this;
    return class FakeBroadcastChannel {
      closed = false;
      onmessage: ((e: { data: unknown }) => void) | null = null;
      queue: Array<{ data: unknown; done: () => void; from: number | undefined }> = [];
      readonly owner = world.opening;
      constructor(readonly name: string) {
        const peers = world.channels.get(name) ?? new Set();
        world.channels.set(name, peers);
        peers.add(this);
      }
      postMessage(data: unknown): void {
        if (this.closed) throw new DOMException('channel is closed', 'InvalidStateError');
        const logout = (data as { type?: string }).type === 'logout';
        const from = this.owner;
        for (const peer of world.channels.get(this.name) ?? []) {
          if (peer === this) continue;
          const copy = structuredClone(data);
          if (logout) world.logoutsInFlight++;
          const onDone = () => void (logout && world.logoutsInFlight--);
          if (world.delivery === 'ordered') {
            world.messagesInFlight++;
            queueMicrotask(() => {
              world.messagesInFlight--;
              onDone();
              if (!peer.closed) world.handed(peer.owner, copy);
              if (!peer.closed) peer.onmessage?.({ data: copy });
            });
            continue;
          }
          // In order per receiver, like the real thing, but with a latency that races everything else.
          // Usually within a few ms; sometimes a busy tab takes much longer (races with the lock hand-off widen).
          // Each delivery hands over the receiver's oldest message, so the order holds whichever timer fires first
          // (a device sleep, which moves the clock but fires no timer, must not reorder them).
          const latency =
            world.messageDelay ??
            (world.rand() < 0.2 ? 10 + Math.floor(world.rand() * 60) : Math.floor(world.rand() * 8));
          peer.queue.push({ data: copy, done: onDone, from });
          world.messagesInFlight++;
          world.later(latency, () => {
            const next = peer.queue.shift() as (typeof peer.queue)[number];
            world.messagesInFlight--;
            next.done();
            world.note(
              `message ${describe(next.data)} from tab ${next.from} delivered to ${peer.closed ? 'closed ' : ''}tab ${peer.owner}`,
            );
            if (!peer.closed) world.handed(peer.owner, next.data);
            if (!peer.closed) peer.onmessage?.({ data: next.data });
          });
        }
      }
      close(): void {
        this.closed = true;
        world.channels.get(this.name)?.delete(this);
      }
      unref(): void {}
    };
  }

  /** A message reached tab `client`: in memory mode, tokens carry the refresh token. */
  handed(client: number | undefined, data: unknown): void {
    const message = data as { type?: string; tokens?: { refreshToken?: string } };
    if (message.type === 'tokens') this.hold(client, message.tokens?.refreshToken);
  }

  // --- the server --------------------------------------------------------------------------

  private mint(sid: string) {
    const iat = Math.floor(this.real() / 1000);
    const token = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: 'alice', sid, iat, exp: iat + this.lifetime, jti: `a${++this.serial}` })}.c2ln`;
    this.issued.set(token, {
      sid,
      expReal: (iat + this.lifetime) * 1000,
      lifetimeMs: this.lifetime * 1000,
      deliveredAt: null,
      revoked: false,
    });
    return token;
  }

  private grant(session: Session, sid: string) {
    session.rt = `rt-${++this.serial}`;
    const access = this.mint(sid);
    const body = {
      access_token: access,
      token_type: 'Bearer',
      expires_in: this.lifetime,
      ...(this.mode === 'cookie' ? {} : { refresh_token: session.rt }),
    };
    return { status: 200, body: JSON.stringify(body), access, rt: session.rt };
  }

  /** Storage mode: the refresh token the shared `TokenStorage` holds now. */
  storedRt(): string | null {
    return this.stored.get('keycard.refresh_token') ?? null;
  }

  private sessionOf(rt: string | null): [string, Session] | undefined {
    if (!rt) return undefined;
    for (const entry of this.sessions) if (entry[1].rt === rt || entry[1].used.has(rt)) return entry;
    return undefined;
  }

  /** The injected `fetch` of one client (tab). Records every request, answers after a seeded latency. */
  fetchFor(client: number): typeof fetch {
    return (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = typeof input === 'object' && !(input instanceof URL) ? input : null;
      const url = new URL(request ? request.url : String(input));
      const headers = new Headers(init?.headers ?? request?.headers);
      const signal = init?.signal ?? request?.signal;
      if (signal?.aborted) throw signal.reason;
      const path = url.pathname;
      const kind: Sent['kind'] =
        url.origin === BASE && path.startsWith('/auth/') ? (path.slice(6) as Sent['kind']) : 'api';
      const bodyInit = init?.body ?? null;
      const body =
        request && init?.body === undefined
          ? request.text()
          : typeof bodyInit === 'string'
            ? Promise.resolve(bodyInit)
            : bodyInit
              ? new Response(bodyInit).text()
              : Promise.resolve('');
      body.catch(() => {});
      const sent: Sent = {
        id: this.sent.length,
        seq: ++this.seq,
        client,
        kind,
        url: url.href,
        authorization: headers.get('authorization'),
        call: headers.get('x-call'),
        slow: headers.has('x-slow'),
        body,
        device: Date.now(),
        done: false,
      };
      this.sent.push(sent);
      this.onSend?.(sent);
      this.note(
        `tab ${client} sends #${sent.id} ${kind} ${url.origin}${path}${sent.authorization ? ` with ${sent.authorization.slice(-8)}` : ''}${kind === 'refresh' && this.mode === 'cookie' ? ` cookie ${this.jar}` : ''}`,
      );
      const answer = await this.serve(sent, url, body);
      return this.deliver(sent, answer, signal);
    }) as typeof fetch;
  }

  private async serve(
    sent: Sent,
    url: URL,
    bodyText: Promise<string>,
  ): Promise<
    { status: number; body: string; headers?: Record<string, string>; onDeliver?: () => void } | 'network' | 'hang'
  > {
    if (sent.kind === 'api') {
      const token = sent.authorization?.replace(/^Bearer /, '') ?? null;
      if (!ALLOWED.includes(url.origin)) {
        if (sent.authorization !== null) this.violate(`a token went to the disallowed origin ${url.origin}`);
        return this.offline ? 'network' : { status: 200, body: '{}' };
      }
      const issued = token ? this.issued.get(token) : undefined;
      // (A disposed client can't refresh: a request it was holding goes out with what it had.)
      const expired = issued?.deliveredAt != null && Date.now() >= issued.deliveredAt + issued.lifetimeMs;
      if (expired) this.expiredSends++;
      if (expired && !this.failing.has(sent.client) && !this.disposed.has(sent.client)) {
        this.violate(
          `request #${sent.id} carried a token the client knew to be expired, though its refreshes were not failing`,
        );
      }
      if (this.offline) return 'network';
      const valid = issued && !issued.revoked && this.real() < issued.expReal;
      return valid
        ? { status: 200, body: '{"ok":true}' }
        : {
            status: 401,
            body: '{"error":"invalid_token"}',
            headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
          };
    }
    const json = JSON.parse(await bodyText) as Record<string, unknown>;
    if (sent.kind === 'refresh') {
      if (this.refreshesInFlight > 0) this.violate('two refresh requests in flight on one channel');
      this.refreshesInFlight++;
    }
    if (this.offline) return 'network';
    if (sent.kind === 'login') {
      if (json.password !== PASSWORD) return { status: 401, body: '{"error":"invalid_credentials"}' };
      const sid = `s${++this.serial}`;
      const session: Session = { alive: true, rt: '', used: new Set(), client: sent.client, createdSeq: sent.seq };
      this.sessions.set(sid, session);
      const reply = this.grant(session, sid);
      const call = String(json.call);
      return {
        status: 200,
        body: reply.body,
        onDeliver: () => {
          this.answeredLogins.add(call);
          // A login a logout superseded decides nothing, and must not outlive it on the server. (A logout in
          // another tab: in memory mode that tab never held this session's refresh token, and the tab that did
          // drops it, so nobody can reach the session any more; in cookie mode the logout's own call ends it; in
          // storage mode the login's tab may have stored its refresh token, and ends the session itself.)
          const by = this.superseded.get(call);
          if (by === 'logout' || (by === 'raced' && this.mode !== 'memory')) session.loggedOut = true;
          this.granted(sent, reply.access, reply.rt, by ? null : sid);
        },
      };
    }
    const rt = this.mode === 'cookie' ? this.jar : ((json.refresh_token as string | undefined) ?? null);
    const found = this.sessionOf(rt);
    if (sent.kind === 'logout') {
      if (this.dropLogouts) return 'network';
      if (found) found[1].alive = false;
      return { status: 204, body: '', onDeliver: () => void (this.jar = null) };
    }
    const fault = this.faults.shift() ?? this.sticky;
    if (fault === 'hang') return 'hang';
    if (fault === 'network') return 'network';
    if (fault === '500') return { status: 500, body: 'Internal Server Error' };
    if (fault === '503') return { status: 503, body: '', headers: { 'Retry-After': String(this.retryAfter) } };
    if (fault === '429') return { status: 429, body: '' };
    if (fault === 'html')
      return { status: 200, body: '<html>502 Bad Gateway</html>', headers: { 'Content-Type': 'text/html' } };
    if (fault === 'malformed') return { status: 200, body: '{"access_token":' };
    if (fault === 'missing') return { status: 200, body: '{"token_type":"Bearer"}' };
    const ended = (status: number) => ({
      status,
      body: '{"error":"invalid_grant"}',
      onDeliver: () => this.decide(sent.seq, 'end', found?.[0] ?? null, `refresh #${sent.id} answered ${status}`),
    });
    if (fault === 'invalid_grant') {
      if (found) found[1].alive = false;
      return ended(400);
    }
    if (!found?.[1].alive) return ended(401);
    const [sid, session] = found;
    if (session.rt !== rt) {
      // Reuse of a rotated-away refresh token: the family is burnt (RFC 9700 §4.14.2).
      session.alive = false;
      return ended(400);
    }
    session.used.add(session.rt);
    const reply = this.grant(session, sid);
    return { status: 200, body: reply.body, onDeliver: () => this.granted(sent, reply.access, reply.rt, sid) };
  }

  /** `sid` null: the answer decides nothing (its login was superseded). */
  private granted(sent: Sent, access: string, rt: string, sid: string | null): void {
    (this.issued.get(access) as Issued).deliveredAt = Date.now();
    this.note(
      `  ${access.slice(-12)} delivered, expires (device clock) ${new Date(Date.now() + this.lifetime * 1000).toISOString().slice(11, 19)}`,
    );
    if (this.mode === 'cookie') this.jar = rt; // Set-Cookie lands only when the response does
    this.hold(sent.client, rt);
    if (sid !== null) this.lastGranted = sid;
    if (sid !== null) this.decide(sent.seq, 'grant', sid, `${sent.kind} #${sent.id}`);
  }

  decide(seq: number, kind: Decision['kind'], sid: string | null, why: string): void {
    this.note(`decision: ${kind} ${sid} (seq ${seq}, ${why})`);
    this.decisions.push({ seq, kind, sid, why });
  }

  /**
   * What the browser's state must be, replaying the decisions in the order they were asked: a grant signs in,
   * the end of that session (or a user's logout) signs out, and after a user's logout only a login signs in
   * again: a refresh racing the logout must not undo it. Null: nothing was ever decided.
   */
  decision(): Decision | null {
    let current: Decision | null = null;
    let userOut = false;
    for (const d of [...this.decisions].sort((a, b) => a.seq - b.seq)) {
      if (d.kind === 'grant' && (d.why.startsWith('login') || !userOut)) [current, userOut] = [d, false];
      else if (d.kind === 'end' && d.sid === '*') [current, userOut] = [d, true];
      else if (d.kind === 'end' && current?.kind === 'grant' && d.sid === current.sid) current = d;
    }
    return current;
  }

  private deliver(
    sent: Sent,
    answer: Awaited<ReturnType<World['serve']>>,
    signal: AbortSignal | null | undefined,
  ): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      let handle: ReturnType<typeof setTimeout> | undefined;
      const finish = (outcome: Sent['outcome']) => {
        this.note(
          `#${sent.id} ${outcome}${answer !== 'hang' && answer !== 'network' ? ` ${answer.status}` : ` ${answer}`}`,
        );
        sent.done = true;
        sent.outcome = outcome;
        signal?.removeEventListener('abort', onAbort);
        if (sent.kind === 'logout' && outcome !== 'ok') this.logoutLost = true;
        if (sent.kind === 'refresh') this.refreshesInFlight--;
      };
      const onAbort = () => {
        this.cancel(handle);
        finish('aborted');
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort);
      if (answer === 'hang') return;
      // Slow API calls (X-Slow) stay in flight across sleeps, clock jumps and other tabs' refreshes.
      const slow = sent.kind === 'api' && sent.slow;
      const latency =
        this.latency?.(sent) ?? (slow ? 500 + Math.floor(this.rand() * 2500) : 1 + Math.floor(this.rand() * 40));
      handle = this.later(latency, () => {
        if (answer === 'network') {
          finish('fail');
          return reject(new TypeError('fetch failed'));
        }
        const isTokens = answer.status === 200 && answer.onDeliver !== undefined;
        finish(
          answer.status === 400 || answer.status === 401
            ? 'ended'
            : isTokens || sent.kind !== 'refresh'
              ? 'ok'
              : 'fail',
        );
        answer.onDeliver?.();
        const headers = new Headers({
          'Content-Type': 'application/json',
          Date: new Date(this.real()).toUTCString(),
          ...answer.headers,
        });
        resolve(new Response(answer.status === 204 ? null : answer.body, { status: answer.status, headers }));
      });
    });
  }
}
