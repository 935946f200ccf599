// The browser claims, as one suite every engine runs (chromium.engine.test.ts, firefox.test.ts, webkit.test.ts): a
// login kept across a reload by the HttpOnly cookie alone, two tabs through the engine's Web Locks and
// BroadcastChannel, tabs whose clocks disagree, a 401's replay with the same body, the back-forward cache in cookie
// and memory mode, and the allow-list with the engine's URL parser as the oracle. tabs.chromium.test.ts and
// origins.chromium.test.ts hold what only Chromium is asked. The engines and how each is driven: engines.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from './chromium';
import type { Engine, EngineKind, Tab } from './engines';
import {
  DECISION_LISTS,
  expectAttackFoiled,
  startOriginsPages,
  type Listening,
  type OriginsApi,
} from './origins.pages';
import { expectReplayed, replayBodies } from './replay.page';

// `#behind`: the tab's monotonic clock two hours behind, as after a laptop's sleep (w3c/hr-time#115), set before
// keycard loads. `#memory`: the refresh token in memory; `#storage`: in a TokenStorage the tabs share (the page's
// localStorage: the test's choice, not keycard's); the default here: cookie mode.
export const PAGE = `<!doctype html><meta charset="utf-8">
<script>
if (location.hash.includes('behind')) {
  const now = performance.now.bind(performance);
  performance.now = () => now() - 7200000;
}
</script>
<script src="/keycard.js"></script>
<script>
window.auth = keycard.createAuthClient({
  baseUrl: location.origin,
  refreshToken: location.hash.includes('memory')
    ? 'memory'
    : location.hash.includes('storage')
      ? {
          get: async (key) => localStorage.getItem(key),
          set: async (key, value) => localStorage.setItem(key, value),
          remove: async (key) => localStorage.removeItem(key),
        }
      : 'cookie',
});
window.heard = [];
auth.onEvent((e) => e.type === 'refresh' && heard.push(e.trigger));
window.replays = 0;
auth.onEvent((e) => e.type === 'replay' && replays++);
window.restored = auth.restore();
addEventListener('pageshow', (e) => (window.fromCache = e.persisted));
</script>`;
const alice = { username: 'alice', password: 'wonderland' };

/**
 * The suite in `engine`, as a describe block named after it. Skipped where the engine is missing (one line says so),
 * except in CI, where a missing browser must fail the run.
 */
export function describeEngine(engine: EngineKind): void {
  if (!engine.present)
    console.warn(
      `[keycard ${engine.name}] Not installed (apt-get install ${engine.packages}): ${process.env.CI ? 'FAILING, since CI is set' : `SKIPPING the ${engine.name} tests`}.`,
    );
  describe.skipIf(!engine.present && !process.env.CI)(engine.name, () => suite(engine));
}

function suite({ name, launch, evicts, foreignHost }: EngineKind): void {
  let browser: Engine;
  let url: string;
  let close: (() => Promise<void>) | undefined;
  const stats = async (at = url) => (await fetch(`${at}/admin/stats`)).json() as Promise<Record<string, number>>;
  const admin = (path: string) => fetch(`${url}/admin/${path}`, { method: 'POST' });

  // Every tab a test opened is closed after it, passed or failed: a tab left open would go on refreshing, and tabs of
  // another test's server share its cookies (a cookie's scope is the host, not the port).
  const opened = new Set<Tab>();
  afterEach(async () => {
    for (const tab of opened) await tab.close().catch(() => {});
    opened.clear();
  });

  /** A new tab of the one profile at `at` (`hash` added), its start-up restore settled. */
  async function open(hash = '', at = url): Promise<Tab> {
    const opening = await browser.open(`${at}/${hash}`);
    const tab: Tab = { ...opening, close: () => (opened.delete(tab), opening.close()) };
    opened.add(tab);
    await tab.run(() => restored.then(() => {}));
    return tab;
  }
  const status = (tab: Tab) => tab.run(() => auth.getState().status);
  const login = (tab: Tab) => tab.run((c) => auth.login(c).then(() => {}), alice);

  beforeAll(async () => {
    // A 4 s token (refreshed every 2 s) whose refresh cookie rotates on each refresh; a reused one ends the session.
    ({ url, close } = await servePage(PAGE, {
      tokenLifetime: 4,
      refreshTokenMode: 'cookie',
      refreshTokenReuseGrace: 0,
    }));
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  it('a login survives a reload through the HttpOnly cookie alone: nothing in localStorage, sessionStorage or document.cookie', async () => {
    const tab = await open();
    expect(await status(tab)).toBe('unauthenticated');
    await login(tab);
    await tab.reload();
    expect(await tab.run(() => restored.then((s) => s.status))).toBe('authenticated');
    expect(await tab.run(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);
    await tab.run(() => auth.logout());
    await tab.close();
  }, 30_000);

  it('two tabs through Web Locks: one refresh per period, one for both tabs 401s, and a logout or login in one is both tabs', async () => {
    const [a, b] = [await open(), await open()];
    expect(await a.run(() => typeof navigator.locks?.request)).toBe('function');
    await login(a);
    await expect.poll(() => status(b)).toBe('authenticated');
    await admin('reset-stats');
    await new Promise((r) => setTimeout(r, 7_000));
    // Each period one tab's timer refreshed and the other took the tokens from it: no second refresh, no reuse.
    const periods = [...(await a.run(() => heard.splice(0))), ...(await b.run(() => heard.splice(0)))];
    const timers = periods.filter((trigger) => trigger === 'timer').length;
    expect(timers).toBeGreaterThanOrEqual(2);
    expect(periods.filter((trigger) => trigger === 'tab')).toHaveLength(timers);
    expect(await stats()).toMatchObject({ refreshes: timers, refreshFailures: 0 });

    // Timers aimed afresh, 2 s off: no timer's refresh lands among the 401s' one.
    await a.run(() => auth.refresh().then(() => {}));
    await admin('reset-stats');
    await admin('revoke-access-tokens');
    // Both tabs' requests start before either is read back (a WebDriver session runs one command at a time).
    const start = (tab: Tab) =>
      tab.run(() => {
        (window as unknown as { api: Promise<number[]> }).api = Promise.all(
          Array.from({ length: 5 }, () => auth.fetch('/api/items').then((r) => r.status)),
        );
      });
    const read = (tab: Tab) => tab.run(() => (window as unknown as { api: Promise<number[]> }).api);
    await start(a);
    await start(b);
    expect([...(await read(a)), ...(await read(b))]).toEqual(Array(10).fill(200));
    // One refresh for both tabs: each request that met a 401 (the revoked token; all of the first tab's, and those of
    // the second that went out before the new tokens reached it) was replayed once with the new one.
    const { refreshes, refreshFailures, api401s, apiCalls } = await stats();
    expect({ refreshes, refreshFailures }).toEqual({ refreshes: 1, refreshFailures: 0 });
    expect(api401s).toBeGreaterThanOrEqual(5);
    expect(apiCalls).toBe(10 + (api401s as number));

    await b.run(() => auth.logout());
    await expect.poll(() => status(a)).toBe('unauthenticated');
    await login(b);
    await expect.poll(() => status(a)).toBe('authenticated');
    await a.close();
    await b.close();
  }, 40_000);

  it('tabs whose clocks disagree: a logout in the tab two hours behind signs out the tab that logged in, which logs in again', async () => {
    const older = await open('#behind');
    const newer = await open();
    expect(await older.run(() => Date.now() - (performance.timeOrigin + performance.now()))).toBeGreaterThan(7e6);
    await login(newer);
    await expect.poll(() => status(older)).toBe('authenticated');
    await older.run(() => auth.logout());
    await expect.poll(() => status(newer)).toBe('unauthenticated');
    expect(await newer.run((c) => auth.login(c).then((s) => s.status), alice)).toBe('authenticated');
    await expect.poll(() => status(older)).toBe('authenticated');
    await older.close();
    await newer.close();
  }, 30_000);

  it('a 401 is replayed with the same body: a string, a Request (with or without the init’s body), a Blob, bytes, a URL with Headers', async () => {
    const tab = await open();
    expectReplayed(await tab.run(replayBodies));
  }, 30_000);

  describe('the back-forward cache', () => {
    // 10-minute tokens unless a test asks for 6 s ones: nothing is due while a tab is away, so only what keycard does
    // on its return can change it.
    let at: string;
    const servers: Array<() => Promise<void>> = [];
    const serve = async (refreshTokenMode: 'cookie' | 'body', tokenLifetime = 600) => {
      const served = await servePage(PAGE, { tokenLifetime, refreshTokenMode, refreshTokenReuseGrace: 0 });
      servers.push(served.close);
      // Another host than the first server's 127.0.0.1, so that each has a cookie jar of its own.
      at = served.url.replace('127.0.0.1', 'localhost');
    };
    afterAll(() => Promise.all(servers.map((close) => close())));

    const away = async (tab: Tab) => {
      await new Promise((r) => setTimeout(r, 1000)); // the lane's news lock let go: a page holding a Web Lock is not cached
      await tab.run(() => ((window as unknown as { fromCache?: boolean }).fromCache = undefined)); // pageshow sets it
      await tab.goto(`${at}/admin/stats`); // another site's page, as far as keycard is concerned
    };
    /** Back: whether from the cache, whether it has a token (once what it asked for on its return has settled). */
    const back = async (tab: Tab): Promise<[boolean | null, boolean, string[]]> => {
      await tab.back();
      const fromCache = () => tab.run(() => (window as unknown as { fromCache?: boolean }).fromCache ?? null);
      await expect.poll(fromCache).not.toBeNull();
      const token = await tab.run(() => restored.then(() => auth.getAccessToken()));
      return [await fromCache(), token !== null, await tab.run(() => heard.splice(0))];
    };

    /**
     * Two tabs of a new server keeping the refresh token in the body (`#memory`, `#storage`), signed in (b by a's
     * hand-over or from the storage), and a gone to another page.
     */
    const awayTabs = async (hash: '#memory' | '#storage', tokenLifetime?: number) => {
      await serve('body', tokenLifetime);
      const a = await open(hash, at);
      await login(a);
      const b = await open(hash, at);
      expect(await status(b)).toBe('authenticated');
      await away(a);
      return [a, b] as const;
    };

    it(`cookie mode: a tab comes back signed in (asking again), and after a logout in another tab signed out (${evicts ? 'evicted' : 'asking again'})`, async () => {
      await serve('cookie');
      const a = await open('', at);
      await login(a);
      await a.run(() => heard.splice(0));
      await away(a);
      expect(await back(a)).toEqual([true, true, ['restore']]);

      await away(a);
      const b = await open('', at);
      await b.run(() => auth.logout());
      await b.close();
      // It asked before handing out the old token: the session the other tab ended is gone here too. (Evicted, it
      // loaded afresh and restored signed out.)
      expect(await back(a)).toEqual([!evicts, false, []]);
      expect(await status(a)).toBe('unauthenticated');
      await a.close();
    }, 30_000);

    it('memory mode: a logout in another tab while it was away signs it out on its return; a login after that signs it in', async () => {
      const [a, b] = await awayTabs('#memory');
      await b.run(() => auth.logout());
      await new Promise((r) => setTimeout(r, 500)); // its server call let the lane go
      // Back, it asked the open tab, whose answer named that logout: the session is over here too.
      expect((await back(a))[0]).toBe(!evicts);
      await expect.poll(() => status(a)).toBe('unauthenticated');
      expect(await a.run(() => auth.getAccessToken())).toBeNull();

      await login(b);
      await expect.poll(() => status(a)).toBe('authenticated');
      await away(a);
      await b.run(() => auth.logout());
      await login(b); // a new session, begun while a was away
      expect((await back(a))[0]).toBe(!evicts);
      const token = await b.run(() => auth.getAccessToken());
      await expect.poll(() => a.run(() => auth.getAccessToken())).toBe(token);
      expect(await status(a)).toBe('authenticated');
    }, 30_000);

    it('memory mode: the open tab hands over the refresh token it rotated meanwhile, so no reuse ends the session', async () => {
      const [a, b] = await awayTabs('#memory');
      await b.run(() => auth.refresh().then(() => {})); // rotates the refresh token; a, cached, never hears of it
      expect((await back(a))[0]).toBe(!evicts);
      const token = await b.run(() => auth.getAccessToken());
      await expect.poll(() => a.run(() => auth.getAccessToken())).toBe(token);
      // a refreshes with the rotated refresh token, not the one it held (the server would take that for theft).
      expect(await a.run(() => auth.refresh().then((s) => s.status))).toBe('authenticated');
      await expect.poll(() => status(b)).toBe('authenticated');
      expect(await stats(at)).toMatchObject({ refreshFailures: 0 });
      await a.close();
      await b.close();
    }, 30_000);

    it('a TokenStorage the tabs share: back after its refresh fell due, it refreshes with the token the open tab stored meanwhile; after a logout there, it comes back signed out', async () => {
      const [a, b] = await awayTabs('#storage', 6);
      // b's timer rotates the refresh token while a is away (at 3 s), and a's own refresh is overdue on its return.
      await new Promise((r) => setTimeout(r, 5_000));
      expect((await back(a)).slice(0, 2)).toEqual([!evicts, true]);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await stats(at)).toMatchObject({ refreshFailures: 0 });
      expect([await status(a), await status(b)]).toEqual(['authenticated', 'authenticated']);

      await away(a);
      await b.run(() => auth.logout());
      await b.close();
      expect((await back(a)).slice(0, 2)).toEqual([!evicts, false]);
      expect(await status(a)).toBe('unauthenticated');
      expect(await a.run(() => localStorage.length)).toBe(0);
      await a.close();
    }, 30_000);

    it('memory mode: back after its refresh fell due, while the open tab rotated the refresh token, it refreshes with the rotated one', async () => {
      // 6 s tokens, refreshed at 3 s: b's timer rotates the refresh token while a is away, and a's is overdue on its return.
      const [a, b] = await awayTabs('#memory', 6);
      await new Promise((r) => setTimeout(r, 5_000));
      // Its token expired meanwhile: what it hands out on its return is b's, handed over (or, evicted, its restore's),
      // and its timer (WebKit resumes a cached page's timers with the time they had left) falls due soon after.
      const [fromCache, token, refreshed] = await back(a);
      expect([fromCache, token]).toEqual([!evicts, true]);
      expect(refreshed.filter((trigger) => trigger !== 'tab')).toEqual([]); // b's, handed over; none of its own
      await new Promise((r) => setTimeout(r, 3_000));
      // Neither spent the refresh token it held before b rotated it (the server would take that for theft).
      expect(await stats(at)).toMatchObject({ refreshFailures: 0 });
      expect([await status(a), await status(b)]).toEqual(['authenticated', 'authenticated']);
      await a.close();
      await b.close();
    }, 30_000);
  });

  // origins.chromium.test.ts's checks with this engine's URL parser as the oracle: the decision keycard makes here,
  // with the engine's own URL, and real requests. (React Native's reader is checked against Chromium's parser only:
  // Gecko and WebKit each depart from the URL standard it follows, see firefox.test.ts and webkit.test.ts.)
  describe('the allow-list', () => {
    let page: Listening;
    let evil: Listening;
    let stop: (() => Promise<void>) | undefined;
    let tab: Tab;
    beforeAll(async () => {
      ({ page, evil, close: stop } = await startOriginsPages());
      tab = await browser.open(`${page.origin}/app/`);
    }, 60_000);
    afterAll(async () => {
      await tab?.close();
      await stop?.();
    });

    it(`the decision equals ${name} URL parser’s for the default list and an apiOrigins list (2 × 2,500 cases)`, async () => {
      const results = await tab.run(async (lists) => {
        const origins = (window as unknown as OriginsApi).keycardOrigins;
        return [await origins.decisions(lists[0]!, 2500), await origins.decisions(lists[1]!, 2500)];
      }, DECISION_LISTS);
      for (const r of results) expect(r).toMatchObject({ counterexample: null, failed: false, runs: 2500 });
      expect(results[0]!.attachedCount).toBeGreaterThan(100);
    }, 60_000);

    it(`${foreignHost} gets no Authorization for /\\host/x, tab/CR/LF variants, \\\\host or an object whose .url is allowed`, async () => {
      const before = evil.seen.length;
      const result = await tab.run(
        (target) => (window as unknown as OriginsApi).keycardOrigins.attack(target),
        `http://${foreignHost}:${evil.port}`,
      );
      expectAttackFoiled(result, evil.seen.slice(before), page);
    }, 60_000);
  });
}

declare const auth: import('../src/types').AuthClient;
declare const heard: string[];
declare const restored: Promise<import('../src/types').AuthState>;
