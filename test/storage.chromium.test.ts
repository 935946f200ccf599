// A TokenStorage that the tabs of one browser share (a browser extension's `chrome.storage.local`, IndexedDB): the
// refresh token is one value for every tab, so a tab acting on another tab's news must never clear or revoke a refresh
// token it does not know. Two tabs of one Chromium profile load the core (bundled from src/) from the reference server
// (refresh tokens in the JSON body); the shared storage here is the page's `localStorage`, the test's choice, not keycard's.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, openBrowser } from './chromium';

const KEY = 'keycard.refresh_token';
const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>window.auth = keycard.createAuthClient({
  baseUrl: location.origin,
  refreshToken: {
    get: async (key) => localStorage.getItem(key),
    set: async (key, value) => localStorage.setItem(key, value),
    remove: async (key) => localStorage.removeItem(key),
  },
});</script>`;
/** A clock the test can move: `window.ahead` ms ahead of the page's own. */
const MOVABLE = `{ const now = performance.now.bind(performance); window.ahead = 0; performance.now = () => now() + window.ahead; }`;
/** Makes the page's channels deliver nothing between `hold()` and `release()`, then everything held, in order. */
const HOLD = () => {
  const Real = BroadcastChannel;
  let held: Array<() => void> | null = null;
  Object.assign(window, {
    hold: () => void (held = []),
    release: () => {
      const queue = held ?? [];
      held = null;
      for (const deliver of queue) deliver();
    },
    BroadcastChannel: class extends Real {
      override set onmessage(handler: (event: MessageEvent) => void) {
        super.onmessage = (event: MessageEvent) => (held ? held.push(() => handler(event)) : handler(event));
      }
    },
  });
};
const alice = { username: 'alice', password: 'wonderland' };

type Page = import('playwright-core').Page;
let close: (() => Promise<void>) | undefined;
let url: string;
let context: import('playwright-core').BrowserContext;

describe.skipIf(!existsSync(CHROMIUM))('tabs sharing a TokenStorage (Chromium)', () => {
  beforeAll(async () => {
    // No reuse grace: a refresh token presented again after its rotation revokes the session.
    ({ url, context, close } = await openBrowser(PAGE, {
      tokenLifetime: 300,
      refreshTokenMode: 'body',
      refreshTokenReuseGrace: 0,
    }));
  }, 60_000);
  afterAll(() => close?.());

  /** Two fresh tabs, signed in; the second one's channel can be held (HOLD) and its clock moved (MOVABLE). */
  async function tabs(): Promise<[Page, Page]> {
    const pages: [Page, Page] = [await context.newPage(), await context.newPage()];
    await pages[1].addInitScript(HOLD);
    await pages[1].addInitScript(MOVABLE);
    for (const page of pages) await page.goto(`${url}/`);
    await pages[0].evaluate((key) => localStorage.removeItem(key), KEY);
    // Signed in in the first, which the second hears.
    expect(await login(pages[0])).toBe('authenticated');
    await settled(pages[1], 'authenticated');
    return pages;
  }
  const status = (page: Page) => page.evaluate(() => auth.getState().status);
  const stored = (page: Page) => page.evaluate((key) => localStorage.getItem(key), KEY);
  const settled = (page: Page, want: string) => expect.poll(() => status(page), { timeout: 5000 }).toBe(want);
  /** What a call settles with: the state's status, or the error's name and message. */
  const outcome = (page: Page, call: 'login' | 'refresh') =>
    page.evaluate(
      ([name, c]) =>
        (name === 'login' ? auth.login(c) : auth.refresh()).then(
          (s) => s.status,
          (e: Error) => `${e.name}: ${e.message}`,
        ),
      [call, alice] as const,
    );
  const login = (page: Page) => outcome(page, 'login');
  const refresh = (page: Page) => outcome(page, 'refresh');

  it('tabs take turns with the one refresh token: each refresh sends the one the last stored, and a logout signs out both and empties the storage', async () => {
    const [a, b] = await tabs();
    const first = await stored(a);
    expect(first).toEqual(expect.any(String));
    // Rotated by b, then used by a: a refresh token presented again would revoke the session (reuse detection).
    expect(await refresh(b)).toBe('authenticated');
    expect(await stored(a)).not.toBe(first);
    expect(await refresh(a)).toBe('authenticated');
    expect(await refresh(b)).toBe('authenticated');
    await a.evaluate(() => auth.logout());
    await settled(b, 'unauthenticated');
    expect(await stored(b)).toBeNull();
    await Promise.all([a.close(), b.close()]);
  }, 30_000);

  it("a tab that hears a logout late, after a new login stored its refresh token, leaves that token alone: the new session's next refresh succeeds", async () => {
    const [a, b] = await tabs();
    // b is slow to hear (a busy or frozen tab): the logout and the new login reach it only after the login stored its token.
    await b.evaluate(() => hold());
    await a.evaluate(() => auth.logout());
    expect(await login(a)).toBe('authenticated');
    const fresh = await stored(a);
    expect(fresh).toEqual(expect.any(String));
    await b.evaluate(() => release());
    // b hears the logout, then the login: signed in again, and the new session's refresh token still stored.
    await settled(b, 'authenticated');
    expect(await stored(a)).toBe(fresh);
    expect(await refresh(a)).toBe('authenticated');
    expect(await refresh(b)).toBe('authenticated');
    await Promise.all([a.close(), b.close()]);
  }, 30_000);

  it("a tab whose refresh went first and heard the logout late ends its own session at the server, not the new login's", async () => {
    const [a, b] = await tabs();
    // Past a's news lock (held a moment after its lane task): b's refresh below asks a nothing (no ping).
    await expect
      .poll(() => a.evaluate(async () => (await navigator.locks.query()).held?.some((l) => l.name?.endsWith(':news'))))
      .toBe(false);
    // b's clock jumps two hours ahead, unheard by a, so b's refresh is stamped after a's logout (rule T2's `tell`).
    await b.evaluate(() => (hold(), Object.assign(window, { ahead: 7_200_000 })));
    // b's refresh holds the lane (its answer is slow to arrive), so a's logout call queues behind it: b stores the
    // rotated refresh token after the logout emptied the storage, and hears of the logout only when released.
    await b.evaluate(() => {
      const fast = window.fetch.bind(window);
      const calls: string[] = [];
      window.fetch = (...args) => {
        calls.push(`${args[0]} ${args[1]?.body}`);
        return fast(...args).then((res) => new Promise((r) => setTimeout(() => r(res), 500)));
      };
      Object.assign(window, { calls, refreshed: auth.refresh() });
    });
    await expect.poll(() => b.evaluate(() => calls.length)).toBe(1);
    await a.evaluate(() => auth.logout());
    expect(await b.evaluate(() => refreshed.then((s) => s.status))).toBe('authenticated');
    const rotated = await stored(b);
    expect(await login(a)).toBe('authenticated');
    const fresh = await stored(a);
    await b.evaluate(() => release());
    // b hears the logout, which its refresh outlived by the stamps: b ends that session at the server with the refresh
    // token it stored, leaves the new login's in the storage, then hears that login and is signed in again.
    await settled(b, 'authenticated');
    await expect
      .poll(() => b.evaluate(() => calls.filter((call) => call.includes('/auth/logout'))))
      .toEqual([expect.stringContaining(JSON.stringify(rotated))]);
    expect(await stored(a)).toBe(fresh);
    expect(await refresh(a)).toBe('authenticated');
    await Promise.all([a.close(), b.close()]);
  }, 30_000);
});

declare const keycard: typeof import('../src/index');
declare const auth: import('../src/types').AuthClient;
declare const calls: string[];
declare const refreshed: Promise<import('../src/types').AuthState>;
declare const hold: () => void;
declare const release: () => void;
