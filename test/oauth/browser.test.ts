// @vitest-environment jsdom
// What only a page has: sessionStorage for the one redirect, and an address
// bar to clean. The token endpoint is faked here (no ID token: scope without
// openid); the real provider is exercised in flow.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuthClient } from 'keycard/oauth';

const AUTHORIZE = 'https://id.test/authorize';
const TOKEN = 'https://id.test/token';
const PENDING_KEY = 'keycard.oauth:spa';

function client() {
  const navigations: string[] = [];
  const exchanges: URLSearchParams[] = [];
  const auth = createOAuthClient({
    discovery: false,
    authorizationEndpoint: AUTHORIZE,
    tokenEndpoint: TOKEN,
    clientId: 'spa',
    redirectUri: `${location.origin}/callback`,
    scope: 'offline_access',
    channel: false,
    navigate: (url) => void navigations.push(url),
    fetch: async (_input, init) => {
      exchanges.push(new URLSearchParams(String(init?.body)));
      return Response.json({ access_token: 'opaque-at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt-1' });
    },
  });
  /** The browser comes back from the provider to the redirect URI with `query`. */
  const land = (query: Record<string, string>) =>
    history.pushState(null, '', `/callback?tab=orders&${new URLSearchParams(query)}`);
  return { auth, navigations, exchanges, land };
}

beforeEach(() => {
  history.replaceState(null, '', '/');
  sessionStorage.clear();
});
afterEach(() => {
  sessionStorage.clear();
});

describe('in a browser', () => {
  it('keeps the verifier and state in sessionStorage only, and only until the callback', async () => {
    const { auth, navigations, exchanges } = client();
    await auth.loginWithRedirect();
    expect(Object.keys(sessionStorage)).toEqual([PENDING_KEY]);
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe('');
    const sent = new URL(navigations[0] as string).searchParams;
    const verifier = JSON.parse(sessionStorage.getItem(PENDING_KEY) as string).codeVerifier as string;
    expect(navigations[0]).not.toContain(verifier);

    // The provider sends the browser back: a new page load, a new client.
    auth.dispose();
    const page = client();
    page.land({ code: 'the-code', state: sent.get('state') as string });
    expect(page.auth.isRedirectCallback()).toBe(true);
    const { authState } = await page.auth.handleRedirectCallback();
    expect(authState.status).toBe('authenticated');
    expect(sessionStorage.length).toBe(0);
    expect(page.exchanges[0]?.get('code_verifier')).toBe(verifier);
    expect(page.exchanges[0]?.get('code')).toBe('the-code');
    expect(exchanges).toHaveLength(0);
  });

  it('removes the authorization response from the address bar, keeping the app’s own query', async () => {
    const { auth, navigations, land } = client();
    await auth.loginWithRedirect();
    const state = new URL(navigations[0] as string).searchParams.get('state') as string;
    land({ code: 'the-code', state, iss: 'https://id.test', session_state: 'x' });
    const entries = history.length;
    await auth.handleRedirectCallback();
    expect(location.href).toBe(`${location.origin}/callback?tab=orders`);
    // Replaced, not pushed: Back doesn't return to the code.
    expect(history.length).toBe(entries);
    expect(auth.isRedirectCallback()).toBe(false);
  });

  it('cleans up after a refused login too', async () => {
    const { auth, navigations, land, exchanges } = client();
    await auth.loginWithRedirect();
    const state = new URL(navigations[0] as string).searchParams.get('state') as string;
    land({ error: 'access_denied', error_description: 'The user said no', state });
    await expect(auth.handleRedirectCallback()).rejects.toMatchObject({
      code: 'invalid_credentials',
      cause: { error: 'access_denied' },
    });
    expect(location.search).toBe('?tab=orders');
    expect(sessionStorage.length).toBe(0);
    expect(exchanges).toHaveLength(0);
    expect(auth.getState().status).toBe('unauthenticated');
  });

  it('leaves the address bar alone when handling another URL', async () => {
    const { auth, navigations } = client();
    await auth.loginWithRedirect();
    const state = new URL(navigations[0] as string).searchParams.get('state') as string;
    history.replaceState(null, '', '/elsewhere?state=unrelated');
    await auth.handleRedirectCallback(`${location.origin}/callback?code=c&state=${state}`);
    expect(location.href).toBe(`${location.origin}/elsewhere?state=unrelated`);
  });
});
