// Regressions: races the model-based test found, replayed as fixed scripts on
// the same simulated world (sim.ts) with chosen latencies, so each one is
// checked on every run, not only when a random history happens to reach it.
// Each names the bug it pins; RESILIENCE.md lists them.
import { afterEach, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { ALLOWED, BASE, PASSWORD, World, type WorldOptions } from './sim';

const T0 = Date.UTC(2026, 0, 1, 12);
const HOUR = 3_600_000;
const alice = { username: 'alice', password: PASSWORD };

let clients: AuthClient[] = [];
afterEach(() => {
  for (const c of clients) c.dispose();
  clients = [];
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** A browser with `tabs` tabs on one channel, signed in (login in tab 0, shared with the others) unless `cold`. */
async function setup(
  options: Partial<WorldOptions> & { tabs?: number; cold?: boolean; channel?: string | false } = {},
) {
  const w = new World({ mode: 'cookie', lifetime: 300, seed: 1, delivery: 'latent', ...options });
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.stubGlobal('BroadcastChannel', w.broadcastChannel());
  vi.stubGlobal('navigator', { locks: w.locks });
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
  w.latency = () => 5;
  w.messageDelay = 2;
  const open = (i: number) => {
    const client = createAuthClient({
      baseUrl: BASE,
      apiOrigins: ALLOWED,
      refreshToken: w.mode === 'storage' ? w.tokenStorage : w.mode,
      fetch: w.fetchFor(i),
      channel: options.channel ?? 'regressions',
      ...{ clock: w.clockFor(i), locks: w.locks.as(i) },
    });
    clients.push(client);
    return client;
  };
  Array.from({ length: options.tabs ?? 1 }, (_, i) => open(i));
  if (!options.cold) {
    const login = clients[0]!.login(alice);
    await w.advance(20);
    await login;
    await w.advance(200); // the login's tab holds the lane's news lock this long after (fix 43)
    for (const c of clients) expect(c.getState().status).toBe('authenticated');
  }
  return { w, tabs: [...clients], open };
}

const alive = (w: World) => [...w.sessions.values()].filter((s) => s.alive).length;

const refreshesAfter = (w: World, client: number, seq: number) =>
  w.sent.filter((s) => s.client === client && s.kind === 'refresh' && s.seq > seq);

it('a 401 that outlives a device sleep is replayed with a fresh token, not a newer one that expired meanwhile', async () => {
  const {
    w,
    tabs: [a],
  } = await setup({ lifetime: 20 });
  w.latency = (s) => (s.kind === 'api' ? 2_000 : 5);
  w.revokeAccess();
  const response = a!.fetch(`${BASE}/api/slow`); // the server answers 401, slowly
  await w.advance(0);
  const refreshed = a!.refresh(); // meanwhile another caller refreshes
  await w.advance(10);
  await refreshed;
  w.sleep(HOUR); // and the device sleeps past that new token's expiry
  await w.advance(4_100); // the 401 arrives, one refresh, the replay
  expect((await response).status).toBe(200);
  expect(w.violations).toEqual([]);
  expect(w.sent.filter((s) => s.kind === 'refresh')).toHaveLength(2);
});

it('after a logout, a tab ignores a refresh another tab made before it heard (even when the server never heard the logout)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2 });
  w.dropLogouts = true;
  w.messageDelay = 300; // longer than a tab granted the lock waits for news, so b refreshes before it hears
  const out = a!.logout();
  const refreshed = b!.refresh(); // began after the logout, in a tab that hasn't heard of it yet
  await w.advance(600);
  await out;
  await refreshed;
  expect(w.sent.find((s) => s.kind === 'refresh' && s.client === 1)?.outcome).toBe('ok'); // the server renewed it
  expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
});

it('a refresh queued for the lock when the user logs out is never sent', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2 });
  w.latency = (s) => (s.client === 1 && s.kind === 'refresh' ? 100 : 5);
  const held = b!.refresh(); // b holds the lock for 100 ms
  await w.advance(0);
  const queued = a!.refresh();
  await w.advance(0);
  const seq = w.seq;
  const out = a!.logout();
  await w.advance(300);
  await Promise.all([held, queued, out]);
  expect(refreshesAfter(w, 0, seq)).toEqual([]);
  expect(a!.getState().status).toBe('unauthenticated');
});

it('a login called before a logout in another tab, but sent after it, is ended on the server too', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2 });
  w.latency = (s) => (s.kind === 'refresh' ? 30 : 5);
  w.messageDelay = 100;
  const refreshed = b!.refresh(); // b's refresh holds the lock; b's login waits for it
  await w.advance(0);
  const login = b!.login(alice).catch((e: unknown) => e);
  const out = a!.logout(); // its server call queues for the lock before b's login
  await w.advance(400);
  await Promise.all([refreshed, login, out]);
  const order = w.sent.filter((s) => s.kind !== 'api').map((s) => `${s.kind}@${s.client}`);
  expect(order.slice(1)).toEqual(['refresh@1', 'logout@0', 'login@1', 'logout@1']); // (after the setup login)
  expect([...w.sessions.values()].filter((s) => s.alive)).toEqual([]);
  expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
});

it('a refresh that waited for a login, then for another tab, uses the login\u2019s tokens and still refreshes them when they fell due', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, lifetime: 20 });
  w.latency = (s) => (s.client === 1 && s.kind === 'refresh' ? 500 : 10);
  const login = a!.login(alice); // holds the lock
  await w.advance(0);
  w.jump(HOUR); // the clock moves: the old token looks expired
  // Its refresh queues in the lane behind the login (the lane keeps call order across tabs, so it goes before b's).
  const token = a!.getAccessToken().then((value) => [value, Date.now()] as const);
  w.faults = ['500'];
  const other = b!.refresh().catch(() => {}); // queues behind both, and will fail
  await w.advance(10);
  await login;
  w.sleep(HOUR); // the login's tokens expire while b's refresh is under way
  await w.advance(800);
  const [value, at] = await token;
  await other;
  const issued = w.issued.get(value as string);
  expect(at).toBeLessThan((issued?.deliveredAt as number) + (issued?.lifetimeMs as number)); // valid when handed out
  const again = a!.getAccessToken();
  await w.advance(100);
  expect(await again).not.toBe(value); // and refreshed once it fell due
  expect(w.violations).toEqual([]);
});

it('a refresh that waited for a login still yields to a logout made meanwhile', async () => {
  const {
    w,
    tabs: [a],
  } = await setup();
  w.dropLogouts = true; // the server keeps the session: a refresh now would renew it
  w.latency = (s) => (s.kind === 'login' ? 50 : 5);
  const login = a!.login({ username: 'alice', password: 'wrong' }).catch((e: unknown) => e);
  await w.advance(0);
  const refreshed = a!.refresh().catch((e: unknown) => e); // waits for the login
  const seq = w.seq;
  const out = a!.logout();
  await w.advance(200);
  await Promise.all([login, refreshed, out]);
  expect(refreshesAfter(w, 0, seq)).toEqual([]);
  expect(a!.getState().status).toBe('unauthenticated');
});

it('logout() while a login is in flight: the session that login made is ended on the server too', async () => {
  // No channel, so no lock: the logout's own call goes out at once, before the login's cookie lands.
  const {
    w,
    tabs: [a],
  } = await setup({ channel: false });
  w.latency = (s) => (s.kind === 'login' ? 50 : 5);
  const login = a!.login(alice).catch((e: unknown) => e);
  await w.advance(0);
  const out = a!.logout();
  await w.advance(200);
  expect(await login).toMatchObject({ code: 'unauthenticated' });
  await out;
  expect(alive(w)).toBe(0);
  expect(w.jar).toBeNull();
});

it('a login superseded by a logout while it queued is never sent', async () => {
  const {
    w,
    tabs: [a],
  } = await setup();
  w.latency = (s) => (s.kind === 'refresh' ? 50 : 5);
  const refreshed = a!.refresh(); // the login queues behind it
  await w.advance(0);
  const login = a!.login(alice).catch((e: unknown) => e);
  const out = a!.logout();
  await w.advance(200);
  await Promise.all([refreshed, out]);
  expect(await login).toMatchObject({ code: 'unauthenticated' });
  expect(w.sent.filter((s) => s.kind === 'login')).toHaveLength(1); // the setup's only
});

it('without a channel (React Native), a login right after logout() waits for the logout call', async () => {
  const {
    w,
    tabs: [a],
  } = await setup({ channel: false });
  w.latency = (s) => (s.kind === 'logout' ? 50 : 5);
  const out = a!.logout();
  const login = a!.login(alice);
  await w.advance(200);
  await Promise.all([out, login]);
  expect(w.sent.filter((s) => s.kind !== 'api').map((s) => s.kind)).toEqual(['login', 'logout', 'login']);
  expect(w.jar).not.toBeNull(); // the logout's late Set-Cookie did not wipe the new session's
  expect(alive(w)).toBe(1);
});

it('a login in another tab right after a logout keeps its cookie (the logout call goes first, under the lock)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2 });
  w.latency = (s) => (s.kind === 'logout' ? 50 : 5);
  w.messageDelay = 1;
  const out = a!.logout();
  await w.advance(2); // b hears of the logout, then its user signs in
  const login = b!.login(alice);
  await w.advance(200);
  await Promise.all([out, login]);
  expect(w.jar).not.toBeNull();
  expect(alive(w)).toBe(1);
  const refreshed = b!.refresh();
  await w.advance(20);
  await refreshed;
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
});

it('a refusal another tab got before a login here (its message arriving late) does not end that login', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, cold: true });
  w.messageDelay = 100;
  const restored = b!.restore(); // no session yet: 401; b tells the others, slowly
  await w.advance(0);
  const login = a!.login(alice); // queues for the lock behind b's refresh
  await w.advance(400); // a's wait for b's answer (a round trip), its login, and its news to b
  await Promise.all([restored, login]);
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
});

it('a tab with no session yet that is told the session is over tells the other tabs', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup();
  w.killSessions();
  const b = open(1);
  const restored = b.restore();
  await w.advance(50);
  await restored;
  expect(b.getState().error?.code).toBe('session_expired');
  expect(a!.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
});

it('memory mode: a new tab handed an expired token by another tab refreshes it before use', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ mode: 'memory', delivery: 'ordered', lifetime: 20 });
  w.sleep(HOUR); // a's token expired while the device slept; nothing ran
  w.latency = (s) => (s.kind === 'refresh' && s.client === 0 ? 30 : 5);
  w.faults = ['500'];
  const failing = a!.refresh().catch(() => {}); // a holds the lock, and keeps its expired token
  await w.advance(0);
  const b = open(1);
  const restored = b.restore(); // b queues for the lock; a's sync answer hands it the expired token meanwhile
  const token = b.getAccessToken(); // joins b's restore
  await w.advance(100);
  await Promise.all([failing, restored]);
  const value = (await token) as string;
  const issued = w.issued.get(value);
  expect(Date.now()).toBeLessThan((issued?.deliveredAt as number) + (issued?.lifetimeMs as number));
  expect(a!.getState().status).toBe('authenticated');
});

it('memory mode: a new tab whose sync answer lands while its own restore finds no refresh token keeps it, and logs nobody out', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ mode: 'memory', delivery: 'ordered' });
  const b = open(1);
  const restored = b.restore();
  await w.advance(50);
  await restored;
  expect([a!.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(w.sent.filter((s) => s.kind === 'logout')).toEqual([]);
});

it('a refresh already in flight when login() is called may still end the old session if that login fails', async () => {
  const {
    w,
    tabs: [a],
  } = await setup();
  w.killSessions();
  w.latency = (s) => (s.kind === 'refresh' ? 50 : 5);
  const refreshed = a!.refresh();
  await w.advance(0);
  const login = a!.login({ username: 'alice', password: 'wrong' }).catch((e: unknown) => e);
  await w.advance(200);
  await refreshed;
  expect(await login).toMatchObject({ code: 'invalid_credentials' });
  expect(a!.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
});

it('tabs whose timers fire together refresh once, even when the lock is handed over before the broadcast lands', async () => {
  const { w, tabs } = await setup({ tabs: 3, lifetime: 20 });
  w.messageDelay = 50; // the holder's news trails its lock release, as Chromium often delivers it
  const start = w.sent.length;
  await w.advance(4 * 10_000 + 500); // 20 s tokens refresh every 10 s: four periods
  expect(w.sent.slice(start).filter((s) => s.kind === 'refresh')).toHaveLength(4);
  const tokens = await Promise.all(tabs.map((t) => t.getAccessToken()));
  expect(new Set(tokens).size).toBe(1);
  expect(tabs.map((t) => t.getState().status)).toEqual(['authenticated', 'authenticated', 'authenticated']);
  expect(w.violations).toEqual([]);
});

it("a tab that queued behind another tab's failed refresh refreshes by itself before the token expires", async () => {
  const { w, tabs } = await setup({ tabs: 2, lifetime: 20 });
  w.messageDelay = 50;
  w.retryAfter = 30; // the failing tab won't be back before expiry
  w.faults = ['503'];
  const expiry = Date.now() + 20_000;
  await w.advance(10_000 + 3_000);
  const refreshes = w.sent.filter((s) => s.kind === 'refresh');
  expect(refreshes.map((s) => s.outcome)).toEqual(['fail', 'ok']);
  expect(new Set(refreshes.map((s) => s.client)).size).toBe(2);
  for (const tab of tabs) expect(tab.getState()).toMatchObject({ status: 'authenticated' });
  expect(tabs[0]!.getState().expiresAt).toBeGreaterThan(expiry);
  expect(w.violations).toEqual([]);
});

it('a timer refresh queued behind another tab when the user logs out is neither sent nor put off for later', async () => {
  const {
    w,
    tabs: [, b],
  } = await setup({ tabs: 2, lifetime: 20 });
  w.messageDelay = 50;
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  await w.advance(9_700);
  while (!w.sent.some((s) => s.kind === 'refresh')) await w.advance(1); // both timers fire: tab 0 holds the lock, tab 1 queues
  expect(w.locks.waiting()).toBe(1);
  const out = b!.logout();
  const seq = w.seq;
  await w.advance(30_000);
  await out;
  expect(refreshesAfter(w, 1, seq)).toEqual([]);
  expect(b!.getState().status).toBe('unauthenticated');
});

it('a caller waiting on a timer refresh queued behind another tab is not put off: it gets a refreshed token', async () => {
  const {
    w,
    tabs: [, b],
  } = await setup({ tabs: 2, lifetime: 20 });
  w.messageDelay = 50;
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  await w.advance(9_700);
  const old = await b!.getAccessToken();
  while (!w.sent.some((s) => s.kind === 'refresh')) await w.advance(1); // tab 0 holds the lock, tab 1 queues
  expect(w.locks.waiting()).toBe(1);
  const token = b!.getAccessToken(); // due now: waits on tab 1's queued refresh
  await w.advance(500);
  expect(await token).not.toBe(old);
  expect(w.violations).toEqual([]);
});

it("a login in a new tab whose restore queued behind another tab's hanging refreshes settles within 50 s", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ lifetime: 20 });
  w.sticky = 'hang'; // the refresh endpoint stops answering; each refresh times out after 10 s
  w.sleep(60_000);
  const token = a!.getAccessToken().catch((e: unknown) => e); // tab 0 refreshes and holds the lock
  await w.advance(0);
  const b = open(1);
  const restore = b.restore(); // queues for the lock behind tab 0
  const started = Date.now();
  let settledAfter: number | undefined;
  void b.login(alice).then(() => (settledAfter = Date.now() - started)); // waits for that restore, then the lock
  while (settledAfter === undefined && Date.now() - started < 60_000) await w.advance(100);
  // (Before the lane, the login first waited for its tab's restore, then for the lock behind tab 0's retry: three
  // 10 s timeouts in a row, why a login's bound is 50 s, not 25. The lane keeps call order: it now follows one.)
  expect(settledAfter).toBeLessThanOrEqual(50_000);
  expect(b.getState().status).toBe('authenticated');
  await w.advance(30_000);
  expect(await token).toMatchObject({ code: 'network' });
  await restore;
  expect(w.violations).toEqual([]);
});

for (const mode of ['memory', 'cookie'] as const) {
  it(`${mode} mode: two tabs refreshing at once, the lock handed over before the broadcast lands, make one refresh and keep the session`, async () => {
    const {
      w,
      tabs: [a, b],
    } = await setup({ tabs: 2, mode, delivery: 'latent' });
    w.messageDelay = 50; // the broadcast trails the lock hand-off (a polyfill granting in a microtask, Chromium at times)
    w.latency = () => 20;
    const seq = w.seq;
    const both = Promise.all([a!.refresh(), b!.refresh()]);
    await w.advance(500);
    await both;
    expect(w.sent.filter((s) => s.kind === 'refresh' && s.seq > seq)).toHaveLength(1);
    expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
    expect(w.violations).toEqual([]);
  });
}

it('memory mode: a new tab asking for the session while another tab refreshes gets the rotated refresh token, not the one being spent', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ mode: 'memory', lifetime: 20 });
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  w.messageDelay = 2;
  w.sleep(60_000); // a's token is due
  const token = a!.getAccessToken(); // a's refresh is on its way
  await w.advance(0);
  const b = open(1);
  const restore = b.restore(); // asks the other tabs for the session at once
  await w.advance(1_000);
  await Promise.all([token, restore]);
  await w.advance(1_000);
  expect([a!.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(w.sent.filter((s) => s.kind === 'refresh').map((s) => s.outcome)).not.toContain('ended');
  expect(w.violations).toEqual([]);
});

it('memory mode: a logout in a new tab that has not got the refresh token yet still ends the session on the server', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ mode: 'memory', lifetime: 300 });
  w.messageDelay = 50; // the hand-over of the refresh token is still on its way
  const b = open(1);
  void b.restore();
  await w.advance(0);
  const out = b.logout(); // b holds no refresh token: its own logout call can't name the session
  await w.advance(1_000);
  await out;
  expect(a!.getState().status).toBe('unauthenticated');
  expect(alive(w)).toBe(0);
});

it("memory mode: a tab refreshing with the old session's refresh token while another tab's login lands keeps the new session", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory', delivery: 'latent' });
  w.killSessions(); // the server ends the session; b still holds its refresh token
  w.messageDelay = 50; // a's login reaches b after b's refresh went out
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  const login = a!.login(alice);
  await w.advance(10);
  await login;
  const refreshed = b!.refresh().catch(() => {}); // the lock is free: b refreshes with the old session's token
  await w.advance(500);
  await refreshed;
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(alive(w)).toBe(1);
  expect(w.violations).toEqual([]);
});

it("cookie mode: a refusal of the cookie another tab's login just set ends that session in every tab, though the login's news lands while the refresh is out (seed 164091736)", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, lifetime: 20 });
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  w.messageDelay = 250; // a's login news reaches b while b's refresh is out (after b's 200 ms wait for a's answer)
  const login = a!.login(alice); // holds the lane
  await w.advance(1);
  w.killSessions(); // the server ends every session, the one that login just made included
  const refreshed = b!.refresh(); // queues behind the login, and goes out with its cookie
  await w.advance(600);
  await login;
  await refreshed;
  expect(w.sent.filter((s) => s.kind === 'refresh').map((s) => s.outcome)).toEqual(['ended']);
  expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
  expect(b!.getState().error?.code).toBe('session_expired');
});

it("a login granted the lane right after another tab's refused restore keeps its session, though its clock is an hour behind (skewed-clock seed 928463841)", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ cold: true, clocks: 'skewed' });
  w.pauseClock(0, HOUR); // tab 0's clock stood still through an hour's sleep
  w.latency = (s) => (s.kind === 'refresh' ? 30 : 5);
  w.messageDelay = 20; // tab 1's news lands after the lane hand-off, and after tab 0's login is answered
  const b = open(1);
  const restored = b.restore(); // no cookie: refused, and tab 1 tells the others
  await w.advance(1);
  const login = a!.login(alice); // queues behind that restore
  await w.advance(200);
  await Promise.all([restored, login]);
  expect([a!.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated']);
});

it('a wrong password while the start-up restore still waits on the server leaves the start-up to that restore (model seed 1144558357)', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup();
  w.sticky = 'hang'; // refreshes hang until their timeout
  a!.dispose();
  // A frozen tab holds the lane and never lets it go: waits for it run out after 15 s with no release (fix 41).
  void w.locks.as(0).request('keycard:regressions:lane', {}, () => new Promise(() => {}));
  const b = open(1);
  const restored = b.restore();
  let answered = false;
  const login = b
    .login({ username: 'alice', password: 'wrong' })
    .catch((e: unknown) => e)
    .finally(() => (answered = true));
  // The restore runs once its wait runs out. Before fix 53 the login's ran out too and it was answered while the restore
  // still hung, and it settled the start-up as if the server had said "no session"; now it waits for its own tab's task.
  await w.advance(16_000);
  expect(answered).toBe(false);
  expect(b.getState().status).toBe('initializing');
  await w.advance(10_000); // the restore times out
  await restored;
  // The restore could not reach the server: signed out, saying why (not as if the server had said "no session").
  expect(b.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'network' } });
  await w.advance(16_000); // then the login's wait for the frozen tab runs out, and it is refused
  expect(await login).toMatchObject({ code: 'invalid_credentials' });
  expect(b.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'network' } });
});

// The lane: a task granted it after other tabs' tasks waits to hear each of their releases, as many as the lock
// manager says were ahead of it (src/tabs.ts). Each script below is one way the old rule (one release stamped after
// the task asked, or none once a task of this tab let the lane go) let a task run before the last holder's news.

it('memory mode: a refresh queued behind two tasks of another tab (a refresh, then a login) waits for the login’s news and refreshes nothing (seed -221440689)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory', delivery: 'latent' });
  w.latency = (s) => (s.kind === 'login' ? 50 : 5);
  w.messageDelay = 20; // a's release reaches b while a's login is out; the login's news, after b is granted the lane
  w.faults = ['500'];
  const refreshed = a!.refresh().catch(() => {}); // holds the lane, and fails: no news but its release
  const login = a!.login(alice); // queues behind it
  const seq = w.seq;
  const other = b!.refresh(); // queues behind both
  await w.advance(300);
  await Promise.all([refreshed, login, other]);
  // b heard the login's tokens before its turn: it refreshed nothing (not the old session, after the new one began).
  expect(refreshesAfter(w, 1, seq)).toEqual([]);
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
  w.userLogout(0, 'logout in tab 0');
  const out = a!.logout();
  await w.advance(100);
  await out;
  expect(w.zombies()).toEqual([]); // the user logged out of the newest session the tabs were handed
});

it('memory mode: a login queued behind another tab’s login, itself behind a login here, is the newer session, though this tab’s clock is hours behind (skewed-clock seed -683741211)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory', delivery: 'latent', clocks: 'skewed' });
  // Tab 0's clock stood still through a 4 h sleep that tab 1's ran through: tab 1's is hours ahead. (Tab 0 has
  // stamped news since its clock was right, so it is its lead over tab 0's last stamp that counts, hence tab 1's.)
  w.pauseClock(1, -4 * HOUR);
  w.messageDelay = 30; // each login's news lands after the next login in the lane is answered
  const first = a!.login(alice); // holds the lane
  const other = b!.login(alice); // queues behind it
  const last = a!.login(alice); // and this one behind both: the newest session
  await w.advance(300);
  await Promise.all([first, other, last]);
  // Both tabs hold the session of the login called last (in lane order), not the other tab's.
  const sids = await Promise.all([a!, b!].map(async (c) => w.issued.get((await c.getAccessToken()) as string)?.sid));
  expect(sids).toEqual([w.lastGranted, w.lastGranted]);
  w.userLogout(0, 'logout in tab 0');
  const out = a!.logout();
  await w.advance(100);
  await out;
  expect(w.zombies()).toEqual([]);
});

it('a login queued behind another tab’s refused restore, itself behind a refresh here, keeps its session, though its clock is an hour behind (skewed-clock seed -620252366)', async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ cold: true, clocks: 'skewed' });
  w.pauseClock(0, HOUR); // tab 0's clock stood still through an hour's sleep
  w.latency = (s) => (s.kind === 'refresh' ? 30 : 5);
  w.messageDelay = 20; // tab 1's news lands after the lane hand-off, and after tab 0's login is answered
  const refreshed = a!.refresh(); // no cookie: refused; holds the lane meanwhile
  await w.advance(1);
  const b = open(1);
  const restored = b.restore(); // queues behind it; no cookie either: refused, and tab 1 tells the others
  await w.advance(1);
  const login = a!.login(alice); // queues behind that restore
  await w.advance(300);
  await Promise.all([refreshed, restored, login]);
  expect([a!.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated']);
});

it("memory mode: a login called just after another tab's logout keeps its session, though its clock stood still through a sleep and it heard that logout only after the login went out (skewed-clock seeds -631508960, -1164978894, 20261128)", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ mode: 'memory', delivery: 'latent', clocks: 'skewed' });
  w.pauseClock(0, HOUR); // tab 0's clock stood still through an hour's sleep: every stamp of tab 1 is later
  w.latency = (s) => (s.kind === 'login' ? 30 : 5);
  w.messageDelay = 20; // tab 1's news (its restore's release first) lands after the lane hand-off
  const b = open(1);
  const restored = b.restore(); // no refresh token of its own: asks tab 0, lets the lane go at once
  const out = b.logout(); // the user logs out in tab 1; its server call takes the lane
  const login = a!.login(alice); // a moment later, in tab 0: queues behind that call
  await w.advance(300);
  await Promise.all([restored, out]);
  // The login was called after the logout (its turn came after the logout's call in the lane), so it signs the
  // user in, in both tabs, with the session it created.
  await expect(login).resolves.toMatchObject({ status: 'authenticated' });
  const sids = await Promise.all([a!, b].map(async (c) => w.issued.get((await c.getAccessToken()) as string)?.sid));
  expect(sids).toEqual([w.lastGranted, w.lastGranted]);
  const last = a!.logout();
  await w.advance(100);
  await last;
  expect(w.zombies()).toEqual([]);
});

it('a login called before a logout in another tab is still superseded by it, whatever the clocks (the lane puts the logout after it)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory', delivery: 'latent', clocks: 'skewed' });
  w.pauseClock(0, HOUR);
  w.latency = (s) => (s.kind === 'login' ? 30 : 5);
  w.messageDelay = 10; // the logout's news reaches tab 0 while its login is out
  const login = a!.login(alice).catch((e: unknown) => e); // holds the lane
  await w.advance(1);
  w.userLogout(1, 'logout in tab 1');
  const out = b!.logout(); // called after it: its server call queues behind the login
  await w.advance(300);
  await out;
  expect(await login).toMatchObject({ code: 'unauthenticated' });
  expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
  expect(w.zombies()).toEqual([]);
});

it("a logout here after this tab's login supersedes it, though another tab's earlier logout (its stamp ahead) went through the lane first (skewed-clock seed 20261128, history 73,111 of a 100,000 run)", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, clocks: 'skewed' });
  w.pauseClock(0, HOUR); // tab 0's clock stood still through a sleep: tab 1's logout is stamped after tab 0's
  w.messageDelay = 20;
  w.userLogout(1, 'logout in tab 1');
  const first = b!.logout(); // tab 1: its server call takes the lane
  const login = a!.login(alice).catch((e: unknown) => e); // then, in tab 0, a login
  w.userLogout(0, 'logout in tab 0');
  const last = a!.logout(); // and a logout after it: the login must not outlive it
  await w.advance(300);
  await Promise.all([first, last]);
  expect(await login).toMatchObject({ code: 'unauthenticated' });
  expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
  expect(w.zombies()).toEqual([]);
});

it("memory mode: a login queued behind another tab's logout waits for that tab's answer, not for a release it made before, heard late from a clock ahead (skewed-clock seed 20261128, history 88,226 of a 100,000 run)", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory', delivery: 'latent', clocks: 'skewed' });
  w.pauseClock(0, HOUR); // tab 1's stamps are an hour ahead of tab 0's
  w.latency = (s) => (s.kind === 'logout' ? 50 : 5);
  w.messageDelay = 80;
  const refreshed = b!.refresh(); // tab 1 takes the lane and lets it go; its release reaches tab 0 late
  await w.advance(20);
  await refreshed;
  w.userLogout(1, 'logout in tab 1');
  const out = b!.logout(); // its server call takes the lane
  await w.advance(5);
  const login = a!.login(alice); // then the user signs in in tab 0: it queues behind that logout's call
  await w.advance(600);
  await Promise.all([out, login]);
  // The release tab 0 heard first was the refresh's: going on then, the login signed tab 0 in before the logout's
  // news landed, and that news (stamped later, on tab 1's clock) signed it out again.
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(alive(w)).toBe(1);
  expect(w.violations).toEqual([]);
});

it.each(['memory', 'cookie'] as const)(
  "%s mode: a logout called while another tab's login is out supersedes it, though it is stamped before it (a clock that stood still) and its news lands after the login decided",
  async (mode) => {
    const {
      w,
      tabs: [a, b],
    } = await setup({ tabs: 2, mode, delivery: 'latent', clocks: 'skewed' });
    w.pauseClock(1, HOUR); // tab 1's clock is an hour behind: its logout is stamped before tab 0's login
    w.latency = (s) => (s.kind === 'login' ? 30 : 5);
    w.messageDelay = 50; // the logout's news reaches tab 0 after its login decided
    const login = a!.login(alice).catch((e: unknown) => e); // holds the lane
    await w.advance(1);
    w.userLogout(1, 'logout in tab 1');
    const out = b!.logout(); // called after it: its server call queues behind the login
    await w.advance(600);
    await Promise.all([out, login]);
    // Tab 0 could not know in time (its login had decided), so its login() resolved; then the logout won in both tabs
    // and at the server. Before, tab 1 adopted the login's session (stamped later) and tab 0 ignored the logout.
    expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
    // Both sessions are over at the server: the first by the logout's call, the login's by tab 1 once it heard the
    // login's news (in cookie mode that call went out before the login's cookie landed).
    expect(alive(w)).toBe(0);
    expect(w.jar).toBeNull();
    expect(w.violations).toEqual([]);
  },
);

it("memory mode: a refresh refused while another tab's login news lands, held up by a device sleep, refreshes that session rather than send its expired token (skewed-clock model, history 16,295 of the fixed seed)", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory', lifetime: 20 });
  // Tab 1's news (and its answer to tab 0's ping) takes longer than tab 0 waits for it (fix 43: 200 ms).
  w.messageDelay = 300;
  w.latency = (s) => (s.kind === 'refresh' ? 200 : 5);
  const login = b!.login(alice); // a new session in tab 1: its news to tab 0 is on its way when the device sleeps
  await w.advance(6);
  await login;
  w.sleep(HOUR); // both sessions' access tokens expire meanwhile
  w.faults = ['invalid_grant']; // tab 0's refresh token, the old session's, is refused
  const response = a!.fetch(`${BASE}/api/me`); // refreshes first; tab 1's news lands while that refresh is out
  await w.advance(1_000);
  // Tab 0 keeps the newer session (rule L7), whose token expired in the sleep: it refreshes that before sending.
  expect((await response).status).toBe(200);
  expect(a!.getState().status).toBe('authenticated');
});

it("a login in a tab opened after another tab's logout (so it never heard it) is after that logout, though its clock is an hour behind (skewed-clock history 43,256 of the fixed seed)", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ clocks: 'skewed' });
  w.latency = (s) => (s.kind === 'logout' ? 50 : 5);
  w.userLogout(0, 'logout in tab 0');
  const out = a!.logout(); // its news goes to no other tab yet; its server call holds the lane 50 ms
  const b = open(1); // a new tab, whose clock is an hour behind
  w.pauseClock(1, HOUR);
  const login = b.login(alice); // queues behind the logout's call, stamped before the logout on its own clock
  await w.advance(300);
  await Promise.all([out, login]);
  // The logout's call let the lane go before the login's turn: the login was called after it, and tab 0 takes it.
  expect([a!.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(w.violations).toEqual([]);
});

it("a tab opened after another tab's logout was announced learns of it from that logout's call letting the lane go (three-tab model, cookie mode)", async () => {
  const {
    w,
    tabs: [a, b],
    open,
  } = await setup({ tabs: 2 });
  w.latency = (s) => (s.kind === 'logout' ? 50 : s.kind === 'refresh' ? 30 : 5);
  w.messageDelay = 40;
  const refreshed = b!.refresh(); // tab 1 holds the lane; its answer comes before it hears of the logout
  await w.advance(1);
  w.userLogout(0, 'logout in tab 0');
  const out = a!.logout(); // announced to tab 1 only; its server call queues behind tab 1's refresh
  await w.advance(1);
  const c = open(2); // a new tab: it hears tab 1's refreshed tokens, stamped before nothing it knows
  await w.advance(300);
  await Promise.all([refreshed, out]);
  expect([a!.getState().status, b!.getState().status, c.getState().status]).toEqual([
    'unauthenticated',
    'unauthenticated',
    'unauthenticated',
  ]);
});

it("memory mode: a new tab that heard a session was refused does not adopt that session's older tokens from a tab that had not heard yet (three-tab model, seed 1942961612)", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ tabs: 2, mode: 'memory' });
  w.messageDelay = 20;
  w.faults = ['invalid_grant'];
  const refused = a!.refresh().catch(() => {}); // the server ends the session; the tabs hear it 20 ms later
  const c = open(2);
  const restored = c.restore(); // asks the tabs for the session: tab 1 answers before it hears of the refusal
  await w.advance(500);
  await Promise.all([restored, refused]);
  expect(alive(w)).toBe(0);
  expect(c.getState().status).toBe('unauthenticated');
});

it('three tabs against a hanging server: a tab queued behind two hung refreshes waits its turn instead of refreshing beside the second', async () => {
  const { w, tabs } = await setup({ tabs: 3, lifetime: 20 });
  w.sticky = 'hang'; // every refresh hangs until its 10 s timeout
  await w.advance(9_900);
  while (!w.sent.some((s) => s.kind === 'refresh')) await w.advance(1); // the timers fire: one tab holds the lane
  expect(w.locks.waiting()).toBe(2); // the other two queue behind it, one behind the other
  await w.advance(40_000); // the holder times out, the next one hangs 10 s more; the third waits 20 s and more
  expect(w.violations).toEqual([]);
  expect(w.sent.filter((s) => s.kind === 'refresh').length).toBeGreaterThanOrEqual(3);
  for (const tab of tabs) expect(tab.getState().status).not.toBe('initializing');
});

it('three tabs against a hanging server: when the tab holding the lane closes mid-refresh (no release), the tab queued last waits for the next holder instead of refreshing beside it (hanging-server model, history 17,183 of seed 20261129)', async () => {
  const {
    w,
    tabs: [a, b, c],
  } = await setup({ tabs: 3 });
  w.sticky = 'hang'; // every refresh hangs until its 10 s timeout
  const refreshes = [a!.refresh(), b!.refresh(), c!.refresh()].map((r) => r.catch(() => {}));
  await w.advance(1); // tab 0 holds the lane; tabs 1 and 2 queue behind it, their waits armed now
  expect(w.locks.waiting()).toBe(2);
  await w.advance(7_000);
  // Closed 7 s into its hung refresh: it lets the lane go without a word; tab 1 takes it and hangs 10 s. Before, tab 2's
  // wait ran out 15 s after it queued, 2 s before tab 1's release: it refreshed beside tab 1.
  w.disposed.add(0);
  a!.dispose();
  await w.advance(40_000);
  await Promise.all(refreshes);
  expect(w.violations).toEqual([]);
  // Each in turn (the retries of their transient failures follow).
  expect(
    w.sent
      .filter((s) => s.kind === 'refresh')
      .map((s) => s.client)
      .slice(0, 3),
  ).toEqual([0, 1, 2]);
});

it("memory mode: a tab opened after another tab's logout was posted hears it from a tab that took it, when the logout's tab closes before its server call lets the lane go (three-tab model, history 10,647 of seed 20261131)", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ mode: 'memory' });
  w.latency = (s) => (s.kind === 'logout' ? 100 : 5);
  w.messageDelay = 10;
  const b = open(1);
  const restored = [b.restore()]; // a new tab asks the others for the session (sync)
  w.userLogout(1, 'logout in tab 1');
  const out = b.logout(); // news though it has no session yet; its server call holds a place in the lane until answered
  const c = open(2); // opened after the logout was posted: that message never reaches it
  restored.push(c.restore());
  await w.advance(50); // tab 0 answers both syncs, then takes the logout (T2) and ends the session at the server
  w.disposed.add(1);
  b.dispose(); // closed before its logout's call let the lane go, which would have told tab 2 (fix 35)
  await w.advance(500);
  await Promise.all([out, ...restored]);
  // Before, tab 2 kept the session tab 0 handed it, which the server had ended.
  expect([a!.getState().status, c.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
  expect(w.violations).toEqual([]);
});

it("memory mode: a tab opened after another tab's refresh was refused hears it from a tab that took it, though a tab that had not heard yet handed it the session (fix 45)", async () => {
  const {
    w,
    tabs: [a, b],
    open,
  } = await setup({ tabs: 2, mode: 'memory' });
  w.messageDelay = 20;
  w.faults = ['invalid_grant'];
  const refused = b!.refresh().catch(() => {}); // the server ends the session; tab 1 says so (20 ms on the way)
  const c = open(2);
  const restored = [c.restore()]; // asks for the session before that news was posted: tab 0 answers it first
  await w.advance(8);
  const d = open(3); // opened after the refusal was posted: that message never reaches it, tab 0's answer does
  restored.push(d.restore());
  await w.advance(500);
  await Promise.all([refused, ...restored]);
  // Before, tab 3 kept the session tab 0 handed it, which the server had ended, until its next refresh.
  expect([a, b, c, d].map((t) => t!.getState().status)).toEqual(Array(4).fill('unauthenticated'));
  expect(w.violations).toEqual([]);
});

it("memory mode: another tab's answer to a new tab's sync hands the others the tokens they hold: no refresh event, and a refresh queued meanwhile still goes out (fix 46)", async () => {
  const {
    w,
    tabs: [a, b],
    open,
  } = await setup({ tabs: 2, mode: 'memory' });
  w.messageDelay = 20;
  const events: string[] = [];
  a!.onEvent((e) => events.push(e.type));
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  w.faults = ['503'];
  const failed = b!.refresh().catch(() => {}); // tab 1 holds the lane 100 ms, and gets nothing new
  await w.advance(1);
  const c = open(2);
  const restored = c.restore(); // asks for the session: tab 1 answers once its lane is empty, tab 0 once its own is
  const before = await a!.getAccessToken();
  const forced = a!.refresh(); // queues behind tab 1, while the answer goes round
  await w.advance(1_000);
  await Promise.all([failed, restored, forced]);
  // Before, tab 0 took tab 1's answer to the sync, the tokens it held, for new ones: a refresh event, and its queued
  // refresh found them "delivered" and asked nothing.
  expect(w.sent.filter((s) => s.kind === 'refresh').map((s) => s.client)).toEqual([1, 0]);
  expect(await a!.getAccessToken()).not.toBe(before);
  expect(events).toEqual(['refresh']); // its own
  expect(c.getState().status).toBe('authenticated');
  expect(w.violations).toEqual([]);
});

/**
 * History 19,086's start: two tabs open after tab 0's login was announced, so neither hears it; tab 2's clock stood
 * still through a sleep (its stamps are an hour behind tab 0's login); tab 1's page-load restore holds the lane and tab
 * 2's queues behind it; then the user logs out in tab 2, stamped before the login that began the session, and its
 * server call queues in the lane.
 */
async function logoutBeforeItsSession(w: World, open: (i: number) => AuthClient) {
  const b = open(1);
  const c = open(2);
  w.pauseClock(2, HOUR);
  const restored = [b.restore(), c.restore()];
  await w.advance(1);
  w.userLogout(2, 'logout in tab 2');
  return { b, c, restored, out: c.logout() };
}

it.each(['cookie', 'memory'] as const)(
  '%s mode: a logout in a tab whose clock stood still before it heard anything of the session (its page-load restore still queued) ends that session in every tab (three-tab skewed-clock model, history 19,086 of the fixed seed)',
  async (mode) => {
    const {
      w,
      tabs: [a],
      open,
    } = await setup({ mode, clocks: 'skewed' });
    w.latency = (s) => (s.kind === 'refresh' ? 30 : s.kind === 'logout' ? 50 : 5);
    w.messageDelay = 10; // in memory mode, tab 0's answer to the new tabs' sync lands after the logout
    const { b, c, restored, out } = await logoutBeforeItsSession(w, open);
    await w.advance(500);
    await Promise.all([out, ...restored]);
    // Before, tab 0 dropped the logout (rule T1: a login called after it, by the stamps) and stayed signed in on a
    // session the server had ended.
    expect([a!.getState().status, b.getState().status, c.getState().status]).toEqual([
      'unauthenticated',
      'unauthenticated',
      'unauthenticated',
    ]);
    expect(w.zombies()).toEqual([]);
    expect(w.violations).toEqual([]);
  },
);

it("a login after such a logout, in a tab whose clock is further behind, signs every tab in: the logout's call letting the lane go names the stamp it was said again at (rule N4)", async () => {
  const {
    w,
    tabs: [a],
    open,
  } = await setup({ clocks: 'skewed' });
  w.latency = (s) => (s.kind === 'refresh' ? 30 : s.kind === 'logout' ? 80 : 5);
  w.messageDelay = 10;
  // Tab 0 keeps its session (T1) and says so; tab 2 says its logout again, stamped after that.
  const { b, c, restored, out } = await logoutBeforeItsSession(w, open);
  await w.advance(40);
  const d = open(3); // a new tab, two hours behind, that has heard nothing
  w.pauseClock(3, 2 * HOUR);
  const login = d.login(alice); // called after the logout: it queues behind the logout's server call
  await w.advance(500);
  await Promise.all([out, login, ...restored]);
  // Its login's stamp moves past the logout its turn came after (rule N2): past the stamp that logout was said again
  // at, which the tabs that heard it hold. Before, it moved only past the first stamp, and those tabs dropped it (T7).
  expect([a!, b, c, d].map((t) => t.getState().status)).toEqual([
    'authenticated',
    'authenticated',
    'authenticated',
    'authenticated',
  ]);
  expect(alive(w)).toBe(1);
  expect(w.violations).toEqual([]);
});

it("a login called after another tab's logout keeps its session when that logout's news lands late: the logout's call has let the lane go, so its tab does not say it again (rule N4)", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2 });
  w.messageDelay = 40; // the logout's news reaches tab 0 after its login decided
  w.userLogout(1, 'logout in tab 1');
  const out = b!.logout(); // its server call is answered in 5 ms and lets the lane go
  await w.advance(10);
  const login = a!.login(alice); // called after it: tab 0 drops the logout when it lands (T1) and says so (`kept`)
  await w.advance(300);
  await Promise.all([out, login]);
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(alive(w)).toBe(1);
  expect(w.violations).toEqual([]);
});

it('memory mode: a refresh granted the lane at once, right after another tab let it go, waits for that tab’s rotated refresh token (three-tab skewed history 24,973)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, mode: 'memory' });
  w.messageDelay = 50; // tab 1's news trails its release of the lane
  const rotated = b!.refresh();
  await w.advance(10); // tab 1 has let the lane go; its rotated refresh token is still on its way to tab 0
  await rotated;
  expect(w.locks.held.size).toBe(0);
  const refreshed = a!.refresh(); // granted at once
  await w.advance(300);
  await refreshed;
  // Tab 0 heard tab 1 first: it adopted those tokens (or refreshed with the rotated token), never the spent one.
  expect(w.violations).toEqual([]);
  expect([a!.getState().status, b!.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(alive(w)).toBe(1);
});

it("a login in a tab opened after another tab's logout is after it for every tab, though its clock is an hour behind and the logout's tab closed before its call let the lane go (fix 47; three-tab skewed seed 20261138, history 52,209)", async () => {
  const {
    w,
    tabs: [a, b],
    open,
  } = await setup({ tabs: 2, clocks: 'skewed' });
  w.latency = (s) => (s.kind === 'refresh' ? 100 : 5);
  const refreshed = b!.refresh(); // tab 1 holds the lane
  await w.advance(1);
  w.userLogout(0, 'logout in tab 0');
  const out = a!.logout(); // tab 1 takes it; its server call is answered at once, its place queues behind tab 1
  await w.advance(10);
  const c = open(2); // opened after the logout was posted: that message never reaches it
  w.pauseClock(2, HOUR); // and its clock is an hour behind tab 0's (the wall clock was set back since tab 0 opened)
  const restored = c.restore();
  await w.advance(10);
  const login = c.login(alice); // queued behind tab 1's refresh and its own restore, after the logout's place
  w.disposed.add(0);
  a!.dispose(); // closed before the logout's place in the lane came: no release tells tab 2 of it (rule N2)
  await w.advance(500);
  await Promise.all([refreshed, out, restored, login]);
  // Before, tab 2's login was stamped an hour before the logout it never heard, and tab 1 dropped its news (T7): signed
  // out while the user was signed in. Now tab 2 asked the tabs to answer when it opened, and stamps after their clocks.
  expect([b!.getState().status, c.getState().status]).toEqual(['authenticated', 'authenticated']);
  expect(w.violations).toEqual([]);
});

it('a rogue lane message claiming a logout at Infinity changes nothing: a login after it is still signed out by a logout in another tab (fix 40)', async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ tabs: 2, cold: true });
  const rogue = new BroadcastChannel('regressions');
  rogue.postMessage({ type: 'pong', at: 1, to: 1, out: Infinity });
  rogue.postMessage({ type: 'busy', at: 1, on: false, out: Infinity });
  await w.advance(10);
  rogue.close();
  const login = a!.login(alice);
  await w.advance(300);
  await login;
  const out = b!.logout();
  await w.advance(300);
  await out;
  expect([a!.getState().status, b!.getState().status]).toEqual(['unauthenticated', 'unauthenticated']);
});

it("storage mode: a tab that hears of a refusal late, after another tab's login stored its refresh token in the TokenStorage they share, leaves that token alone (fix 48)", async () => {
  const {
    w,
    tabs: [a, b],
  } = await setup({ mode: 'storage', tabs: 2 });
  w.messageDelay = 3_000; // a hears of everything below only once it is over
  w.killSessions();
  const refused = b!.refresh(); // refused: the session is over, b says so
  await w.advance(500);
  await refused;
  expect(b!.getState().status).toBe('unauthenticated');
  const login = b!.login(alice);
  await w.advance(500);
  await login;
  const stored = w.storedRt();
  expect(stored).not.toBeNull();
  await w.advance(3_000); // a hears the refusal, then the login
  expect(a!.getState().status).toBe('authenticated');
  expect(w.storedRt()).toBe(stored); // before: a removed it as its own
  const again = a!.refresh();
  await w.advance(500);
  await again;
  expect(a!.getState().status).toBe('authenticated');
  expect(b!.getState().status).toBe('authenticated');
  expect(w.violations).toEqual([]);
});

it('storage mode: tokens that expired while the TokenStorage wrote their rotated refresh token (the device clock jumped) are refreshed again before a caller gets one (fix 49)', async () => {
  const {
    w,
    tabs: [a],
  } = await setup({ mode: 'storage', lifetime: 20 });
  w.storageDelay = 50;
  const refreshed = a!.refresh();
  await w.advance(80); // read, sent, answered; the rotated refresh token is being written
  expect(w.sent.filter((s) => s.kind === 'refresh')).toHaveLength(1);
  const token = a!.getAccessToken(); // joins that refresh
  w.jump(HOUR);
  await w.advance(2_000);
  await refreshed;
  const issued = w.issued.get((await token) as string);
  expect(Date.now()).toBeLessThan((issued?.deliveredAt as number) + (issued?.lifetimeMs as number));
  expect(w.sent.filter((s) => s.kind === 'refresh')).toHaveLength(2);
  expect(a!.getState().status).toBe('authenticated');
});

it("storage mode: a logout during a refresh's TokenStorage read (a write owed to a locked storage) asks nothing, and the logout ends the session at the server (fix 52)", async () => {
  const {
    w,
    tabs: [a],
  } = await setup({ mode: 'storage', lifetime: 3600 });
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  w.storageDelay = 5;
  w.storageLocked = true;
  const first = a!.refresh(); // answered; its rotated refresh token can't be stored: a write is owed
  await w.advance(1_100); // and past the one-refresh-a-second guard
  await first;
  const before = w.sent.length;
  const refreshed = a!.refresh(); // its read writes the owed token again, which takes a moment
  await w.advance(1);
  const out = a!.logout();
  await w.advance(1_000);
  await Promise.all([refreshed, out]);
  // Before: the read handed back what the logout left (no token), the refresh took the logged-out state for a session
  // handed over, read again and sent a refresh, adopted its answer: signed in after the logout, on a session the
  // logout's call (naming the rotated-away token) did not end.
  expect(w.sent.slice(before).map((s) => s.kind)).toEqual(['logout']);
  expect(a!.getState().status).toBe('unauthenticated');
  expect(alive(w)).toBe(0);
});

it('storage mode: tokens that expired while stored twice in a row (a storage slower than the token lives) are a transient failure, not handed out (fix 54)', async () => {
  const {
    w,
    tabs: [a],
  } = await setup({ mode: 'storage', lifetime: 20 });
  w.storageDelay = 50;
  const refreshed = a!.refresh().catch((e: unknown) => e);
  await w.advance(80); // read, sent, answered; the rotated refresh token is being written
  const token = a!.getAccessToken().catch((e: unknown) => e); // joins that refresh
  w.jump(HOUR);
  await w.advance(100); // written: expired, so refreshed again (fix 49): read, sent, answered, being written
  expect(w.sent.filter((s) => s.kind === 'refresh')).toHaveLength(2);
  w.jump(HOUR);
  await w.advance(2_000);
  // Before, the second refresh's tokens, expired too, were handed out as fresh.
  expect(await refreshed).toMatchObject({ code: 'network' });
  expect(await token).toMatchObject({ code: 'network' });
  expect(a!.getState().status).toBe('authenticated'); // the session is kept, and retried with backoff
  await w.advance(60_000);
  expect(await a!.getAccessToken()).toMatch(/\./);
});
