// Two clients for one backend on one page (a shell app and a widget, micro-frontends): they share the default channel
// and the lane as two tabs do, though the lock manager sees one client (both hold the lane as the same clientId).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, openBrowser } from './chromium';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>
window.clients = [keycard.createAuthClient({ baseUrl: location.origin }), keycard.createAuthClient({ baseUrl: location.origin })];
window.heard = [];
clients.forEach((c, i) => c.onEvent((e) => e.type === 'refresh' && heard.push(i + ':' + e.trigger)));
</script>`;
const alice = { username: 'alice', password: 'wonderland' };

let close: (() => Promise<void>) | undefined;
let url: string;
let context: import('playwright-core').BrowserContext;
const stats = async () => (await fetch(`${url}/admin/stats`)).json() as Promise<Record<string, number>>;

describe.skipIf(!existsSync(CHROMIUM))('two clients for one backend on one page (Chromium)', () => {
  beforeAll(async () => {
    // A 4 s token (refreshed every 2 s), rotated on each refresh, a reused refresh token ending the session at once.
    ({ url, context, close } = await openBrowser(PAGE, {
      tokenLifetime: 4,
      refreshTokenMode: 'cookie',
      refreshTokenReuseGrace: 0,
    }));
  }, 60_000);
  afterAll(() => close?.());

  it('share one refresh per period and one for their 401s, and a logout in one signs out the other', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.evaluate(() => Promise.all(clients.map((c) => c.restore())));
    await page.evaluate((c) => clients[0]!.login(c), alice);
    await expect.poll(() => page.evaluate(() => clients[1]!.getState().status)).toBe('authenticated');
    await fetch(`${url}/admin/reset-stats`, { method: 'POST' });
    await page.waitForTimeout(7_000);
    // Each period one client's timer refreshed and the other took the tokens from it: no second refresh, no reuse.
    const periods = await page.evaluate(() => heard.splice(0));
    const timers = periods.filter((h) => h.endsWith(':timer'));
    expect(timers.length).toBeGreaterThanOrEqual(2);
    expect(periods.filter((h) => h.endsWith(':tab'))).toHaveLength(timers.length);
    expect(await stats()).toMatchObject({ refreshes: timers.length, refreshFailures: 0 });

    // The 401s part on 60 s tokens: no timer refresh can land between the revocation and the requests (one CI run
    // under load counted such a refresh beside the 401s' one).
    const configured = await fetch(`${url}/admin/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'keycard' },
      body: JSON.stringify({ tokenLifetime: 60 }),
    });
    expect(await configured.json()).toMatchObject({ tokenLifetime: 60 });
    const lasting = await page.evaluate(() => clients[0]!.refresh().then((s) => s.expiresAt! - Date.now()));
    expect(lasting).toBeGreaterThan(50_000);
    await expect
      .poll(() =>
        page.evaluate(async () => (await clients[1]!.getAccessToken()) === (await clients[0]!.getAccessToken())),
      )
      .toBe(true);
    await fetch(`${url}/admin/reset-stats`, { method: 'POST' });
    await fetch(`${url}/admin/revoke-access-tokens`, { method: 'POST' });
    const statuses = await page.evaluate(() =>
      Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2]!.fetch('/api/items').then((r) => r.status))),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    expect(await stats()).toMatchObject({ refreshes: 1, refreshFailures: 0 });

    await page.evaluate(() => clients[1]!.logout());
    await expect.poll(() => page.evaluate(() => clients[0]!.getState().status)).toBe('unauthenticated');
    await page.close();
  }, 30_000);
});

declare const clients: import('../src/types').AuthClient[];
declare const heard: string[];
