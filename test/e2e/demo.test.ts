// The demo SPA (examples/spa) in a real Chromium against the reference server:
// what only a browser can show — HttpOnly cookies, Web Storage staying empty,
// real timers, reloads, and tabs sharing one refresh through Web Locks and
// BroadcastChannel. Needs /usr/bin/chromium (or CHROMIUM_PATH); see harness.ts.

import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expiresAt,
  logEntries,
  open,
  refreshCookie,
  signIn,
  skipBrowserTests,
  startDemo,
  status,
  type Demo,
} from './harness';

describe.skipIf(skipBrowserTests)('demo SPA in Chromium', () => {
  let demo: Demo;
  let context: BrowserContext;

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  beforeEach(async () => {
    demo.server.configure({ tokenLifetime: 300 });
    demo.server.resetStats();
    context = await demo.newContext();
  });
  afterEach(() => context?.close());

  it('first visit: restore gets 204 "no session", settles signed out with no error, and the console stays clean', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    const restored = page.waitForResponse((response) => response.url().endsWith('/auth/refresh'));
    await page.goto('/');
    expect((await restored).status()).toBe(204);
    await page.locator('main[data-status="unauthenticated"]').waitFor();
    // The browser asks for a favicon on its own; give that request time to land before judging.
    await page.waitForLoadState('networkidle');
    expect(problems).toEqual([]);
    expect(demo.server.stats()).toMatchObject({ refreshes: 0, refreshFailures: 0 });
    expect((await page.request.get('/favicon.ico')).status()).toBeLessThan(400);
  });

  it('signs in with the refresh token in an HttpOnly cookie and nothing in Web Storage', async () => {
    const page = await open(context);
    expect(await status(page)).toBe('unauthenticated');
    await signIn(page);
    await expect.poll(() => page.getByTestId('signed-in').textContent()).toBe('Signed in as Alice Liddell');

    const cookie = await refreshCookie(context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
    const exposed = await page.evaluate(() => ({
      cookie: document.cookie,
      local: localStorage.length,
      session: sessionStorage.length,
      url: location.href,
    }));
    expect(exposed).toEqual({ cookie: '', local: 0, session: 0, url: `${demo.server.url}/` });
    expect(demo.server.stats()).toMatchObject({ logins: 1, refreshes: 0 });
  });

  it('refreshes before the token expires, so the API never answers 401', async () => {
    // 5 s tokens with a 2 s lead: a refresh 3 s after each token arrives. (The server floors
    // iat to whole seconds, so a token may really die up to 1 s before exp - iat says.)
    demo.server.configure({ tokenLifetime: 5 });
    const page = await open(context, '?lead=2&poll=250');
    await signIn(page);
    const firstExpiry = await expiresAt(page);

    // Proactive: the timer's, or a polling request's that found the token due first (on a loaded machine the timer can
    // fire a moment late, and the next timer refresh is a whole period later: a flake seen once in CI).
    const proactive = async () =>
      [...(await logEntries(page, 'refresh', 'timer')), ...(await logEntries(page, 'refresh', 'due'))].sort(
        (a, b) => a.at - b.at,
      );
    await expect.poll(async () => (await proactive()).length, { timeout: 8000 }).toBeGreaterThanOrEqual(1);
    const [first] = await proactive();
    expect(first!.at).toBeLessThan(firstExpiry);
    expect(first!.at).toBeGreaterThan(firstExpiry - 2500);

    // Keep polling the API until well past the first token's expiry.
    await expect.poll(() => Date.now(), { timeout: 8000 }).toBeGreaterThan(firstExpiry + 1500);
    const stats = demo.server.stats();
    expect(stats.refreshes).toBeGreaterThanOrEqual(2);
    expect(stats.apiCalls).toBeGreaterThanOrEqual(10);
    expect(stats.api401s).toBe(0);
    expect(await logEntries(page, 'replay')).toEqual([]);
    expect(await logEntries(page, 'refresh', '401')).toEqual([]);
    expect(await status(page)).toBe('authenticated');
  });

  it('runs one refresh for 20 parallel calls that all got a 401 after a server-side revocation', async () => {
    const page = await open(context, '?poll=0');
    await signIn(page);
    demo.server.resetStats(); // the restore on page load already tried (and failed) a refresh: no cookie yet
    await page.getByRole('button', { name: /Revoke token/ }).click();

    const result = page.getByTestId('burst-result');
    await result.waitFor();
    expect(await result.getAttribute('data-succeeded')).toBe('20');
    expect(await result.getAttribute('data-refreshes')).toBe('1');
    expect(demo.server.stats()).toMatchObject({ refreshes: 1, refreshFailures: 0, api401s: 20 });
    const replays = await logEntries(page, 'replay');
    expect(replays.reduce((sum, entry) => sum + entry.count, 0)).toBe(20);
    expect(await logEntries(page, 'refresh', '401')).toHaveLength(1);
  });

  it('restores the session through the cookie after a reload', async () => {
    const page = await open(context, '?poll=0');
    await signIn(page);
    const before = await refreshCookie(context);

    await page.reload();
    await page.locator('main[data-status="authenticated"]').waitFor();
    expect(await page.getByTestId('signed-in').textContent()).toBe('Signed in as Alice Liddell');
    expect(await logEntries(page, 'refresh', 'restore')).toHaveLength(1);
    expect(demo.server.stats()).toMatchObject({ logins: 1, refreshes: 1 });
    // Rotated: the cookie the page started with is spent.
    expect((await refreshCookie(context))?.value).not.toBe(before?.value);
  });

  it('shares one refresh per token lifetime between two tabs, and a logout in one signs out both', async () => {
    // 3 s tokens, 1 s lead: one refresh every 2 s, whichever tab gets the lock.
    demo.server.configure({ tokenLifetime: 3 });
    const first = await open(context, '?lead=1&poll=0');
    await signIn(first);
    const second = await open(context, '?lead=1&poll=0'); // restores from the shared cookie
    expect(await status(second)).toBe('authenticated');
    // The second tab's restore handed its tokens to the first: both now run on one token.
    await expect.poll(() => expiresAt(first)).toBe(await expiresAt(second));
    const received = (await expiresAt(second)) - 3000;

    // Refreshes fall due at ~2 s and ~4 s after that token arrived; by 5 s there must be two, not four.
    await expect.poll(() => Date.now(), { timeout: 8000 }).toBeGreaterThan(received + 5000);
    const { refreshes, refreshFailures } = demo.server.stats();
    const timers = [
      ...(await logEntries(first, 'refresh', 'timer')),
      ...(await logEntries(second, 'refresh', 'timer')),
    ];
    const all = timers.map((entry) => entry.at - received).sort((a, b) => a - b);
    // On a loaded machine the second tab may open after the first tab's first timer refresh (2 s after sign-in):
    // that one, and one that itself brought the shared token (at ~0 ms), came before the period measured here.
    const ats = all.filter((at) => at > 500);
    expect(ats, 'timer refreshes, ms after the shared token arrived').toHaveLength(2);
    expect(ats[1]! - ats[0]!).toBeGreaterThan(1500);
    // Every server refresh was one tab's timer, the other tab taking the new token, or the second tab's restore,
    // unless a timer's refresh in the first tab, which the restore waited for, brought the token it restored from.
    const restored = await logEntries(second, 'refresh', 'restore');
    expect(restored.length).toBeLessThanOrEqual(1);
    expect(refreshes).toBe(restored.length + all.length);
    expect(refreshFailures).toBe(0); // the first tab's restore, before any cookie existed, was answered 204 "no session"
    expect(await expiresAt(first)).toBe(await expiresAt(second));

    await first.getByRole('button', { name: 'Sign out' }).click();
    await second.locator('main[data-status="unauthenticated"]').waitFor();
    expect(await first.locator('main').getAttribute('data-status')).toBe('unauthenticated');
    expect(demo.server.stats().logouts).toBe(1);
    expect(await refreshCookie(context)).toBeUndefined();
  });

  it('ends the session in every tab when a rotated refresh token is replayed (theft)', async () => {
    const first = await open(context, '?poll=0');
    await signIn(first);
    const second = await open(context, '?poll=0');
    expect(await status(second)).toBe('authenticated');

    demo.server.resetStats(); // forget the first tab's cookie-less restore

    // The attacker's copy, then one honest rotation by the page.
    const stolen = (await refreshCookie(context))!.value;
    await first.getByRole('button', { name: 'Refresh now' }).click();
    await expect.poll(async () => (await refreshCookie(context))?.value).not.toBe(stolen);

    // Past the server's 10 s reuse grace, in which a replay would get the successor (a lost response's retry).
    demo.server.configure({ clockOffset: 10 });
    const replay = await fetch(`${demo.server.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'keycard', cookie: `keycard_rt=${stolen}` },
      body: '{}',
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    demo.server.configure({ clockOffset: 0 });

    // The tabs' access tokens still work until their next refresh, which the revoked family refuses.
    expect(await status(first)).toBe('authenticated');
    await second.getByRole('button', { name: 'Refresh now' }).click();
    for (const page of [first, second]) {
      await page.locator('main[data-status="unauthenticated"]').waitFor();
      await page.getByTestId('session-ended').waitFor();
    }
    expect(demo.server.stats().refreshFailures).toBe(2); // the replayed stolen token, then the tab's own
    expect(await refreshCookie(context)).toBeUndefined(); // the server cleared it with the invalid_grant
  });

  it('renders the signed-in page (screenshot in test-results/)', async () => {
    demo.server.configure({ tokenLifetime: 30 }); // as `npm start` serves it
    const page = await open(context, '?poll=0');
    await page.setViewportSize({ width: 1100, height: 900 });
    await signIn(page);
    await page.getByRole('button', { name: /Revoke token/ }).click();
    await page.getByTestId('burst-result').waitFor();
    await page.getByTestId('api-ok').waitFor();

    for (const text of [
      'Signed in as Alice Liddell',
      'Next refresh in',
      'Token claims',
      '20 / 20',
      '401 → replayed GET /api/items',
    ]) {
      expect(await page.getByText(text).first().isVisible(), text).toBe(true);
    }
    const dir = fileURLToPath(new URL('../../test-results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    const path = `${dir}demo-signed-in.png`;
    await page.screenshot({ path, fullPage: true });
    const png = await readFile(path);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(20_000);
  });
});
