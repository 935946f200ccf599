// @vitest-environment jsdom
// @vitest-environment-options {"url": "http://shop.example.test/"}
// Lifecycle: the page coming back (visibilitychange, online) and a React Native
// app coming to the foreground (auth.resume()) run a due refresh at once, and a
// device that slept past expiry wakes up with one refresh and no 401 for the app.
// The page is served over plain http on purpose (see the warning test).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { createServer } from './support';

const BASE = 'https://auth.test';
const API = `${BASE}/api/me`;
const T0 = Date.UTC(2026, 0, 1, 12);
const alice = { username: 'alice', password: 'wonderland' };

let visibility: DocumentVisibilityState = 'visible';
let auth: AuthClient | undefined;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  vi.spyOn(Math, 'random').mockReturnValue(0);
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
});
afterEach(() => {
  auth?.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function signedIn() {
  const server = createServer(300);
  auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: server.fetch, apiOrigins: [BASE] });
  await auth.login(alice);
  return { server, auth, first: (await auth.getAccessToken()) as string };
}

const becomeVisible = () => {
  visibility = 'visible';
  document.dispatchEvent(new Event('visibilitychange'));
};

describe('a due refresh runs at once when the app comes back', () => {
  const wakes: Array<[string, (a: AuthClient) => void]> = [
    ['the page becomes visible (visibilitychange)', () => becomeVisible()],
    ['the network comes back (online)', () => window.dispatchEvent(new Event('online'))],
    ['a React Native app returns to the foreground (auth.resume())', (a) => a.resume()],
  ];

  it.each(wakes)('%s', async (_name, wake) => {
    const { server, auth: client } = await signedIn();
    visibility = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    vi.setSystemTime(T0 + 250_000); // due (at 240 s), but the device was asleep: no timer ran
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(0);
    wake(client);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(1);
    expect(client.getState().expiresAt).toBe(Date.now() + 300_000);
    wake(client); // nothing due any more
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(1);
  });

  it('nothing happens while the page stays hidden, nor when nothing is due', async () => {
    const { server } = await signedIn();
    vi.setSystemTime(T0 + 250_000);
    visibility = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(0);
    vi.setSystemTime(T0 + 100_000); // the clock was set back: not due
    becomeVisible();
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(0);
  });

  it('coming back online runs a retry that was waiting out its backoff', async () => {
    const { server, auth: client } = await signedIn();
    server.next = () => Promise.reject(new TypeError('offline'));
    await client.refresh().catch(() => {});
    expect(server.refreshes).toBe(1);
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(2);
    expect(client.getState()).toMatchObject({ status: 'authenticated', error: null });
  });

  // Wakes come from the platform, as often as it says: a flapping network (or a page shown and hidden over and over)
  // while the server fails still gets at most one refresh request a second (API.md: No loops), each wake's refresh a
  // second after the last one a wake started (the first at once, above).
  it.each([
    ['online and offline', () => window.dispatchEvent(new Event('online'))],
    ['visible and hidden', () => becomeVisible()],
  ])('a page going %s every 100 ms while refreshes fail: at most one refresh request a second', async (_, wake) => {
    const { server, auth: client } = await signedIn();
    const failing = () => new Response('{}', { status: 503 });
    server.next = failing;
    await client.refresh().catch(() => {});
    const start = server.refreshes;
    for (let t = 0; t < 10_000; t += 100) {
      server.next = failing;
      wake();
      await vi.advanceTimersByTimeAsync(100);
    }
    // The first wake's at once, then one a second (at 1 s, 2 s … 10 s): the wakes are not ignored, nor obeyed each.
    expect(server.refreshes - start).toBeGreaterThanOrEqual(10);
    expect(server.refreshes - start).toBeLessThanOrEqual(11);
    expect(client.getState().status).toBe('authenticated');
  });

  it('dispose() removes the listeners', async () => {
    const { server, auth: client } = await signedIn();
    client.dispose();
    vi.setSystemTime(T0 + 250_000);
    becomeVisible();
    window.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(server.refreshes).toBe(0);
  });
});

// A browser page's default options: the channel is on (named after the session), and jsdom has no Web Locks, where tabs'
// timers are spread apart. Spread only later, for tokens another tab handed over: this tab's own refresh runs on time
// (API.md: refreshLeadTime before expiry, never before half the lifetime). It ran up to 5 s early, so at 235-240 s,
// and a 20 s token's before 10 s (a black-box test written from API.md).
describe("the proactive refresh is on time with the default channel on (a page's defaults)", () => {
  it.each([
    [300, 240_000],
    [20, 10_000],
  ])('a %s s token refreshes at %s ms, not before', async (lifetime, at) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99);
    const server = createServer(lifetime);
    auth = createAuthClient({ baseUrl: BASE, fetch: server.fetch, apiOrigins: [BASE] });
    await auth.login(alice);
    await vi.advanceTimersByTimeAsync(at - 1);
    expect(server.refreshes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.refreshes).toBe(1);
  });
});

describe('a device that slept past expiry', () => {
  for (const [name, wake] of [
    ['wakes the page', () => becomeVisible()],
    ['makes requests before any wake event arrives', () => {}],
  ] as const) {
    it(`${name}: one refresh, and no 401 reaches the app`, async () => {
      const { server, auth: client, first } = await signedIn();
      vi.setSystemTime(T0 + 2 * 3_600_000); // slept two hours; the token expired long ago
      wake();
      const responses = await Promise.all([
        client.fetch(API),
        client.fetch(API),
        client.getAccessToken().then(() => client.fetch(API)),
      ]);
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(server.refreshes).toBe(1);
      expect(server.api).not.toContain(first); // the expired token was never sent
      expect(server.api.every((t) => t !== null && server.valid.has(t))).toBe(true);
    });
  }
});

describe('warnings in a browser', () => {
  it('a plain-http page origin (which gets the token by default) is warned about once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clients = [
      createAuthClient({ baseUrl: BASE, channel: false }),
      createAuthClient({ baseUrl: BASE, channel: false }),
    ];
    for (const c of clients) c.dispose();
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(/^\[keycard\] http:\/\/shop\.example\.test is plain http/),
    ]);
  });
});
