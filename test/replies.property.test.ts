// A hostile or broken auth server, whatever it answers: any status, garbage or half-right token responses (fields of
// the wrong type, absurd lifetimes, tokens that are no header value, JWT claims of any shape), any Retry-After and
// Date headers. Over thousands of answers to login and to a refresh, the client ends where API.md says (the status
// decides the outcome; a 2xx is adopted only if it is a usable token response), with a typed error that quotes no
// token, a state that holds together, and never an unhandled rejection.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthClient, type AuthState } from 'keycard';
import { PROPERTY_SEED, aliceJwt, jwt, reachable } from './resilience/support';

const BASE = 'https://auth.test';
const CODES = ['invalid_credentials', 'session_expired', 'network', 'invalid_response', 'unauthenticated'];

// Values a field may hold: right, wrong type, absurd, or a secret-looking string the errors must never quote.
const secret = fc.string({ minLength: 12, maxLength: 40 }).map((s) => `sEcReT${s}`);
const lifetime = fc.oneof(
  fc.integer({ min: -10, max: 400_000_000 }),
  fc.double({ noNaN: true }),
  fc.constantFrom(0, 0.5, 1e308, -1, 60, 300),
);
const claim = fc.oneof(
  lifetime,
  fc.string(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const accessToken = fc.oneof(
  // A JWT with iat/exp in any shape, and other claims.
  fc
    .record({ iat: claim, exp: claim, sub: fc.oneof(fc.string(), fc.integer()), nonce: secret }, { requiredKeys: [] })
    .map((claims) => jwt(claims)),
  // A well-formed JWT on this clock.
  fc.integer({ min: 1, max: 3600 }).map((life) => aliceJwt(life)),
  secret, // opaque
  secret.map((s) => `${s}\r\nX-Injected: 1`),
  secret.map((s) => `${s} é`),
  fc.constantFrom('', ' ', 'a.b.c', 'x'.repeat(70_000)),
  fc.constantFrom(42, null, true, { token: 'sEcReTnested0000' }, ['sEcReTarray00000']),
);
const body = fc.oneof(
  fc
    .record(
      {
        access_token: accessToken,
        refresh_token: fc.oneof(secret, fc.constantFrom('', 7, null, { a: 1 })),
        expires_in: fc.oneof(lifetime, fc.constantFrom('300', null, 'soon', [300])),
        token_type: fc.constantFrom('Bearer', 'bearer', 'MAC', 5),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom('<html>502 Bad Gateway</html>', '{"access_token": "sEcReTtruncated', ''),
);
const STATUSES = [200, 201, 203, 204, 206, 299, 300, 301, 302, 304, 307, 308, 400, 401, 403, 404, 408, 409, 418, 429];
const answer = fc.record({
  status: fc.oneof(fc.constantFrom(...STATUSES, 500, 502, 503, 504, 599), fc.integer({ min: 200, max: 599 })),
  body,
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', null),
  retryAfter: fc.option(
    fc.oneof(fc.string(), fc.constantFrom('0', '-1', '1e9', '3600', 'Wed, 01 Jan 2020 00:00:00 GMT')),
  ),
  date: fc.option(
    fc.oneof(
      fc.string(),
      fc.integer({ min: -86_400, max: 86_400 }).map((s) => new Date(Date.now() + s * 1000).toUTCString()),
    ),
  ),
});
type Answer = typeof answer extends fc.Arbitrary<infer T> ? T : never;

const respond = (a: Answer): Response => {
  const headers = new Headers();
  if (a.contentType) headers.set('content-type', a.contentType);
  if (a.retryAfter !== null) headers.set('retry-after', a.retryAfter.replace(/[^\t\x20-\x7e]/g, ''));
  if (a.date !== null) headers.set('date', a.date.replace(/[^\t\x20-\x7e]/g, ''));
  if (a.status >= 300 && a.status < 400) headers.set('location', 'https://elsewhere.test/x');
  const empty = a.status === 204 || a.status === 205 || a.status === 304;
  return new Response(empty ? null : a.body, { status: a.status, headers });
};

/** What API.md says an answer's status means, for login and for a refresh that sent a refresh token. */
function expected(kind: 'login' | 'refresh', status: number): 'adopt-or-invalid' | 'none' | 'refused' | string {
  if (status >= 300 && status < 400) return 'invalid_response'; // a redirect is a failed call, never followed
  if (kind === 'refresh' && status === 204) return 'none';
  if (status >= 200 && status < 300) return 'adopt-or-invalid';
  if (status === 400 || status === 401) return kind === 'login' ? 'invalid_credentials' : 'refused';
  if (status === 408 || status === 429 || status >= 500) return 'network';
  return kind === 'login' ? 'invalid_credentials' : 'network';
}

/** Every string in the answer that looks like a secret (and the access token, whatever it is). */
function secrets(a: Answer): string[] {
  const found = new Set<string>();
  for (const m of a.body.matchAll(/sEcReT[^"\\]{6,}/g)) found.add(m[0].slice(0, 18));
  try {
    const token = (JSON.parse(a.body) as { access_token?: unknown }).access_token;
    if (typeof token === 'string' && token.length >= 12) found.add(token.slice(-12));
  } catch {}
  return [...found];
}

/** The state holds together: status, user, expiry and error agree, and an adopted token is a usable header value. */
async function coherent(state: AuthState, token: string | null) {
  expect(['authenticated', 'unauthenticated']).toContain(state.status);
  if (state.status === 'authenticated') {
    expect(token).toMatch(/^[!-~]([ -~]*[!-~])?$/);
    expect(state.error).toBeNull();
    expect(state.expiresAt === null || Number.isFinite(state.expiresAt)).toBe(true);
    expect(state.user === null || (typeof state.user === 'object' && !Array.isArray(state.user))).toBe(true);
  } else {
    expect(state).toMatchObject({ user: null, expiresAt: null });
  }
  if (state.error) expect(state.error).toBeInstanceOf(AuthError);
}

const logged: unknown[] = [];
/** Which outcomes the answers reached, per kind: each property must reach every one (else it tests less than it says). */
const reached = { login: new Set<string>(), refresh: new Set<string>() };
afterEach(() => vi.restoreAllMocks());

function client(answers: Array<() => Response>) {
  const fetch = vi.fn(async () => (answers.shift() ?? (() => new Response(null, { status: 503 })))());
  const auth = createAuthClient({ baseUrl: BASE, refreshToken: 'memory', channel: false, fetch, timeout: 2 });
  return { auth, fetch };
}

describe('whatever a hostile auth server answers', () => {
  it('login: the status decides, a 2xx is adopted only when usable, errors are typed and quote no token (1,500 answers)', async () => {
    for (const method of ['warn', 'error'] as const)
      vi.spyOn(console, method).mockImplementation((...args) => void logged.push(...args));
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        logged.length = 0;
        const { auth } = client([() => respond(a)]);
        const outcome = await auth.login({ username: 'alice', password: 'sEcReTpassword1' }).then(
          (state) => ({ state }),
          (error: unknown) => ({ error }),
        );
        const want = expected('login', a.status);
        reached.login.add('error' in outcome ? (outcome.error as AuthError).code : 'adopted');
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(AuthError);
          const { code } = outcome.error as AuthError;
          expect(CODES).toContain(code);
          expect(code).toBe(want === 'adopt-or-invalid' ? 'invalid_response' : want);
          expect(auth.getState().status).toBe('unauthenticated');
          for (const s of [...secrets(a), 'sEcReTpassword1']) expect(reachable(outcome.error)).not.toContain(s);
        } else {
          expect(want).toBe('adopt-or-invalid');
          expect(outcome.state.status).toBe('authenticated');
          expect(await auth.getAccessToken()).toBe((JSON.parse(a.body) as { access_token: string }).access_token);
        }
        await coherent(auth.getState(), await auth.getAccessToken().catch(() => null));
        for (const s of secrets(a)) expect(reachable(logged)).not.toContain(s);
        auth.dispose();
      }),
      { numRuns: 1500, seed: PROPERTY_SEED },
    );
    expect([...reached.login].sort()).toEqual(['adopted', 'invalid_credentials', 'invalid_response', 'network']);
  }, 120_000);

  it('a refresh: the session is kept on a transient failure, ended on 400/401 or 204, errors quote no token (1,500 answers)', async () => {
    for (const method of ['warn', 'error'] as const)
      vi.spyOn(console, method).mockImplementation((...args) => void logged.push(...args));
    const good = () => Response.json({ access_token: aliceJwt(), refresh_token: 'rt-1' });
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        logged.length = 0;
        const { auth, fetch } = client([good, () => respond(a)]);
        await auth.login({ username: 'alice' });
        const before = await auth.getAccessToken();
        const outcome = await auth.refresh().then(
          (state) => ({ state }),
          (error: unknown) => ({ error }),
        );
        // Its request carried the refresh token the login gave.
        const [, sent] = fetch.mock.calls[1] as unknown as [string, RequestInit];
        expect(JSON.parse(String(sent.body))).toEqual({ refresh_token: 'rt-1' });
        const want = expected('refresh', a.status);
        const state = auth.getState();
        reached.refresh.add(
          'error' in outcome ? (outcome.error as AuthError).code : state.status === 'authenticated' ? 'adopted' : want,
        );
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(AuthError);
          const { code } = outcome.error as AuthError;
          expect(code).toBe(want === 'adopt-or-invalid' ? 'invalid_response' : want);
          // Transient: the session and its token are kept.
          expect(state.status).toBe('authenticated');
          expect(await auth.getAccessToken()).toBe(before);
          for (const s of secrets(a)) expect(reachable(outcome.error)).not.toContain(s);
        } else if (want === 'refused' || want === 'none') {
          expect(state.status).toBe('unauthenticated');
          expect(state.error?.code ?? null).toBe(want === 'refused' ? 'session_expired' : null);
          expect(await auth.getAccessToken()).toBeNull();
        } else {
          expect(want).toBe('adopt-or-invalid');
          expect(state.status).toBe('authenticated');
          expect(await auth.getAccessToken()).toBe((JSON.parse(a.body) as { access_token: string }).access_token);
        }
        await coherent(state, await auth.getAccessToken().catch(() => null));
        if (state.error) for (const s of secrets(a)) expect(reachable(state.error)).not.toContain(s);
        for (const s of secrets(a)) expect(reachable(logged)).not.toContain(s);
        auth.dispose();
      }),
      { numRuns: 1500, seed: PROPERTY_SEED },
    );
    expect([...reached.refresh].sort()).toEqual(['adopted', 'invalid_response', 'network', 'none', 'refused']);
  }, 120_000);
});
