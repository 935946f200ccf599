// Options and defaults outside a browser (Node, React Native): validation,
// the in-memory transient store, request parameters, and login() as a plain
// token request. The token endpoint is faked; no ID tokens (no openid scope).
import { describe, expect, it, vi } from 'vitest';
import { createOAuthClient, type OAuthClientOptions } from 'keycard/oauth';
import { NO_DISCOVERY } from './setup';

const base = NO_DISCOVERY;

function fakeProvider() {
  const posts: URLSearchParams[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    posts.push(new URLSearchParams(String(init?.body)));
    return Response.json({ access_token: `at-${posts.length}`, expires_in: 60, refresh_token: `rt-${posts.length}` });
  };
  return { posts, fetch };
}

describe('createOAuthClient', () => {
  it('refuses incomplete or impossible options with a TypeError', () => {
    expect(() => createOAuthClient({ ...base, clientId: undefined } as unknown as OAuthClientOptions)).toThrow(
      TypeError,
    );
    expect(() => createOAuthClient({ ...base, tokenEndpoint: undefined })).toThrow(/issuer|tokenEndpoint/);
    expect(() => createOAuthClient({ ...base, refreshToken: 'cookie' } as unknown as OAuthClientOptions)).toThrow(
      /memory/,
    );
    expect(() => createOAuthClient(undefined as unknown as OAuthClientOptions)).toThrow(TypeError);
    expect(() => createOAuthClient({ ...base, scope: 'openid' })).toThrow(/issuer/);
  });

  it('asks for navigate and the callback URL where there is no browser', async () => {
    const auth = createOAuthClient(base);
    await expect(auth.loginWithRedirect()).rejects.toThrow(/navigate/);
    await expect(auth.handleRedirectCallback()).rejects.toThrow(/redirect URL/);
    expect(auth.isRedirectCallback('not a url')).toBe(false);
  });

  it('completes a redirect in one process with the default (in-memory) transient store, like a React Native app', async () => {
    const { posts, fetch } = fakeProvider();
    let opened = '';
    const auth = createOAuthClient({ ...base, fetch, navigate: (url) => void (opened = url) });
    await auth.loginWithRedirect({ appState: { screen: 'Orders' } });
    const state = new URL(opened).searchParams.get('state');
    const callback = `com.example.app:/callback?code=c1&state=${state}`;
    expect(auth.isRedirectCallback(callback)).toBe(true);

    const { authState, appState } = await auth.handleRedirectCallback(callback);
    expect(authState.status).toBe('authenticated');
    expect(appState).toEqual({ screen: 'Orders' });
    expect(Object.fromEntries(posts[0] ?? [])).toEqual({
      grant_type: 'authorization_code',
      code: 'c1',
      redirect_uri: base.redirectUri,
      code_verifier: expect.stringMatching(/^[\w-]{43}$/),
      client_id: 'app',
    });
    expect(await auth.getAccessToken()).toBe('at-1');
  });

  it('sends resource and extra parameters, but never lets them replace the protocol ones', async () => {
    const { posts, fetch } = fakeProvider();
    let opened = '';
    const auth = createOAuthClient({
      ...base,
      fetch,
      resource: 'https://api.example.com',
      authorizationParams: { audience: 'orders', state: 'fixed', code_challenge_method: 'plain' },
      navigate: (url) => void (opened = url),
    });
    await auth.loginWithRedirect({ params: { login_hint: 'alice', redirect_uri: 'https://evil.example' } });
    const q = new URL(opened).searchParams;
    expect(Object.fromEntries(q)).toMatchObject({
      resource: 'https://api.example.com',
      audience: 'orders',
      login_hint: 'alice',
      code_challenge_method: 'S256',
      redirect_uri: base.redirectUri,
      scope: 'offline_access',
    });
    expect(q.get('state')).not.toBe('fixed');

    await auth.handleRedirectCallback(`${base.redirectUri}?code=c&state=${q.get('state')}`);
    await auth.refresh();
    expect(posts.map((p) => p.get('resource'))).toEqual(['https://api.example.com', 'https://api.example.com']);
    expect(Object.fromEntries(posts[1] ?? [])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: 'app',
      resource: 'https://api.example.com',
    });
  });

  it('login(fields) is a plain token request: any grant, string fields only', async () => {
    const { posts, fetch } = fakeProvider();
    const auth = createOAuthClient({ ...base, fetch });
    await auth.login({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'd1' });
    expect(Object.fromEntries(posts[0] ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'd1',
      client_id: 'app',
    });
    await expect(auth.login({ code: 42 })).rejects.toMatchObject({ name: 'AuthError', code: 'invalid_credentials' });
  });

  it('logoutWithRedirect only logs out where the provider has no end-session endpoint', async () => {
    const { fetch } = fakeProvider();
    const opened: string[] = [];
    const auth = createOAuthClient({ ...base, fetch, navigate: (url) => void opened.push(url) });
    await auth.login({ code: 'c' });
    await auth.logoutWithRedirect();
    expect(auth.getState().status).toBe('unauthenticated');
    expect(opened).toEqual([]);
  });

  it('warns once when offline_access was asked for but no refresh token came (the session would end with the token)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const auth = createOAuthClient({
        ...base,
        fetch: async () => Response.json({ access_token: 'at', expires_in: 60 }),
      });
      await auth.login({ code: 'a' });
      await auth.login({ code: 'b' });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/no refresh token/);
    } finally {
      warn.mockRestore();
    }
  });
});
