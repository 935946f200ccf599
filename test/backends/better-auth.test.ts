// The README's Better Auth recipe (better-auth.ts) against the real library (better-auth-server.ts): here without
// cookies, as a native app or a server-side client runs it (memory mode, a TokenStorage, the bearer() plugin); in
// browsers, with the HttpOnly session cookie, in better-auth.browsers.test.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient, type TokenStorage } from 'keycard';
import { betterAuth } from './better-auth';
import { ALICE, startBetterAuth, type BetterAuthApp } from './better-auth-server';

const APP = 'keycard-demo://'; // a native app's origin, trusted by the server
const alice = { email: ALICE.email, password: ALICE.password };

let server: BetterAuthApp;
beforeAll(async () => {
  server = await startBetterAuth(4, { trustedOrigins: [APP] });
});
afterAll(() => server?.stop());

const clients: AuthClient[] = [];
afterAll(() => {
  for (const c of clients.splice(0)) c.dispose();
});
const client = (refreshToken: 'memory' | TokenStorage = 'memory', origin: string | null = APP) => {
  const auth = createAuthClient({
    baseUrl: server.url,
    refreshToken,
    backend: betterAuth(origin ?? undefined),
    channel: false,
  });
  clients.push(auth);
  return auth;
};
/** A TokenStorage whose contents the test can see (a native app's secure storage, in its place). */
const secureStorage = () => {
  const map = new Map<string, string>();
  const storage: TokenStorage = {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
  };
  return { storage, held: () => [...map.values()] };
};
const me = (auth: AuthClient) => auth.fetch(`${server.url}/api/me`);
/** The session token, straight from the refresh endpoint's point of view: is it still a session? */
const isSession = async (session: string) =>
  (await fetch(`${server.url}/api/auth/token`, { headers: { Authorization: `Bearer ${session}` } })).status === 200;

describe('Better Auth (real library) without cookies: the bearer() plugin', () => {
  it('signs in, calls an API that verifies against the JWKS, refreshes on time with the same session, signs out', async () => {
    const { storage, held } = secureStorage();
    const auth = client(storage);
    await expect(auth.login({ ...alice, password: 'nope' })).rejects.toMatchObject({
      code: 'invalid_credentials',
      status: 401,
    });
    const state = await auth.login(alice);
    // The plugin's JWT carries the user: its claims are the state's user (for display; the API verifies).
    expect(state).toMatchObject({ status: 'authenticated', user: { email: ALICE.email, name: 'Alice' } });
    expect(await (await me(auth)).json()).toEqual({ email: ALICE.email });
    // The session token is the refresh token: the TokenStorage holds it, never the JWT.
    const [session] = held() as [string];
    expect(held()).toHaveLength(1);
    expect(session).not.toContain('.');
    expect(await isSession(session)).toBe(true);

    // 4 s tokens: the timer refreshes at half-life, Better Auth rotates nothing, and the session carries on.
    const first = await auth.getAccessToken();
    const before = server.tokens();
    await vi.waitFor(() => expect(server.tokens()).toBeGreaterThan(before), { timeout: 4_000, interval: 50 });
    await vi.waitFor(async () => expect(await auth.getAccessToken()).not.toBe(first), { timeout: 1_000 });
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error: null });
    expect((await me(auth)).status).toBe(200);
    expect(held()).toEqual([session]);

    await auth.logout();
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: null });
    expect(await isSession(session)).toBe(false); // sign-out ended it on the server
    expect(held()).toEqual([]);
  });

  it('a restart restores the session from the TokenStorage; a session ended on the server ends it with session_expired', async () => {
    const { storage } = secureStorage();
    await client(storage).login(alice);
    const restarted = client(storage);
    expect(await restarted.restore()).toMatchObject({ status: 'authenticated', user: { email: ALICE.email } });
    expect((await me(restarted)).status).toBe(200);

    server.revokeAll();
    expect(await restarted.refresh()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'session_expired', status: 401 },
    });
    expect((await me(restarted)).status).toBe(401);
  });

  it('a sign-in with no Origin the server trusts is refused (403): invalid_credentials with its status', async () => {
    for (const origin of [null, 'https://evil.example']) {
      await expect(client('memory', origin).login(alice)).rejects.toMatchObject({
        code: 'invalid_credentials',
        status: 403,
      });
    }
  });
});
