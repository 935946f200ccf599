import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { HTTPError, type Options } from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';
import { createAuthKy } from 'keycard/ky';

const server = createMockAuthServer();
const msw = setupServer(...server.handlers);
let auth: AuthClient;

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  msw.resetHandlers();
  auth?.dispose();
  server.reset();
});
afterAll(() => msw.close());

async function signedIn() {
  auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false });
  await auth.login({ username: 'alice', password: 'wonderland' });
  return auth;
}

interface Echo {
  ok: boolean;
  sub: string;
  method: string;
  path: string;
  body: string;
}

// A permanent 401: the access token is revoked and the refresh is refused too.
const killSession = () => server.revokeSession();

describe('createAuthKy', () => {
  it('sends the token: the protected API answers', async () => {
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/' });
    expect(await api.get('api/me').json<Echo>()).toMatchObject({
      ok: true,
      sub: 'alice',
      method: 'GET',
      path: '/api/me',
    });
    expect(server.stats).toMatchObject({ apiCalls: 1, api401s: 0, refreshes: 0 });
  });

  it('a 401 causes exactly one refresh, then the replay succeeds without an HTTPError', async () => {
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/' });
    server.revokeAccessTokens();
    const echo = await api.post('api/todos', { json: { title: 'Ship it' } }).json<Echo>();
    expect(echo).toMatchObject({ ok: true, sub: 'alice', method: 'POST', body: '{"title":"Ship it"}' });
    expect(server.stats).toMatchObject({ apiCalls: 2, api401s: 1, refreshes: 1 });
  });

  it('concurrent 401s share one refresh', async () => {
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/' });
    server.revokeAccessTokens();
    const all = await Promise.all(['a', 'b', 'c'].map((p) => api.get(`api/${p}`).json<Echo>()));
    expect(all.map((e) => e.path)).toEqual(['/api/a', '/api/b', '/api/c']);
    expect(server.stats.refreshes).toBe(1);
  });

  it('throws HTTPError 401 only for the final failure, and never retries it', async () => {
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/' });
    killSession();
    const error = await api
      .get('api/me')
      .json()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.status).toBe(401);
    expect(server.stats).toMatchObject({ apiCalls: 1, refreshes: 1 });
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
  });

  it('user retry options cannot make ky retry a 401: create, per call, extend', async () => {
    const greedy: Options['retry'] = { limit: 3, statusCodes: [401, 500], afterStatusCodes: [401], delay: () => 0 };
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/', retry: greedy });
    killSession();
    await expect(api.get('api/one')).rejects.toBeInstanceOf(HTTPError);
    expect(server.stats.apiCalls).toBe(1);

    await expect(api.get('api/two', { retry: { ...greedy, shouldRetry: () => true } })).rejects.toBeInstanceOf(
      HTTPError,
    );
    expect(server.stats.apiCalls).toBe(2);

    // Taken out before the first attempt, not refused after ky's retry delay.
    const started = Date.now();
    await expect(api.get('api/slow', { retry: { ...greedy, delay: () => 2000 } })).rejects.toBeInstanceOf(HTTPError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.stats.apiCalls).toBe(3);

    const extended = api.extend({
      retry: { ...greedy, shouldRetry: () => true },
      hooks: { init: [(o) => void (o.retry = greedy)] },
    });
    await expect(extended.get('api/three')).rejects.toBeInstanceOf(HTTPError);
    expect(server.stats.apiCalls).toBe(4);
  });

  it("keeps ky's own retry for other statuses", async () => {
    let calls = 0;
    msw.use(
      http.get('https://auth.test/flaky', () =>
        ++calls < 3 ? new HttpResponse(null, { status: 503 }) : HttpResponse.json({ ok: true }),
      ),
    );
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/', retry: { limit: 2, delay: () => 0 } });
    expect(await api.get('flaky').json()).toEqual({ ok: true });
    expect(calls).toBe(3);
    expect(server.stats.refreshes).toBe(0);
  });

  it('passes other options and hooks through', async () => {
    let seen: Headers | undefined;
    msw.use(
      http.get(
        'https://auth.test/headers',
        ({ request }) => ((seen = request.headers), HttpResponse.json({ ok: true })),
      ),
    );
    const order: string[] = [];
    const api = createAuthKy(await signedIn(), {
      baseUrl: 'https://auth.test/',
      headers: { 'x-app': 'demo' },
      searchParams: { v: '2' },
      hooks: {
        beforeRequest: [({ request }) => void (order.push('beforeRequest'), request.headers.set('x-trace', 't1'))],
        afterResponse: [({ response }) => void order.push(`afterResponse ${response.status}`)],
      },
    });
    await api.get('headers').json();
    expect(seen?.get('authorization')).toMatch(/^Bearer ey/);
    expect(seen?.get('x-app')).toBe('demo');
    expect(seen?.get('x-trace')).toBe('t1');
    expect(order).toEqual(['beforeRequest', 'afterResponse 200']);
  });

  it('throwHttpErrors: false returns the final 401 response', async () => {
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/', throwHttpErrors: false });
    killSession();
    const response = await api.get('api/me');
    expect(response.status).toBe(401);
    expect(server.stats).toMatchObject({ apiCalls: 1, refreshes: 1 });
  });

  it('forwards `auth: false` per call to auth.fetch: no token, no refresh', async () => {
    const api = createAuthKy(await signedIn(), { baseUrl: 'https://auth.test/' });
    const error = await api.get('api/me', { auth: false } as Options).catch((e: unknown) => e);
    expect((error as HTTPError).response.status).toBe(401);
    expect(server.stats).toMatchObject({ apiCalls: 1, api401s: 1, refreshes: 0 });
  });

  it('never sends the token to another origin', async () => {
    let seen: string | null | undefined;
    msw.use(
      http.get(
        'https://elsewhere.test/x',
        ({ request }) => ((seen = request.headers.get('authorization')), HttpResponse.json({})),
      ),
    );
    const api = createAuthKy(await signedIn());
    await api.get('https://elsewhere.test/x').json();
    expect(seen).toBeNull();
  });
});
