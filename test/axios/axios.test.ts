// axios through keycard with no interceptor: axios's fetch adapter takes the fetch it calls from `env.fetch`
// (axios 1.12+), so `auth.fetch` there gives every axios request keycard's token, its one shared refresh on a 401
// and the replay (README "axios"). Against keycard/testing's mock server on msw.
import axios, { type AxiosInstance } from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AuthClient, createAuthClient } from 'keycard';
import { isAuthError } from 'keycard/query';
import { createMockAuthServer } from 'keycard/testing';

const mock = createMockAuthServer({ baseUrl: 'https://auth.test' });
const foreign: Array<string | null> = [];
const msw = setupServer(
  ...mock.handlers,
  http.all('https://other.test/*', ({ request }) => {
    foreign.push(request.headers.get('authorization'));
    return HttpResponse.json({ ok: true });
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  mock.reset();
  foreign.length = 0;
});
afterAll(() => msw.close());

let auth: AuthClient;
let api: AxiosInstance;
afterEach(() => auth?.dispose());

/** README "axios": one instance, its requests through auth.fetch. */
async function signedIn(): Promise<void> {
  auth = createAuthClient({ baseUrl: 'https://auth.test' });
  api = axios.create({ baseURL: 'https://auth.test/api/', adapter: 'fetch', env: { fetch: auth.fetch } });
  await auth.login({ username: 'alice', password: 'wonderland' });
}

describe('axios with env.fetch = auth.fetch', () => {
  it('attaches the token; concurrent 401s share one refresh and each request is replayed with its own body', async () => {
    await signedIn();
    expect((await api.get('me')).data).toMatchObject({ ok: true, sub: 'alice', method: 'GET' });

    mock.revokeAccessTokens();
    const orders = Array.from({ length: 20 }, (_, i) => ({ item: `book ${i}`, qty: i }));
    const replies = await Promise.all(orders.map((order) => api.post('orders', order)));
    expect(replies.map((r) => r.status)).toEqual(orders.map(() => 200));
    expect(replies.map((r) => JSON.parse(r.data.body))).toEqual(orders);
    expect(mock.stats.refreshes).toBe(1);
    expect(mock.stats.api401s).toBe(20);
  });

  it('replays a FormData upload whole after a 401', async () => {
    await signedIn();
    mock.revokeAccessTokens();
    const form = new FormData();
    form.append('title', 'holiday');
    form.append('photo', new Blob(['not really a jpeg'], { type: 'image/jpeg' }), 'beach.jpg');
    const reply = await api.post('photos', form);
    expect(reply.status).toBe(200);
    expect(reply.data.body).toContain('holiday');
    expect(reply.data.body).toContain('not really a jpeg');
    expect(mock.stats.refreshes).toBe(1);
  });

  it('a session that ends: the 401 reaches axios as its error, which keycard/query’s isAuthError recognises', async () => {
    await signedIn();
    mock.revokeSession('alice');
    mock.revokeAccessTokens();
    const error = await api.get('me').catch((e: unknown) => e);
    expect(axios.isAxiosError(error) && error.response?.status).toBe(401);
    expect(isAuthError(error)).toBe(true);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
  });

  it('sends the token to no other origin, and to none where fetchOptions say auth: false', async () => {
    await signedIn();
    expect((await api.get('https://other.test/x')).status).toBe(200);
    expect(foreign).toEqual([null]);
    const anonymous = await api.get('me', { fetchOptions: { auth: false } }).catch((e: unknown) => e);
    expect(axios.isAxiosError(anonymous) && anonymous.response?.status).toBe(401);
    expect(mock.stats.refreshes).toBe(0); // auth: false skips the refresh and replay too
  });

  it('an abort while the request waits on the refresh rejects as axios’s cancel, and the session stays', async () => {
    await signedIn();
    mock.failNextRefresh('hang');
    mock.revokeAccessTokens();
    const controller = new AbortController();
    const pending = api.get('me', { signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(mock.stats.refreshes).toBe(1)); // its 401 came, and the refresh hangs
    controller.abort();
    expect(axios.isCancel(await pending)).toBe(true);
    expect(auth.getState().status).toBe('authenticated');
  });
});
