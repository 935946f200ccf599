// Secrets in errors: every AuthError that the fault matrix's answers and the malformed token responses produce —
// thrown by refresh(), login() and getAccessToken(), reported by refresh_failed events and state.error — is walked
// down its whole cause chain (message, stack, every own property, recursively) and must contain no token and no
// response body (API.md Errors). Each answer quotes the live tokens and a unique body marker, as a careless proxy or
// framework error page would.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthClient, type AuthClient } from 'keycard';
import { createMetadata } from '../../oauth/discovery';
import { jwt, reachable } from './support';

const BASE = 'https://auth.test';
let serial = 0;
const live = { access: '', refresh: '' };
const secrets: string[] = [];

/** A body that quotes every secret and a marker of its own. */
function leaky(prefix = ''): string {
  // A short secret first: V8's JSON.parse error quotes only about ten characters around where it failed.
  const short = Math.random().toString(36).slice(2, 10).padEnd(8, 'q');
  const marker = `BODY-MARKER-${++serial}-${Math.random().toString(36).slice(2)}`;
  secrets.push(short, marker);
  return `${prefix}${short} ${marker} ${live.access} ${live.refresh}`;
}
function issue(): Response {
  const iat = Math.floor(Date.now() / 1000);
  live.access = jwt({ sub: 'alice', iat, exp: iat + 300, jti: `secret-jti-${++serial}` });
  live.refresh = `rt-secret-${serial}-${Math.random().toString(36).slice(2)}`;
  secrets.push(live.access, live.refresh, live.access.split('.')[1] as string, live.access.split('.')[2] as string);
  return Response.json({ access_token: live.access, expires_in: 300, refresh_token: live.refresh });
}

/** The fault matrix's answers plus the malformed token responses, each quoting the secrets. */
const ANSWERS: Array<[string, () => Response | Promise<Response>]> = [
  ['400 invalid_grant', () => new Response(leaky('{"error":"invalid_grant","hint":"'), { status: 400 })],
  ['401', () => new Response(leaky(), { status: 401 })],
  ['500', () => new Response(leaky('oops '), { status: 500 })],
  ['503 + Retry-After', () => new Response(leaky(), { status: 503, headers: { 'Retry-After': '7' } })],
  ['429', () => new Response(leaky(), { status: 429 })],
  [
    'a network error quoting the request',
    () => Promise.reject(new TypeError(`fetch failed: ${leaky()}`, { cause: new Error(leaky('socket: ')) })),
  ],
  [
    'an error object with the token in its properties',
    () => Promise.reject(Object.assign(new Error('x'), { code: live.access, body: leaky(), name: live.refresh })),
  ],
  [
    'HTML 200 (a proxy page)',
    () => new Response(`${leaky()}<html></html>`, { headers: { 'Content-Type': 'text/html' } }),
  ],
  [
    'malformed JSON',
    () =>
      new Response(`{"a":1 ${leaky()}"access_token":"${live.access}"`, {
        headers: { 'Content-Type': 'application/json' },
      }),
  ],
  ['missing access_token', () => Response.json({ token_type: 'Bearer', note: leaky() })],
  ['a JSON array', () => Response.json([leaky()])],
  ['an absurd expires_in', () => Response.json({ access_token: `${live.access}x`, expires_in: -1, note: leaky() })],
  [
    'a JWT with a broken payload',
    () => Response.json({ access_token: `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(leaky()).toString('base64url')}.c2ln` }),
  ],
  ['a token with CR/LF', () => Response.json({ access_token: `${live.access}\r\nX-Leak: ${leaky()}` })],
  ['a non-ASCII token', () => Response.json({ access_token: `${live.access}é${leaky()}` })],
  [
    'a refresh_token that is a number',
    () => Response.json({ access_token: live.access, refresh_token: 7, note: leaky() }),
  ],
  [
    'a redirect',
    () => new Response(leaky(), { status: 307, headers: { Location: `https://evil.test/${live.refresh}` } }),
  ],
];

function expectClean(error: unknown) {
  expect(error).toBeInstanceOf(AuthError);
  const text = reachable(error);
  for (const secret of secrets)
    if (secret) expect(text, `an error carries a secret (${secret.slice(0, 24)}…)`).not.toContain(secret);
}

let auth: AuthClient;
beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12) });
  secrets.length = 0;
});
afterEach(() => {
  auth?.dispose();
  vi.useRealTimers();
});

describe.each(ANSWERS)('%s', (_name, answer) => {
  it('no AuthError from refresh, login, getAccessToken, events or state carries a token or the body', async () => {
    let scripted: (() => Response | Promise<Response>) | null = null;
    const fetch: typeof globalThis.fetch = async (input) => {
      const path = new URL(String(input)).pathname;
      if (scripted && (path === '/auth/refresh' || path === '/auth/login')) return scripted();
      if (path === '/auth/login' || path === '/auth/refresh') return issue();
      return new Response(null, { status: 204 });
    };
    auth = createAuthClient({ baseUrl: BASE, channel: false, refreshToken: 'memory', fetch });
    const errors: unknown[] = [];
    auth.onEvent((e) => e.type === 'refresh_failed' && errors.push(e.error));
    auth.subscribe((s) => s.error && errors.push(s.error));

    scripted = answer;
    await auth.login({ username: 'alice', password: 'x' }).catch((e: unknown) => errors.push(e));
    scripted = null;
    await auth.login({ username: 'alice', password: 'x' });
    scripted = answer;
    await auth.refresh().catch((e: unknown) => errors.push(e));
    vi.setSystemTime(Date.now() + 400_000); // slept past expiry: getAccessToken must refresh
    await auth.getAccessToken().catch((e: unknown) => errors.push(e));
    await vi.advanceTimersByTimeAsync(60_000); // retries
    scripted = null;

    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expectClean(error);
  });
});

it('keycard/oauth discovery: a non-JSON document does not reach the error', async () => {
  const body = `${leaky()} <html>not json`;
  const load = createMetadata({
    issuer: BASE,
    discovery: true,
    explicit: {},
    fetch: () => async () => new Response(body, { headers: { 'Content-Type': 'text/html' } }),
    timeoutMs: 1000,
    signal: new AbortController().signal,
  });
  const error = await load().catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'invalid_response' });
  expectClean(error);
});

it('a cause chain that loops back on itself is cut short, and the error still names the endpoint', async () => {
  const looped = new TypeError(leaky()) as TypeError & { cause?: unknown };
  looped.cause = looped;
  auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: () => Promise.reject(looped) });
  const error = (await auth.login({ username: 'alice' }).catch((e: unknown) => e)) as AuthError;
  expect(error).toMatchObject({ code: 'network', message: `POST ${BASE}/auth/login failed` });
  let depth = 0;
  for (let cause = error.cause as { cause?: unknown } | undefined; cause; cause = cause.cause as typeof cause) depth++;
  expect(depth).toBe(5);
  expectClean(error);
});

it('credentials whose toJSON throws (quoting the password) reject login() with invalid_credentials, password withheld', async () => {
  const password = leaky('hunter2-');
  const credentials = {
    toJSON() {
      throw new Error(`cannot serialize ${password}`);
    },
  };
  auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: () => Promise.resolve(issue()) });
  const error = await auth.login(credentials as never).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'invalid_credentials' });
  expectClean(error);
});

it('what a fetch or a TokenStorage throws may throw when read (getters, a Proxy): still an AuthError, text withheld', async () => {
  const secret = leaky('rt-');
  const thrower = () => {
    throw new Error(`read ${secret}`);
  };
  const hostile = [
    Object.defineProperties({}, { name: { get: thrower }, code: { get: thrower }, cause: { get: thrower } }),
    new Proxy({}, { get: thrower, getPrototypeOf: thrower, has: thrower, ownKeys: thrower }),
  ];
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  for (const thrown of hostile) {
    auth = createAuthClient({ baseUrl: BASE, channel: false, fetch: () => Promise.reject(thrown) });
    const login = await auth.login({ username: 'alice' }).catch((e: unknown) => e);
    expect(login).toMatchObject({ code: 'network' });
    expectClean(login);
    auth.dispose();
    const storage = { get: () => Promise.reject(thrown), set: thrower, remove: thrower };
    auth = createAuthClient({
      baseUrl: BASE,
      channel: false,
      refreshToken: storage,
      fetch: () => Promise.reject(thrown),
    });
    const { status, error } = await auth.restore();
    expect(status).toBe('unauthenticated');
    expect(error).toMatchObject({ code: 'network' });
    expectClean(error);
    auth.dispose();
  }
  expect(warn.mock.calls.join('\n')).not.toContain(secret);
  warn.mockRestore();
});
