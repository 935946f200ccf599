import { createAuthClient } from 'keycard';
import type { AuthClient, AuthClientOptions } from 'keycard';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BASE, login, post, useMsw } from './helpers';

const mockServer = useMsw();

function client(options: Partial<AuthClientOptions> = {}): AuthClient {
  const auth = createAuthClient({ baseUrl: BASE, channel: false, ...options });
  onTestFinished(() => auth.dispose());
  return auth;
}

// The real client against the mock server: what a user's own test looks like.
describe.each([
  { name: 'cookie mode', server: { refreshTokenMode: 'cookie' }, client: { refreshToken: 'cookie' } },
  { name: 'body mode / memory', server: { refreshTokenMode: 'body' }, client: { refreshToken: 'memory' } },
] as const)('createAuthClient, $name', (setup) => {
  it('login → API call → revokeAccessTokens → auth.fetch replays after one refresh', async () => {
    const server = mockServer(setup.server);
    const auth = client(setup.client);

    await auth.login({ username: 'alice', password: 'wonderland' });
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'alice' } });
    expect(await (await auth.fetch(`${BASE}/api/me`)).json()).toMatchObject({ ok: true, sub: 'alice' });

    server.revokeAccessTokens();
    const response = await auth.fetch(`${BASE}/api/notes`, { method: 'POST', body: '{"text":"hi"}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      sub: 'alice',
      method: 'POST',
      path: '/api/notes',
      body: '{"text":"hi"}',
    });
    expect(server.stats).toEqual({ logins: 1, refreshes: 1, logouts: 0, apiCalls: 3, api401s: 1 });
  });

  it('a refresh answered invalid_grant ends the session with session_expired', async () => {
    const server = mockServer(setup.server);
    const auth = client(setup.client);
    await auth.login({ username: 'alice', password: 'wonderland' });
    server.revokeSession();
    const response = await auth.fetch(`${BASE}/api/me`);
    expect(response.status).toBe(401);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
    expect(server.stats.refreshes).toBe(1);
  });
});

describe("createAuthClient against refreshTokenMode 'none' (a server that issues no refresh token)", () => {
  it('login → the token serves its whole life with no refresh request → session_expired at its expiry', async () => {
    vi.useFakeTimers();
    onTestFinished(() => void vi.useRealTimers());
    const server = mockServer({ refreshTokenMode: 'none', accessTokenLifetime: 60 });
    const auth = client({ refreshToken: 'memory' });
    expect(await (await login()).json()).not.toHaveProperty('refresh_token');
    expect((await server.issueTokens()).refresh_token).toBeUndefined();

    await auth.login({ username: 'alice', password: 'wonderland' });
    await vi.advanceTimersByTimeAsync(45_000); // past when a refresh would fall due (30 s)
    expect((await auth.fetch(`${BASE}/api/me`)).status).toBe(200);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
    expect(server.stats).toMatchObject({ refreshes: 0, api401s: 0 });
    // Its refresh endpoint has no session to give, whatever is sent.
    expect((await post('/auth/refresh', { refresh_token: 'anything' })).status).toBe(204);
  });
});

describe('createAuthClient, cookie mode restore', () => {
  it('restore() signs in from a cookie seeded by issueTokens(), and logout() ends it', async () => {
    const server = mockServer();
    await server.issueTokens('alice');
    const auth = client();
    expect(await auth.restore()).toMatchObject({ status: 'authenticated', user: { sub: 'alice' } });
    await auth.logout();
    expect(server.stats.logouts).toBe(1);
    expect(await client().restore()).toMatchObject({ status: 'unauthenticated' });
  });
});
