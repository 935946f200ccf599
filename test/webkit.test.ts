// The browser claims in Safari's engine: Debian's WebKitGTK (WebKit's own BroadcastChannel, Web Locks, cookie jar,
// page cache and URL parser) with Intelligent Tracking Prevention on, as Safari has it, driven over WebDriver
// (test/webkit.ts). WebKitGTK is not Safari: what Apple adds on top (its network stack, iCloud Private Relay,
// the storage caps of a home-screen web app) is not here.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from './chromium';
import {
  DECISION_LISTS,
  expectAttackFoiled,
  startOriginsPages,
  type Listening,
  type OriginsApi,
} from './origins.pages';
import { launchWebKit, MINIBROWSER, type Tab, WEBKIT_DRIVER, type WebKit, XVFB } from './webkit';

// `#behind`: the tab's monotonic clock two hours behind, as after a laptop's sleep (w3c/hr-time#115), set before
// keycard loads (WebDriver classic has no script-before-the-page). `#memory`: the refresh token in memory.
const PAGE = `<!doctype html><meta charset="utf-8">
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
  refreshToken: location.hash.includes('memory') ? 'memory' : 'cookie',
});
window.heard = [];
auth.onEvent((e) => e.type === 'refresh' && heard.push(e.trigger));
window.restored = auth.restore();
addEventListener('pageshow', (e) => (window.fromCache = e.persisted));
</script>`;
const alice = { username: 'alice', password: 'wonderland' };

let browser: WebKit | undefined;
let url: string;
let close: (() => Promise<void>) | undefined;
const stats = async () => (await fetch(`${url}/admin/stats`)).json() as Promise<Record<string, number>>;
const admin = (path: string) => fetch(`${url}/admin/${path}`, { method: 'POST' });

/** A new window of the one profile, its start-up restore settled. */
async function open(hash = ''): Promise<Tab> {
  const tab = await (browser as WebKit).open(`${url}/${hash}`);
  await tab.run(() => restored.then(() => {}));
  return tab;
}
const status = (tab: Tab) => tab.run(() => auth.getState().status);

// Skipped where there is no WebKitGTK, except in CI, where a missing browser must fail the run.
const hasWebKit = [WEBKIT_DRIVER, MINIBROWSER, XVFB].every((file) => existsSync(file));
if (!hasWebKit)
  console.warn(
    `[keycard webkit] No WebKitGTK (${WEBKIT_DRIVER}, ${MINIBROWSER}) or Xvfb (apt-get install webkit2gtk-driver xvfb): ${process.env.CI ? 'FAILING, since CI is set' : 'SKIPPING the WebKit tests'}.`,
  );

describe.skipIf(!hasWebKit && !process.env.CI)('WebKit', () => {
  beforeAll(async () => {
    // A 4 s token (refreshed every 2 s) whose refresh cookie rotates on each refresh; a reused one ends the session.
    ({ url, close } = await servePage(PAGE, {
      tokenLifetime: 4,
      refreshTokenMode: 'cookie',
      refreshTokenReuseGrace: 0,
    }));
    browser = await launchWebKit({ extraArgs: ['--enable-itp'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  it('a login survives a reload through the HttpOnly cookie alone: nothing in localStorage, sessionStorage or document.cookie', async () => {
    const tab = await open();
    expect(await tab.run(() => navigator.userAgent)).toContain('AppleWebKit');
    expect(await status(tab)).toBe('unauthenticated');
    await tab.run((c) => auth.login(c).then(() => {}), alice);
    await tab.reload();
    expect(await tab.run(() => restored.then((s) => s.status))).toBe('authenticated');
    expect(await tab.run(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, '']);
    await tab.run(() => auth.logout());
    await tab.close();
  }, 30_000);

  it('two tabs through Web Locks: one refresh per period, one for both tabs 401s, and a logout or login in one is both tabs', async () => {
    const [a, b] = [await open(), await open()];
    expect(await a.run(() => typeof navigator.locks?.request)).toBe('function');
    await a.run((c) => auth.login(c).then(() => {}), alice);
    await expect.poll(() => status(b)).toBe('authenticated');
    await admin('reset-stats');
    await new Promise((r) => setTimeout(r, 7_000));
    // Each period one tab's timer refreshed and the other took the tokens from it: no second refresh, no reuse.
    const periods = [...(await a.run(() => heard.splice(0))), ...(await b.run(() => heard.splice(0)))];
    const timers = periods.filter((trigger) => trigger === 'timer').length;
    expect(timers).toBeGreaterThanOrEqual(2);
    expect(periods.filter((trigger) => trigger === 'tab')).toHaveLength(timers);
    expect(await stats()).toMatchObject({ refreshes: timers, refreshFailures: 0 });

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
    // Each request met one 401 (the revoked token) and was replayed once with the new one.
    expect(await stats()).toMatchObject({ refreshes: 1, refreshFailures: 0, api401s: 10, apiCalls: 20 });

    await b.run(() => auth.logout());
    await expect.poll(() => status(a)).toBe('unauthenticated');
    await b.run((c) => auth.login(c).then(() => {}), alice);
    await expect.poll(() => status(a)).toBe('authenticated');
    await a.close();
    await b.close();
  }, 40_000);

  it('tabs whose clocks disagree: a logout in the tab two hours behind signs out the tab that logged in, which logs in again', async () => {
    const older = await open('#behind');
    const newer = await open();
    expect(await older.run(() => Date.now() - (performance.timeOrigin + performance.now()))).toBeGreaterThan(7e6);
    await newer.run((c) => auth.login(c).then(() => {}), alice);
    await expect.poll(() => status(older)).toBe('authenticated');
    await older.run(() => auth.logout());
    await expect.poll(() => status(newer)).toBe('unauthenticated');
    expect(await newer.run((c) => auth.login(c).then((s) => s.status), alice)).toBe('authenticated');
    await expect.poll(() => status(older)).toBe('authenticated');
    await older.close();
    await newer.close();
  }, 30_000);

  // Unlike Chromium and Firefox (bfcache.chromium.test.ts), WebKit keeps a cached tab through a channel message sent
  // to it, and drops the message: the tab comes back from the cache holding the session another tab ended. Back from
  // the cache, keycard asks again (a refresh, which requests wait for) before it hands out a token.
  it('the back-forward cache: a signed-in tab comes back from it signed in, and after a logout in another tab signed out', async () => {
    // 10-minute tokens: nothing is due while the tab is away, so only keycard's asking again can find the logout.
    const served = await servePage(PAGE, { tokenLifetime: 600, refreshTokenMode: 'cookie' });
    const wk = browser as WebKit;
    const a = await wk.open(`${served.url}/`);
    await a.run((c) => auth.login(c).then(() => {}), alice);
    await new Promise((r) => setTimeout(r, 1000)); // the lane's news lock let go: a page holding a Web Lock is not cached
    const away = () => a.goto(`${served.url}/admin/stats`); // another site's page, as far as keycard is concerned
    const back = async () => {
      await a.back();
      const token = await a.run(() => auth.getAccessToken()); // waits for the refresh it asked for
      const [fromCache, triggers] = await a.run(() => [
        (window as unknown as { fromCache?: boolean }).fromCache,
        heard.splice(0),
      ]);
      return [fromCache, token !== null, triggers];
    };
    await away();
    expect(await back()).toEqual([true, true, ['restore']]);

    await away();
    const b = await wk.open(`${served.url}/`);
    await b.run(() => restored.then(() => auth.logout()));
    await b.close();
    // It asked before handing out the old token: the session the other tab ended is gone here too.
    expect(await back()).toEqual([true, false, []]);
    expect(await status(a)).toBe('unauthenticated');
    await a.close();
    await served.close();
  }, 30_000);

  it('memory mode, back from the cache: the open tab hands over the refresh token it rotated meanwhile, so no reuse ends the session', async () => {
    const served = await servePage(PAGE, { tokenLifetime: 600, refreshTokenMode: 'body', refreshTokenReuseGrace: 0 });
    const wk = browser as WebKit;
    const a = await wk.open(`${served.url}/#memory`);
    await a.run((c) => restored.then(() => auth.login(c)).then(() => {}), alice);
    const b = await wk.open(`${served.url}/#memory`);
    expect(await b.run(() => restored.then((s) => s.status))).toBe('authenticated'); // handed over by a
    await new Promise((r) => setTimeout(r, 1000)); // the lane's news lock let go
    await a.goto(`${served.url}/admin/stats`);
    await b.run(() => auth.refresh().then(() => {})); // rotates the refresh token; a, cached, never hears of it
    await a.back();
    expect(await a.run(() => (window as unknown as { fromCache?: boolean }).fromCache)).toBe(true);
    const token = await b.run(() => auth.getAccessToken());
    await expect.poll(() => a.run(() => auth.getAccessToken())).toBe(token);
    // a refreshes with the rotated refresh token, not the one it held (the server would take that for theft).
    expect(await a.run(() => auth.refresh().then((s) => s.status))).toBe('authenticated');
    await expect.poll(() => status(b)).toBe('authenticated');
    expect(await (await fetch(`${served.url}/admin/stats`)).json()).toMatchObject({ refreshFailures: 0 });
    await a.close();
    await b.close();
    await served.close();
  }, 30_000);

  // origins.chromium.test.ts's checks with WebKit's URL parser as the oracle: the decision keycard makes in WebKit,
  // with WebKit's own URL, and real requests. Not React Native's reader against it: WebKit departs from the URL
  // standard that reader follows (WebKitGTK 2.50 refuses "https:/" against "https://auth.test", which the standard,
  // Chromium and Node read as "https://auth.test/"), and Chromium's parser is that test's oracle. The foreign origin is
  // localhost (its port kept), another origin than the page's 127.0.0.1: WebKitGTK has no switch to resolve a
  // made-up name to this machine.
  describe('the allow-list', () => {
    let page: Listening;
    let evil: Listening;
    let stop: (() => Promise<void>) | undefined;
    let tab: Tab;
    beforeAll(async () => {
      ({ page, evil, close: stop } = await startOriginsPages());
      tab = await (browser as WebKit).open(`${page.origin}/app/`);
    }, 60_000);
    afterAll(async () => {
      await tab?.close();
      await stop?.();
    });
    it('the decision equals WebKit URL parser’s for the default list and an apiOrigins list (2 × 2,500 cases)', async () => {
      const results = await tab.run(async (lists) => {
        const origins = (window as unknown as OriginsApi).keycardOrigins;
        return [await origins.decisions(lists[0]!, 2500), await origins.decisions(lists[1]!, 2500)];
      }, DECISION_LISTS);
      for (const r of results) expect(r).toMatchObject({ counterexample: null, failed: false, runs: 2500 });
      expect(results[0]!.attachedCount).toBeGreaterThan(100);
    }, 60_000);

    it('localhost (another origin) gets no Authorization for /\\host/x, tab/CR/LF variants, \\\\host or an object whose .url is allowed', async () => {
      const before = evil.seen.length;
      const result = await tab.run(
        (target) => (window as unknown as OriginsApi).keycardOrigins.attack(target),
        `http://localhost:${evil.port}`,
      );
      expectAttackFoiled(result, evil.seen.slice(before), page);
    }, 60_000);
  });
});

declare const auth: import('../src/types').AuthClient;
declare const heard: string[];
declare const restored: Promise<import('../src/types').AuthState>;
