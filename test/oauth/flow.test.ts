// The whole OAuth life of a session against a real oidc-provider: login by
// redirect with PKCE, API calls with the JWT access token, refresh with
// rotation, reuse detection, revocation and end-session on logout.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeJwt } from 'jose';
import {
  ACCESS_TOKEN_TTL,
  CLIENT_ID,
  POST_LOGOUT_REDIRECT_URI,
  REDIRECT_URI,
  startProvider,
  type TestProvider,
} from './provider';
import { redeem, setup } from './setup';

let op: TestProvider;
beforeAll(async () => {
  op = await startProvider();
});
afterAll(() => op?.close());
afterEach(() => {
  vi.useRealTimers();
});

describe('login by redirect', () => {
  it('sends an authorization request with PKCE S256, state and nonce, keeping them only until the callback', async () => {
    const { auth, navigations, transient, browser } = setup(op);
    await auth.loginWithRedirect({ appState: { returnTo: '/orders' } });

    const url = new URL(navigations[0] as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${op.issuer}/auth`);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      code_challenge_method: 'S256',
      scope: 'openid offline_access profile email api:read',
      prompt: 'consent',
    });
    expect(q.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(q.state).toMatch(/^[\w-]{43}$/);
    expect(q.nonce).toMatch(/^[\w-]{43}$/);
    expect(q.code_verifier).toBeUndefined();
    expect(transient.size).toBe(1);

    const result = await auth.handleRedirectCallback(await browser.visit(url.href));
    expect(transient.size).toBe(0);
    expect(result.appState).toEqual({ returnTo: '/orders' });
    expect(result.authState.status).toBe('authenticated');
  });

  it('exchanges the code as a public client and exposes the verified ID token claims as state.user', async () => {
    const { auth, sentTo, signIn, refreshToken, events } = setup(op);
    const before = Date.now();
    const { authState } = await signIn('alice');

    const [exchange] = sentTo('/token');
    expect(exchange?.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(exchange?.body ?? [])).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
    });
    expect(exchange?.body.get('code_verifier')).toMatch(/^[\w-]{43}$/);

    expect(authState.user).toMatchObject({
      sub: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
      iss: op.issuer,
      aud: CLIENT_ID,
    });
    expect(auth.getState()).toBe(authState);
    expect(refreshToken()).toEqual(expect.any(String));
    expect(events).toContainEqual({ type: 'login', user: authState.user, fromTab: false });
    // A 60 s token, measured on this device's clock from the moment the response arrived.
    expect(authState.expiresAt).toBeGreaterThanOrEqual(before + ACCESS_TOKEN_TTL * 1000);
    expect(authState.expiresAt).toBeLessThanOrEqual(Date.now() + ACCESS_TOKEN_TTL * 1000);
  });

  it('calls a resource server that verifies the JWT access token against the provider JWKS', async () => {
    const { auth, signIn } = setup(op);
    const anonymous = await auth.fetch(op.api);
    expect(anonymous.status).toBe(401);

    await signIn('bob');
    const response = await auth.fetch(op.api);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'bob', scope: 'api:read' });
    expect(op.apiCalls.at(-1)).toEqual({ status: 200, sub: 'bob' });
  });
});

describe('refresh', () => {
  it('rotates the refresh token and verifies the refreshed ID token', async () => {
    const { auth, signIn, refreshToken, sentTo } = setup(op);
    const { authState } = await signIn();
    const first = refreshToken();

    const refreshed = await auth.refresh();
    const [request] = sentTo('/token').slice(1);
    expect(Object.fromEntries(request?.body ?? [])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: first,
      client_id: CLIENT_ID,
    });
    expect(refreshed.status).toBe('authenticated');
    expect(refreshed.user).toMatchObject({ sub: 'alice', name: 'Alice Liddell' });
    expect(refreshed.expiresAt).toBeGreaterThanOrEqual(authState.expiresAt as number);
    expect(refreshToken()).toEqual(expect.any(String));
    expect(refreshToken()).not.toBe(first);

    expect((await auth.fetch(op.api)).status).toBe(200);
  });

  it('keeps the refresh token when a refresh response carries none', async () => {
    let strip = false;
    const { auth, signIn, refreshToken } = setup(op, {
      tamper: (url, body) => (strip && url.endsWith('/token') ? { ...body, refresh_token: undefined } : body),
    });
    await signIn();
    const held = refreshToken();
    strip = true;
    expect((await auth.refresh()).status).toBe('authenticated');
    expect(refreshToken()).toBe(held);
  });

  it('refreshes proactively once the token is due: at half its 60 s lifetime, not before', async () => {
    const { auth, signIn, sentTo, events } = setup(op);
    const { authState } = await signIn();
    const expiresAt = authState.expiresAt as number;
    const refreshes = () => sentTo('/token').length - 1;

    // Move the wall clock (for client, provider and API alike) instead of waiting 30 s.
    vi.useFakeTimers({ toFake: ['Date'], now: expiresAt - ACCESS_TOKEN_TTL * 1000 + 29_000 });
    expect((await auth.fetch(op.api)).status).toBe(200);
    expect(refreshes()).toBe(0);

    vi.setSystemTime(expiresAt - ACCESS_TOKEN_TTL * 1000 + 31_000);
    expect((await auth.fetch(op.api)).status).toBe(200);
    expect(refreshes()).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: 'refresh', trigger: 'due' }));
    expect(auth.getState().expiresAt).toBeGreaterThan(expiresAt);
  });

  it('ends the session when a rotated-away refresh token is reused (invalid_grant), and the provider revokes the grant', async () => {
    const { auth, signIn, refreshToken, refreshStore, events } = setup(op);
    await signIn();
    const stolen = refreshToken() as string;
    await auth.refresh();
    const current = refreshToken() as string;

    // An attacker replays the old token: refused, and oidc-provider revokes the whole grant.
    expect(await redeem(op, stolen)).toEqual({ status: 400, error: 'invalid_grant' });
    const state = await auth.refresh();
    expect(state.status).toBe('unauthenticated');
    expect(state.error?.code).toBe('session_expired');
    expect(state.error?.status).toBe(400);
    expect(state.user).toBeNull();
    expect(refreshStore.size).toBe(0);
    expect(events.at(-1)).toEqual({ type: 'logout', reason: 'session_expired' });
    expect(await redeem(op, current)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('ends the session when the client itself presents a reused refresh token', async () => {
    const { auth, signIn, refreshToken, refreshStore } = setup(op);
    await signIn();
    const old = refreshToken() as string;
    await auth.refresh();
    refreshStore.set('keycard.refresh_token', old);
    const state = await auth.refresh();
    expect(state).toMatchObject({
      status: 'unauthenticated',
      error: expect.objectContaining({ code: 'session_expired' }),
    });
    expect((await auth.fetch(op.api)).status).toBe(401);
  });
});

describe('logout', () => {
  it('revokes the refresh token (RFC 7009): the provider refuses it afterwards', async () => {
    const { auth, signIn, refreshToken, sentTo } = setup(op);
    await signIn();
    const held = refreshToken() as string;
    await auth.logout();
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null, error: null });
    const [revocation] = sentTo('/token/revocation');
    expect(Object.fromEntries(revocation?.body ?? [])).toEqual({
      token: held,
      token_type_hint: 'refresh_token',
      client_id: CLIENT_ID,
    });
    expect(refreshToken()).toBeNull();
    expect(await redeem(op, held)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('logoutWithRedirect revokes, then ends the provider session through end_session_endpoint', async () => {
    const { auth, signIn, navigations, browser, refreshToken, sentTo } = setup(op);
    await signIn();
    const held = refreshToken() as string;

    await auth.logoutWithRedirect();
    expect(auth.getState().status).toBe('unauthenticated');
    expect(sentTo('/token/revocation')).toHaveLength(1);
    expect(await redeem(op, held)).toEqual({ status: 400, error: 'invalid_grant' });

    const url = new URL(navigations.at(-1) as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${op.issuer}/session/end`);
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(POST_LOGOUT_REDIRECT_URI);
    expect(decodeJwt(url.searchParams.get('id_token_hint') as string)).toMatchObject({ sub: 'alice', aud: CLIENT_ID });

    // The user confirms on the provider's page and lands back on the app…
    expect(await browser.visit(url.href, { stopAt: POST_LOGOUT_REDIRECT_URI })).toBe(POST_LOGOUT_REDIRECT_URI);
    // …and the provider's single sign-on session is gone: a silent login now needs the user.
    await auth.loginWithRedirect({ params: { prompt: 'none' } });
    const callback = await browser.visit(navigations.at(-1) as string);
    const error = await auth.handleRedirectCallback(callback).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AuthError', code: 'invalid_credentials', cause: { error: 'login_required' } });
  });
});
