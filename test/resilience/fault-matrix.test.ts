// Fault matrix: every answer the refresh endpoint can give × every way a refresh
// starts. Each cell asserts the resulting state, the retry that was scheduled
// (and that it fires exactly then), and what the caller got. The server is an
// injected `fetch` with one scripted refresh answer; Math.random is pinned so
// backoff is exact (first retry after 1 s: 2 s × 2⁰ × (0.5 + 0·0.5)).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AuthError, createAuthClient, type AuthClient, type AuthEvent } from 'keycard';
import { createServer, type Reply } from './support';

const BASE = 'https://auth.test';
const API = `${BASE}/api/me`;
const T0 = Date.UTC(2026, 0, 1, 12);
const LIFETIME_MS = 300_000; // refreshLeadTime 60 s: due at 240 s
const DUE_MS = 240_000;
const TIMEOUT_MS = 10_000; // the default `timeout` option
const BACKOFF_MS = 1000;

interface Outcome {
  name: string;
  reply: Reply;
  kind: 'ok' | 'ended' | 'transient';
  code?: 'session_expired' | 'network' | 'invalid_response';
  status?: number;
  retryIn?: number;
  hang?: boolean;
}

const OUTCOMES: Outcome[] = [
  { name: '200 with tokens', reply: (issue) => issue(), kind: 'ok' },
  {
    name: '400 invalid_grant',
    reply: () => Response.json({ error: 'invalid_grant' }, { status: 400 }),
    kind: 'ended',
    code: 'session_expired',
    status: 400,
  },
  {
    name: '401',
    reply: () => Response.json({ error: 'invalid_token' }, { status: 401 }),
    kind: 'ended',
    code: 'session_expired',
    status: 401,
  },
  {
    name: '500',
    reply: () => new Response('oops', { status: 500 }),
    kind: 'transient',
    code: 'network',
    status: 500,
    retryIn: BACKOFF_MS,
  },
  {
    name: '503 + Retry-After: 7',
    reply: () => new Response(null, { status: 503, headers: { 'Retry-After': '7' } }),
    kind: 'transient',
    code: 'network',
    status: 503,
    retryIn: 7_000,
  },
  {
    name: '429',
    reply: () => new Response(null, { status: 429 }),
    kind: 'transient',
    code: 'network',
    status: 429,
    retryIn: BACKOFF_MS,
  },
  {
    name: 'network error',
    reply: () => Promise.reject(new TypeError('fetch failed')),
    kind: 'transient',
    code: 'network',
    retryIn: BACKOFF_MS,
  },
  {
    name: 'hang → timeout',
    reply: () => new Promise<Response>(() => {}),
    kind: 'transient',
    code: 'network',
    retryIn: BACKOFF_MS,
    hang: true,
  },
  {
    name: 'HTML 200 (a proxy page)',
    reply: () => new Response('<html>502</html>', { headers: { 'Content-Type': 'text/html' } }),
    kind: 'transient',
    code: 'invalid_response',
    status: 200,
    retryIn: BACKOFF_MS,
  },
  {
    name: 'malformed JSON',
    reply: () => new Response('{"access_token":', { headers: { 'Content-Type': 'application/json' } }),
    kind: 'transient',
    code: 'invalid_response',
    status: 200,
    retryIn: BACKOFF_MS,
  },
  {
    name: 'missing access_token',
    reply: () => Response.json({ token_type: 'Bearer' }),
    kind: 'transient',
    code: 'invalid_response',
    status: 200,
    retryIn: BACKOFF_MS,
  },
];

type Caller =
  | { kind: 'none' }
  | { kind: 'fetch'; promise: Promise<Response> }
  | { kind: 'token'; promise: Promise<string | null> };
interface Trigger {
  name: string;
  /** Sets the scene and starts the refresh; returns what a caller is waiting on. */
  fire(auth: AuthClient, server: ReturnType<typeof createServer>): Promise<Caller> | Caller;
  /** What the caller gets, per outcome kind. */
  expect: Record<Outcome['kind'], 'ok' | 'new token' | 'old token' | 'null' | 'rejects' | 401 | 200 | null>;
}

const TRIGGERS: Trigger[] = [
  {
    name: 'the timer (refreshLeadTime before expiry)',
    fire: async () => {
      await vi.advanceTimersByTimeAsync(DUE_MS);
      return { kind: 'none' };
    },
    expect: { ok: null, ended: null, transient: null },
  },
  {
    name: 'a 401 through auth.fetch (access token revoked)',
    fire: (auth, server) => {
      server.valid.clear();
      return { kind: 'fetch', promise: auth.fetch(API) };
    },
    expect: { ok: 200, ended: 401, transient: 401 },
  },
  {
    name: 'getAccessToken() when due (still valid)',
    fire: (auth) => {
      vi.setSystemTime(T0 + DUE_MS + 10_000); // no timer ran: the device was asleep
      return { kind: 'token', promise: auth.getAccessToken() };
    },
    expect: { ok: 'new token', ended: 'null', transient: 'old token' },
  },
  {
    name: 'getAccessToken() after expiry (slept past it)',
    fire: (auth) => {
      vi.setSystemTime(T0 + LIFETIME_MS + 100_000);
      return { kind: 'token', promise: auth.getAccessToken() };
    },
    expect: { ok: 'new token', ended: 'null', transient: 'rejects' },
  },
  {
    name: 'resume() (React Native foreground) when due',
    fire: (auth) => {
      vi.setSystemTime(T0 + DUE_MS + 10_000);
      auth.resume();
      return { kind: 'none' };
    },
    expect: { ok: null, ended: null, transient: null },
  },
];

let auth: AuthClient;
beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  vi.spyOn(Math, 'random').mockReturnValue(0);
});
afterEach(() => {
  auth?.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const settled = async <T>(promise: Promise<T>) => {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return done;
};

describe.each(TRIGGERS)('refresh started by $name', (trigger) => {
  it.each(OUTCOMES)('answer: $name', async (outcome) => {
    const server = createServer(LIFETIME_MS / 1000);
    auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: server.fetch });
    const failures: Array<Extract<AuthEvent, { type: 'refresh_failed' }> & { at: number }> = [];
    auth.onEvent((e) => e.type === 'refresh_failed' && failures.push({ ...e, at: Date.now() }));
    await auth.login({ username: 'alice', password: 'x' });
    const before = auth.getState();
    const oldToken = (await auth.getAccessToken()) as string;
    expect(before.expiresAt).toBe(T0 + LIFETIME_MS);

    server.next = outcome.reply;
    const caller = await trigger.fire(auth, server);
    const firedAt = Date.now();
    const pending = caller.kind === 'none' ? Promise.resolve() : (caller.promise as Promise<unknown>);
    const result = pending.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if (!outcome.hang) await vi.advanceTimersByTimeAsync(0);
    if (outcome.hang) {
      // Nothing gives before the timeout: not the caller, not the state.
      await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1);
      if (caller.kind !== 'none') expect(await settled(pending)).toBe(false);
      expect(auth.getState()).toBe(before);
      await vi.advanceTimersByTimeAsync(1);
    }
    const got = await result;
    expect(server.refreshes).toBe(1);

    // 1. The state.
    const state = auth.getState();
    if (outcome.kind === 'ok')
      expect(state).toMatchObject({ status: 'authenticated', error: null, expiresAt: Date.now() + LIFETIME_MS });
    if (outcome.kind === 'ended')
      expect(state).toMatchObject({
        status: 'unauthenticated',
        user: null,
        expiresAt: null,
        error: { code: outcome.code, status: outcome.status },
      });
    if (outcome.kind === 'transient') expect(state).toBe(before);

    // 2. What the caller got.
    const want = trigger.expect[outcome.kind];
    if (want === 200 || want === 401) expect((got as { value: Response }).value.status).toBe(want);
    if (want === 200) expect(server.api.at(-1)).not.toBe(oldToken); // replayed once, with the new token
    if (want === 'new token') expect((got as { value: string }).value).toEqual(expect.any(String));
    if (want === 'new token') expect((got as { value: string }).value).not.toBe(oldToken);
    if (want === 'old token') expect((got as { value: string }).value).toBe(oldToken);
    if (want === 'null') expect((got as { value: null }).value).toBeNull();
    if (want === 'rejects')
      expect((got as { error: AuthError }).error).toMatchObject({ name: 'AuthError', code: outcome.code });

    // 3. The retry scheduled, and that it fires then (the server answers properly from now on).
    if (outcome.kind === 'ended') {
      expect(failures).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(3_600_000);
      expect(server.refreshes).toBe(1);
      return;
    }
    if (outcome.kind === 'ok') {
      expect(failures).toEqual([]);
      await vi.advanceTimersByTimeAsync(DUE_MS - 1);
      expect(server.refreshes).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(server.refreshes).toBe(2);
      return;
    }
    expect(failures).toHaveLength(1);
    const failure = failures[0]!;
    expect(failure.error).toMatchObject({ code: outcome.code });
    expect(failure.at - firedAt).toBe(outcome.hang ? TIMEOUT_MS : 0);
    expect(failure.retryAt).toBe(failure.at + (outcome.retryIn as number));
    // Requests meanwhile wait out the backoff / Retry-After: they get the failure at once, no new request.
    await auth.fetch(API);
    await auth.getAccessToken().catch(() => {});
    expect(server.refreshes).toBe(1);
    await vi.advanceTimersByTimeAsync((failure.retryAt as number) - Date.now() - 1);
    expect(server.refreshes).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.refreshes).toBe(2);
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error: null });
    expect(auth.getState().expiresAt).toBe(Date.now() + LIFETIME_MS);
  });
});

describe('timeout option', () => {
  it('a hanging refresh gives up after `timeout` seconds, counted as transient', async () => {
    const server = createServer(LIFETIME_MS / 1000);
    auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: server.fetch, timeout: 3 });
    await auth.login({ username: 'alice', password: 'x' });
    server.next = () => new Promise<Response>(() => {});
    const result = auth.refresh().catch((e: unknown) => e);
    expect(await settled(result)).toBe(false);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(await settled(result)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toMatchObject({ code: 'network' });
    expect(auth.getState().status).toBe('authenticated');
  });

  it('a refresh that keeps failing backs off exponentially to a 60 s cap, and recovers', async () => {
    const server = createServer(LIFETIME_MS / 1000);
    auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: server.fetch });
    const retries: number[] = [];
    auth.onEvent((e) => e.type === 'refresh_failed' && retries.push((e.retryAt as number) - Date.now()));
    await auth.login({ username: 'alice', password: 'x' });
    const failing = () => new Response(null, { status: 500 });
    server.next = failing;
    await auth.refresh().catch(() => {});
    for (let i = 0; i < 8; i++) {
      server.next = failing;
      await vi.advanceTimersByTimeAsync(retries.at(-1) as number);
    }
    expect(retries).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(auth.getState()).toMatchObject({ status: 'authenticated', expiresAt: Date.now() + LIFETIME_MS });
  });
});
