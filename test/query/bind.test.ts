import { QueryClient, isCancelledError } from '@tanstack/query-core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';
import { bindQueryClient } from 'keycard/query';

const server = createMockAuthServer({
  users: [
    { username: 'alice', password: 'wonderland' },
    { username: 'bob', password: 'builder' },
  ],
});
const msw = setupServer(...server.handlers);
let auth: AuthClient;
let queryClient: QueryClient;
let unbind: () => void;

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  vi.useRealTimers();
  unbind?.();
  queryClient?.clear();
  auth?.dispose();
  server.reset();
});
afterAll(() => msw.close());

async function setup(signIn = true) {
  auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false });
  queryClient = new QueryClient();
  unbind = bindQueryClient(auth, queryClient);
  if (signIn) await auth.login({ username: 'alice', password: 'wonderland' });
}

/** Caches the signed-in user's `/api/me` answer, fetched through `auth.fetch`. */
const fetchMe = () =>
  queryClient.fetchQuery({
    queryKey: ['me'],
    queryFn: async ({ signal }) =>
      (await auth.fetch('https://auth.test/api/me', { signal })).json() as Promise<{ sub?: string }>,
  });
const cached = () => queryClient.getQueryData<{ sub?: string }>(['me']);

describe('bindQueryClient', () => {
  it('keeps the cache across a plain refresh', async () => {
    await setup();
    expect((await fetchMe()).sub).toBe('alice');
    const before = auth.getState();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5000);
    await auth.refresh();
    expect(auth.getState()).not.toBe(before); // the state did change
    expect(server.stats.refreshes).toBe(1);
    expect(cached()?.sub).toBe('alice');
  });

  it('clears queries and mutations on logout', async () => {
    await setup();
    await fetchMe();
    queryClient.getMutationCache().build(queryClient, { mutationKey: ['rename'] });
    expect(queryClient.getMutationCache().getAll()).toHaveLength(1);
    await auth.logout();
    expect(cached()).toBeUndefined();
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0);
    expect(queryClient.getMutationCache().getAll()).toHaveLength(0);
  });

  it('clears when the session ends on the server (refresh refused)', async () => {
    await setup();
    await fetchMe();
    server.expireRefreshTokens();
    await auth.refresh().catch(() => {});
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
    expect(cached()).toBeUndefined();
  });

  it('clears when a different user signs in without a logout (sub changes)', async () => {
    await setup();
    expect((await fetchMe()).sub).toBe('alice');
    await auth.login({ username: 'bob', password: 'builder' });
    expect(auth.getState().user?.sub).toBe('bob');
    expect(cached()).toBeUndefined();
    expect((await fetchMe()).sub).toBe('bob');
  });

  it('keeps the cache when the same user signs in again', async () => {
    await setup();
    await fetchMe();
    await auth.login({ username: 'alice', password: 'wonderland' });
    expect(cached()?.sub).toBe('alice');
  });

  it('keeps data fetched while signed out when a restore finds no session, and when signing in', async () => {
    await setup(false);
    queryClient.setQueryData(['public'], 'hydrated');
    await auth.restore();
    expect(auth.getState().status).toBe('unauthenticated');
    expect(queryClient.getQueryData(['public'])).toBe('hydrated');
    await auth.login({ username: 'alice', password: 'wonderland' });
    expect(queryClient.getQueryData(['public'])).toBe('hydrated');
  });

  it('clears on a logout() called before any session was established', async () => {
    await setup(false);
    queryClient.setQueryData(['draft'], 'from the last user');
    await auth.logout();
    expect(auth.getState().status).toBe('unauthenticated');
    expect(queryClient.getQueryData(['draft'])).toBeUndefined();
  });

  it('cancels queries in flight, so a late answer for the old user is dropped', async () => {
    await setup();
    let answer!: (value: string) => void;
    const pending = queryClient.fetchQuery({
      queryKey: ['slow'],
      queryFn: () => new Promise<string>((r) => (answer = r)),
    });
    await vi.waitFor(() => expect(answer).toBeTypeOf('function'));
    await auth.logout();
    expect(isCancelledError(await pending.catch((e: unknown) => e))).toBe(true);
    answer('alice-data');
    await Promise.resolve();
    expect(queryClient.getQueryData(['slow'])).toBeUndefined();
  });

  it('stops clearing once unbound', async () => {
    await setup();
    await fetchMe();
    unbind();
    await auth.logout();
    expect(cached()?.sub).toBe('alice');
    queryClient.setQueryData(['draft'], 'kept');
    await auth.logout(); // no session now: only the logout event could clear, and it is unbound too
    expect(queryClient.getQueryData(['draft'])).toBe('kept');
  });
});
