// keycard/oauth against a third real provider: Authlib's Flask AuthorizationServer (Debian's python3-authlib, started
// here from authlib_server.py on 127.0.0.1 and a free port), a provider library, not a product: its stock grants,
// PKCE, OpenID Connect and revocation, wired as its documentation does. Its access tokens are opaque (the lifetime is
// `expires_in` alone), it signs ID tokens with RS256 from a JWKS, and its refresh grant rotates only when told
// (INCLUDE_NEW_REFRESH_TOKEN). .ci/run installs the package; without it the test skips outside CI and fails in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStorage, type AuthClient } from 'keycard';
import { createOAuthClient, type OAuthClient } from 'keycard/oauth';
import { hasPython, startPython } from '../python';
import { CLIENT_ID, REDIRECT_URI } from './provider';
import { expectRefreshedOnTime, expectReuseRefused, signInAt } from './real-providers';
import { RT_KEY } from './setup';

const hasAuthlib = hasPython('authlib, flask', 'python3-authlib', 'Authlib');

/** Its login form: a username and a password field, nothing else. */
const loginForm = (html: string) => (html.includes('name="password"') ? {} : undefined);

const clients: AuthClient[] = [];
afterAll(() => {
  for (const c of clients.splice(0)) c.dispose();
});

describe.skipIf(!hasAuthlib && !process.env.CI)('Authlib (real provider library)', () => {
  let op: { url: string; stop(): void };
  let unrotated: { url: string; stop(): void };
  beforeAll(async () => {
    // 4 s tokens: the proactive refresh comes at 2 s (half the lifetime), within a test's time.
    [op, unrotated] = await Promise.all([
      startPython(new URL('./authlib_server.py', import.meta.url), { ACCESS_SECONDS: '4' }),
      startPython(new URL('./authlib_server.py', import.meta.url), { ACCESS_SECONDS: '60', ROTATE: '0' }),
    ]);
  }, 60_000);
  afterAll(() => {
    op?.stop();
    unrotated?.stop();
  });

  /** The README's generic set-up: the issuer, a public client, the refresh token in a TokenStorage. */
  const client = (issuer = op.url) => {
    const navigations: string[] = [];
    const store = memoryStorage();
    const auth: OAuthClient = createOAuthClient({
      issuer,
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      scope: 'openid profile offline_access',
      apiOrigins: [issuer],
      refreshToken: store,
      transientStorage: memoryStorage(),
      navigate: (url) => void navigations.push(url),
      channel: false,
    });
    clients.push(auth);
    return { auth, navigations, store };
  };
  const signedIn = async (issuer?: string) => {
    const c = client(issuer);
    await c.auth.loginWithRedirect();
    await c.auth.handleRedirectCallback(await signInAt(c.navigations[0]!, loginForm));
    return c;
  };

  it('signs in by redirect with PKCE and a verified ID token, calls the API, rotates, and revokes on logout', async () => {
    const { auth, navigations, store } = client();
    await auth.loginWithRedirect({ appState: { returnTo: '/orders' } });
    const authorize = new URL(navigations[0]!);
    expect(authorize.origin + authorize.pathname).toBe(`${op.url}/oauth/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const { authState, appState } = await auth.handleRedirectCallback(await signInAt(navigations[0]!, loginForm));
    expect(appState).toEqual({ returnTo: '/orders' });
    // The ID token's claims, verified against the provider's JWKS: Authlib's UserInfo, its iss, and aud as a list.
    expect(authState).toMatchObject({
      status: 'authenticated',
      user: { sub: '1', name: 'alice', iss: op.url, aud: [CLIENT_ID] },
    });
    // An opaque token: its lifetime is expires_in, from the moment the response arrived.
    expect(authState.expiresAt! - Date.now()).toBeGreaterThan(3_000);
    expect(authState.expiresAt! - Date.now()).toBeLessThanOrEqual(4_000);
    expect(await (await auth.fetch(`${op.url}/api/me`)).json()).toEqual({ username: 'alice' });

    const first = store.get(RT_KEY) as string;
    const before = await auth.getAccessToken();
    await auth.refresh();
    expect(await auth.getAccessToken()).not.toBe(before);
    expect(store.get(RT_KEY)).not.toBe(first);
    expect((await auth.fetch(`${op.url}/api/me`)).status).toBe(200);

    const held = store.get(RT_KEY) as string;
    expect(await auth.logout()).toEqual({ revoked: true });
    // The revoked refresh token is refused at the token endpoint now.
    const spent = await fetch(`${op.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: held, client_id: CLIENT_ID }),
    });
    expect(spent.status).toBe(400);
    expect(await spent.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a rotated-away refresh token is refused (invalid_grant): that session ends with session_expired', async () => {
    // Authlib refuses only the reused token (revoke_old_credential revoked it), not the family: the client goes on.
    await expectReuseRefused(await signedIn(), client(), `${op.url}/api/me`);
  });

  it("left at Authlib's default (no new refresh token in a refresh's answer), the second refresh is refused", async () => {
    // README, Authlib's set-up: its refresh grant answers without a refresh token unless INCLUDE_NEW_REFRESH_TOKEN,
    // and revoke_old_credential (as its docs write it) revokes the one just spent. keycard keeps the token it holds
    // when an answer brings none (RFC 6749 §6), so the next refresh spends a revoked token.
    const { auth, store } = await signedIn(unrotated.url);
    const held = store.get(RT_KEY);
    expect(await auth.refresh()).toMatchObject({ status: 'authenticated' });
    expect(store.get(RT_KEY)).toBe(held);
    expect(await auth.refresh()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'session_expired', status: 400 },
    });
  });

  it('refreshes the opaque token at half its expires_in, on its own clock, and the API never sees it expired', async () => {
    await expectRefreshedOnTime((await signedIn()).auth, `${op.url}/api/me`);
  }, 20_000);
});
