// keycard/oauth against a second real provider: Django OAuth Toolkit (Debian's python3-django-oauth-toolkit, started
// here from dot_server.py on 127.0.0.1 and a free port). Unlike oidc-provider it issues OPAQUE access tokens (the
// lifetime is `expires_in` alone), serves discovery only at `…/openid-configuration/` (before 2.4), lists no
// revocation endpoint there, and signs users in through Django's own login page. .ci/run installs the package;
// without it the test skips outside CI and fails in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStorage, type AuthClient } from 'keycard';
import { createOAuthClient, type OAuthClient, type OAuthClientOptions } from 'keycard/oauth';
import { hasPython, startPython } from '../python';
import { CLIENT_ID, REDIRECT_URI } from './provider';
import { expectRefreshedOnTime, expectReuseRefused, signInAt } from './real-providers';
import { RT_KEY } from './setup';

const hasDot = hasPython('oauth2_provider, jwcrypto', 'python3-django-oauth-toolkit', 'Django OAuth Toolkit');

/** Django's login page (the authorize endpoint sends the browser there): its form carries a CSRF token. */
const loginForm = (html: string) => {
  const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
  return csrf ? { csrfmiddlewaretoken: csrf } : undefined;
};

const clients: AuthClient[] = [];
afterAll(() => {
  for (const c of clients.splice(0)) c.dispose();
});

describe.skipIf(!hasDot && !process.env.CI)('Django OAuth Toolkit (real provider)', () => {
  let dot: { url: string; stop(): void };
  beforeAll(async () => {
    // 4 s tokens: the proactive refresh comes at 2 s (half the lifetime), within a test's time.
    dot = await startPython(new URL('./dot_server.py', import.meta.url), { ACCESS_SECONDS: '4' });
  }, 60_000);
  afterAll(() => dot?.stop());

  /** The README's Django OAuth Toolkit set-up. */
  const client = (extra: Partial<OAuthClientOptions> = {}) => {
    const navigations: string[] = [];
    const store = memoryStorage();
    const auth: OAuthClient = createOAuthClient({
      issuer: `${dot.url}/o`,
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      scope: 'openid read',
      revocationEndpoint: `${dot.url}/o/revoke_token/`,
      apiOrigins: [dot.url],
      refreshToken: store,
      transientStorage: memoryStorage(),
      navigate: (url) => void navigations.push(url),
      channel: false,
      ...extra,
    });
    clients.push(auth);
    return { auth, navigations, store };
  };
  const signedIn = async () => {
    const c = client();
    await c.auth.loginWithRedirect();
    await c.auth.handleRedirectCallback(await signInAt(c.navigations[0]!, loginForm));
    return c;
  };

  it('signs in by redirect with PKCE, calls the API with the opaque token, rotates, and revokes on logout', async () => {
    const { auth, navigations, store } = client();
    await auth.loginWithRedirect({ appState: { returnTo: '/orders' } });
    const { authState, appState } = await auth.handleRedirectCallback(await signInAt(navigations[0]!, loginForm));
    expect(appState).toEqual({ returnTo: '/orders' });
    expect(authState).toMatchObject({ status: 'authenticated', user: { sub: '1', aud: CLIENT_ID } });
    // An opaque token: its lifetime is expires_in, from the moment the response arrived.
    expect(authState.expiresAt! - Date.now()).toBeGreaterThan(3_000);
    expect(authState.expiresAt! - Date.now()).toBeLessThanOrEqual(4_000);
    const me = await auth.fetch(`${dot.url}/api/me/`);
    expect(await me.json()).toEqual({ username: 'alice' });

    const first = store.get(RT_KEY);
    const before = await auth.getAccessToken();
    await auth.refresh();
    expect(await auth.getAccessToken()).not.toBe(before);
    expect(store.get(RT_KEY)).not.toBe(first);
    expect((await auth.fetch(`${dot.url}/api/me/`)).status).toBe(200);

    const held = store.get(RT_KEY) as string;
    expect(await auth.logout()).toEqual({ revoked: true });
    // The revoked token is refused at the token endpoint now.
    const spent = await fetch(`${dot.url}/o/token/`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: held, client_id: CLIENT_ID }),
    });
    expect(spent.status).toBe(400);
  });

  it('a rotated-away refresh token is refused (invalid_grant): that session ends with session_expired', async () => {
    // Django OAuth Toolkit refuses only the reused token, not its family (REFRESH_TOKEN_REUSE_PROTECTION, 3.0 and
    // later, off by default, would end the family): the rightful client goes on.
    await expectReuseRefused(await signedIn(), client(), `${dot.url}/api/me/`);
  });

  it('refreshes the opaque token at half its expires_in, on its own clock, and the API never sees it expired', async () => {
    await expectRefreshedOnTime((await signedIn()).auth, `${dot.url}/api/me/`);
  }, 20_000);
});
