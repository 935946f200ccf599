import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, BASE, login, post, useMsw } from './helpers';

const mockServer = useMsw();

afterEach(() => vi.useRealTimers());

describe('login', () => {
  it('answers a token response for the right password', async () => {
    mockServer();
    const response = await login();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(body.refresh_token).toBeUndefined(); // cookie mode: the refresh token is never in JSON
    expect(decodeJwt(body.access_token).sub).toBe('alice');
  });

  it('answers 401 invalid_credentials for a wrong password or unknown user', async () => {
    mockServer();
    for (const credentials of [
      { username: 'alice', password: 'nope' },
      { username: 'bob', password: 'wonderland' },
    ]) {
      const response = await login(credentials);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_credentials' });
    }
  });

  it("puts a user's sub and extra claims in the token", async () => {
    mockServer({ users: [{ username: 'root', password: 'toor', sub: 'u_1', claims: { roles: ['admin'] } }] });
    const { access_token } = await (await login({ username: 'root', password: 'toor' })).json();
    expect(decodeJwt(access_token)).toMatchObject({ sub: 'u_1', roles: ['admin'] });
  });

  it('refuses requests without X-Requested-With (403) or a JSON content type (415)', async () => {
    const server = mockServer();
    const credentials = JSON.stringify({ username: 'alice', password: 'wonderland' });
    const noCsrf = await fetch(`${BASE}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: credentials,
    });
    expect(noCsrf.status).toBe(403);
    const form = await fetch(`${BASE}/auth/login`, {
      method: 'POST',
      headers: { 'X-Requested-With': 'keycard' },
      body: credentials,
    });
    expect(form.status).toBe(415);
    for (const path of ['/auth/refresh', '/auth/logout']) {
      expect(
        (await fetch(`${BASE}${path}`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } }))
          .status,
      ).toBe(403);
    }
    expect(server.stats.logins).toBe(2);
  });

  it('serves custom endpoint paths', async () => {
    mockServer({ endpoints: { login: '/v1/session', refresh: '/v1/session/refresh', logout: '/v1/session/end' } });
    const response = await post(
      '/v1/session',
      { username: 'alice', password: 'wonderland' },
      { credentials: 'include' },
    );
    expect(response.headers.get('set-cookie')).toContain('Path=/v1/session');
    expect((await post('/v1/session/refresh', {}, { credentials: 'include' })).status).toBe(200);
  });
});

describe('access tokens', () => {
  it('are ES256 JWTs that verify against the JWKS, with sub, iat, exp and jti', async () => {
    const server = mockServer({ accessTokenLifetime: 20 });
    const { access_token, expires_in } = await (await login()).json();
    const { payload, protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(await server.jwks()));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(payload.exp! - payload.iat!).toBe(20);
    expect(expires_in).toBe(20);
    expect(payload.jti).toEqual(expect.any(String));
    expect(Math.abs(payload.iat! * 1000 - Date.now())).toBeLessThan(2000);
  });

  it('serves the JWKS at /.well-known/jwks.json', async () => {
    const server = mockServer();
    const served = await (await fetch(`${BASE}/.well-known/jwks.json`)).json();
    expect(served).toEqual(await server.jwks());
    expect(served.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.any(String) });
  });

  it('shift iat, exp and the Date header by clockSkew, on the faked clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    mockServer({ clockSkew: -3600 });
    const response = await login();
    const { access_token } = await response.json();
    const { iat, exp } = decodeJwt(access_token);
    const serverNow = Date.parse('2029-12-31T23:00:00Z') / 1000;
    expect(iat).toBe(serverNow);
    expect(exp).toBe(serverNow + 300);
    expect(response.headers.get('date')).toBe('Mon, 31 Dec 2029 23:00:00 GMT');
  });

  it('can be opaque, and expires_in can be left out', async () => {
    mockServer({ accessTokenFormat: 'opaque', expiresIn: false });
    const body = await (await login()).json();
    expect(body.access_token.split('.')).toHaveLength(1);
    expect(body.expires_in).toBeUndefined();
    expect((await api(body.access_token)).status).toBe(200);
  });
});

describe('the protected API route', () => {
  it('echoes sub, method, path and body for a valid token', async () => {
    mockServer();
    const { access_token } = await (await login()).json();
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const body = method === 'GET' ? undefined : `{"n":"${method}"}`;
      const response = await api(access_token, '/api/items/7?x=1', { method, body });
      expect(await response.json()).toEqual({
        ok: true,
        sub: 'alice',
        method,
        path: '/api/items/7?x=1',
        body: body ?? '',
      });
    }
  });

  it('answers 401 with a Bearer challenge for a missing, forged or expired token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = mockServer({ accessTokenLifetime: 20 });
    const missing = await api(undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const { access_token } = await (await login()).json();
    const forged = await api(`${access_token.slice(0, -4)}AAAA`);
    expect(forged.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await api(access_token)).status).toBe(200);
    vi.advanceTimersByTime(20_000);
    expect((await api(access_token)).status).toBe(401);
    expect(server.stats).toMatchObject({ apiCalls: 4, api401s: 3 });
  });

  it('verifies against the skewed server clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    mockServer({ clockSkew: 7200, accessTokenLifetime: 60 });
    const { access_token } = await (await login()).json();
    expect((await api(access_token)).status).toBe(200);
    vi.advanceTimersByTime(61_000);
    expect((await api(access_token)).status).toBe(401);
  });

  it('lives at apiBaseUrl when given', async () => {
    mockServer({ apiBaseUrl: 'https://api.test/v1' });
    const { access_token } = await (await login()).json();
    const response = await fetch('https://api.test/v1/api/me', {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(await response.json()).toMatchObject({ ok: true, path: '/v1/api/me' });
  });
});

describe('revocation', () => {
  it('revokeAccessTokens() makes current tokens fail with invalid_token; new ones work', async () => {
    const server = mockServer();
    const { access_token } = await (await login()).json();
    server.revokeAccessTokens();
    const response = await api(access_token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const refreshed = await (await post('/auth/refresh', {}, { credentials: 'include' })).json();
    expect((await api(refreshed.access_token)).status).toBe(200);
  });

  it('revokeSession() ends refresh and access tokens; expireRefreshTokens() only refresh', async () => {
    const server = mockServer({ refreshTokenMode: 'body' });
    const first = await (await login()).json();
    server.expireRefreshTokens();
    expect((await post('/auth/refresh', { refresh_token: first.refresh_token })).status).toBe(401);
    expect((await api(first.access_token)).status).toBe(200);

    const second = await (await login()).json();
    server.revokeSession('alice');
    expect((await post('/auth/refresh', { refresh_token: second.refresh_token })).status).toBe(401);
    expect((await api(second.access_token)).status).toBe(401);
  });

  it('reset() forgets every session, token and counter', async () => {
    const server = mockServer({ refreshTokenMode: 'body' });
    const { access_token, refresh_token } = await (await login()).json();
    server.reset();
    expect(server.stats).toEqual({ logins: 0, refreshes: 0, logouts: 0, apiCalls: 0, api401s: 0 });
    expect((await api(access_token)).status).toBe(401);
    expect((await post('/auth/refresh', { refresh_token })).status).toBe(401);
  });
});

describe('stats', () => {
  it('count every request received, successful or not', async () => {
    const server = mockServer({ refreshTokenMode: 'body' });
    await login({ username: 'alice', password: 'x' });
    const { access_token, refresh_token } = await (await login()).json();
    await post('/auth/refresh', { refresh_token });
    await post('/auth/refresh', { refresh_token }); // reuse: 401, still counted
    await api(access_token);
    await api('garbage');
    await post('/auth/logout', {});
    expect(server.stats).toEqual({ logins: 2, refreshes: 2, logouts: 1, apiCalls: 2, api401s: 1 });
  });
});
