// Tabs whose clocks disagree, in a real browser: two tabs of one Chromium profile load the core (bundled from src/)
// from the reference server; one tab's monotonic clock is two hours behind (as after a laptop's sleep: it stops on
// macOS and Linux, w3c/hr-time#115), simulated by shifting its `performance.now`. Tabs must still obey each other's
// logout and never block their own login (API.md Cross-tab).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, openBrowser } from './chromium';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>window.auth = keycard.createAuthClient({ baseUrl: location.origin });</script>`;
const BEHIND = `{ const now = performance.now.bind(performance); performance.now = () => now() - 7_200_000; }`;
const alice = { username: 'alice', password: 'wonderland' };

type Page = import('playwright-core').Page;
let close: (() => Promise<void>) | undefined;
let url: string;
let context: import('playwright-core').BrowserContext;

describe.skipIf(!existsSync(CHROMIUM))('tabs whose clocks disagree (Chromium)', () => {
  beforeAll(async () => {
    ({ url, context, close } = await openBrowser(PAGE, { tokenLifetime: 300, refreshTokenMode: 'cookie' }));
  }, 60_000);
  afterAll(() => close?.());

  /** Two fresh tabs, the first one's clock two hours behind. */
  async function tabs(): Promise<[Page, Page]> {
    const older = await context.newPage();
    await older.addInitScript(BEHIND);
    const newer = await context.newPage();
    for (const page of [older, newer]) await page.goto(`${url}/`);
    const lag = await older.evaluate(() => performance.timeOrigin + performance.now());
    expect(Date.now() - lag).toBeGreaterThan(7_000_000);
    return [older, newer];
  }
  const status = (page: Page) => page.evaluate(() => auth.getState().status);
  /** Records every message on the default channel, as a tab of its own gets them; `heard` reads them. */
  const listen = (page: Page) =>
    page.evaluate(() => {
      const seen: unknown[] = ((window as unknown as { seen: unknown[] }).seen = []);
      new BroadcastChannel(`keycard:${location.origin}/auth/refresh`).onmessage = (e) => seen.push(e.data);
    });
  const heard = async (page: Page) =>
    (await page.evaluate(() => (window as unknown as { seen: unknown[] }).seen)) as Array<{
      type: string;
      at: number;
      to?: number;
      by?: string;
    }>;
  const settled = (page: Page, want: string) => expect.poll(() => status(page), { timeout: 5000 }).toBe(want);

  it('a logout in the tab whose clock is behind signs out the tab that logged in', async () => {
    const [older, newer] = await tabs();
    await newer.evaluate((c) => auth.login(c), alice);
    await settled(older, 'authenticated');
    await older.evaluate(() => auth.logout());
    await settled(newer, 'unauthenticated');
    await Promise.all([older.close(), newer.close()]);
  }, 30_000);

  it('after a logout in the tab whose clock is ahead, the other tab can log in, and both are signed in', async () => {
    const [older, newer] = await tabs();
    await newer.evaluate((c) => auth.login(c), alice);
    await settled(older, 'authenticated');
    await newer.evaluate(() => auth.logout());
    await settled(older, 'unauthenticated');
    const login = await older.evaluate(
      (c) =>
        auth.login(c).then(
          (s) => s.status,
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      alice,
    );
    expect(login).toBe('authenticated');
    await settled(newer, 'authenticated');
    await Promise.all([older.close(), newer.close()]);
  }, 30_000);

  it("a tab granted the lane after another tab's login asks the tabs to answer, and that tab answers naming its lock client", async () => {
    const [holder, waiter, observer] = [await context.newPage(), await context.newPage(), await context.newPage()];
    for (const page of [holder, waiter, observer]) await page.goto(`${url}/`);
    await listen(observer);
    // The holder's login is held until the waiter's has queued behind it.
    await holder.evaluate(() => {
      const held = window.fetch.bind(window);
      const go = new Promise((r) => Object.assign(window, { go: r }));
      window.fetch = (...args) => go.then(() => held(...args));
      void auth.login({ username: 'alice', password: 'wonderland' });
    });
    const lane = () =>
      observer.evaluate(async () => {
        const { held, pending } = await navigator.locks.query();
        const named = (l: LockInfo) => l.name?.endsWith(':lane');
        return { holding: held?.find(named)?.clientId, queued: pending?.filter(named).length };
      });
    await expect.poll(async () => (await lane()).holding).toEqual(expect.any(String));
    const { holding } = await lane();
    const login = waiter.evaluate((c) => auth.login(c).then((s) => s.status), alice);
    await expect.poll(async () => (await lane()).queued).toBe(1);
    await holder.evaluate(() => (window as unknown as { go: () => void }).go());
    expect(await login).toBe('authenticated');
    const seen = await heard(observer);
    const ping = seen.find((m) => m.type === 'ping');
    expect(ping).toBeDefined();
    // The holder answered with the clientId the lock manager gave it; the observer's own client answered too, though
    // it never held the lane: it has none to give.
    const named = seen.filter((m) => m.type === 'pong' && m.to === ping!.at).map((m) => m.by);
    expect(named.sort()).toEqual([holding, undefined]);
    await Promise.all([holder.close(), waiter.close(), observer.close()]);
  }, 30_000);

  it('a tab that let the lane go holds its news lock a moment, and a tab granted the lane at once asks it to answer first', async () => {
    const [holder, next, observer] = [await context.newPage(), await context.newPage(), await context.newPage()];
    for (const page of [holder, next, observer]) await page.goto(`${url}/`);
    await listen(observer);
    await holder.evaluate((c) => auth.login(c), alice);
    // Within the moment (200 ms) after the holder let the lane go: what the lock manager shows, and a refresh.
    const [news, refreshed] = await Promise.all([
      observer.evaluate(async () =>
        (await navigator.locks.query()).held
          ?.filter((l) => l.name?.endsWith(':lane:news'))
          .map((l) => ({ clientId: l.clientId, mode: l.mode })),
      ),
      next.evaluate(() => auth.refresh().then((s) => s.status)),
    ]);
    expect(news).toEqual([{ clientId: expect.any(String), mode: 'shared' }]);
    expect(refreshed).toBe('authenticated');
    const seen = await heard(observer);
    // The refresh, granted the lane at once, asked; the holder answered, naming the client that held the news lock.
    const ping = seen.find((m) => m.type === 'ping');
    expect(ping).toBeDefined();
    const named = seen.filter((m) => m.type === 'pong' && m.to === ping!.at).map((m) => m.by);
    expect(named).toContain(news![0]!.clientId);
    await Promise.all([holder.close(), next.close(), observer.close()]);
  }, 30_000);

  it('a tab that closes holding the lane lets it go without a word; the tab queued last waits for the next holder, whose refresh hangs, instead of running out its lock wait beside it', async () => {
    const [first, second, third] = [await context.newPage(), await context.newPage(), await context.newPage()];
    for (const page of [first, second, third]) await page.goto(`${url}/`);
    // A client per tab whose refreshes hang until its 8 s timeout, logging when each starts and ends: its lock wait is
    // 13 s (timeout + 5 s) from when it queued, or from the last sign the lane moved.
    for (const page of [first, second, third])
      await page.evaluate(() => {
        const log: Array<[string, number]> = ((window as unknown as { log: typeof log }).log = []);
        (window as unknown as { hung: typeof auth }).hung = keycard.createAuthClient({
          baseUrl: location.origin,
          timeout: 8,
          fetch: (_input, init) => {
            log.push(['start', Date.now()]);
            return new Promise((_resolve, reject) =>
              init?.signal?.addEventListener(
                'abort',
                () => (log.push(['end', Date.now()]), reject(init.signal?.reason)),
              ),
            );
          },
        });
      });
    const refresh = (page: Page) =>
      page.evaluate(() => void (window as unknown as { hung: typeof auth }).hung.refresh().catch(() => {}));
    const log = (page: Page) => page.evaluate(() => (window as unknown as { log: Array<[string, number]> }).log);
    await refresh(first); // holds the lane, hangs
    await expect.poll(() => log(first)).toHaveLength(1);
    // Queued in this order (a tab's lock request follows some awaits of its own, which a loaded machine may reorder).
    const queued = () =>
      first.evaluate(
        async () => (await navigator.locks.query()).pending?.filter((l) => l.name?.endsWith(':lane')).length ?? 0,
      );
    await refresh(second);
    await expect.poll(queued).toBe(1);
    await refresh(third); // both queue; the third's wait would run out 13 s from now
    await expect.poll(queued).toBe(2);
    await new Promise((r) => setTimeout(r, 6_000));
    // Closed 6 s into its refresh: the second tab is granted the lane and hangs 8 s, past the third's 13 s.
    await first.close();
    await expect.poll(() => log(third), { timeout: 20_000, interval: 200 }).toHaveLength(1);
    const secondLog = await log(second); // read once the third tab's refresh started
    expect(secondLog.map(([what]) => what)).toEqual(['start', 'end']); // one refresh at a time: the second's had ended
    const [[, secondStarted], [, secondEnded]] = secondLog as [[string, number], [string, number]];
    expect(secondEnded - secondStarted).toBeGreaterThan(7_000); // it hung until its timeout
    await Promise.all([second.close(), third.close()]);
  }, 45_000);

  it("a login in a tab opened after another tab's logout signs in the tab that heard that logout, though its clock is two hours behind and the logout's tab closed before its call's turn in the lane (fix 47)", async () => {
    const [out, heardIt] = [await context.newPage(), await context.newPage()];
    for (const page of [out, heardIt]) await page.goto(`${url}/`);
    await out.evaluate((c) => auth.login(c), alice);
    await settled(heardIt, 'authenticated');
    // The tab that will hear the logout holds the lane a while (a slow refresh), so the logout's call queues behind it.
    await heardIt.evaluate(() => {
      const fast = window.fetch.bind(window);
      window.fetch = (...args) => new Promise((r) => setTimeout(r, 1500)).then(() => fast(...args));
      void auth.refresh().catch(() => {});
    });
    await new Promise((r) => setTimeout(r, 100));
    await out.evaluate(() => void auth.logout());
    await settled(heardIt, 'unauthenticated');
    // Opened after the logout was posted (it never hears it), on a clock two hours behind: its login queues too.
    const late = await context.newPage();
    await late.addInitScript(BEHIND);
    await late.goto(`${url}/`);
    const login = late.evaluate((c) => auth.login(c).then((s) => s.status), alice);
    await out.close(); // before the logout's call had its turn: no release names it
    expect(await login).toBe('authenticated');
    // Before, the login's news was stamped two hours before the logout, and the tab that heard it stayed signed out.
    await settled(heardIt, 'authenticated');
    await Promise.all([heardIt.close(), late.close()]);
  }, 30_000);
});

declare const keycard: typeof import('../src/index');
declare const auth: import('../src/types').AuthClient;
