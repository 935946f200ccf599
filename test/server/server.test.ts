// End-to-end tests of the reference server (examples/server) over real HTTP.
// Cookies are handled by hand: read `set-cookie`, send `cookie`.

import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type KeycardServer, type ServerOptions } from '../../examples/server/index.mjs';

let server: KeycardServer;
beforeAll(async () => {
  server = await createServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.configure({ tokenLifetime: 300, clockOffset: 0 });
  server.setFaults({ refresh: null });
});

const ALICE = { username: 'alice', password: 'wonderland' };

function post(path: string, body?: unknown, headers: Record<string, string> = {}, base = server.url) {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'keycard', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const cookieOf = (res: Response) => /keycard_rt=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
const withCookie = (token: string | undefined) => ({ cookie: `keycard_rt=${token}` });
const refresh = (token: string | undefined) => post('/auth/refresh', {}, withCookie(token));
const api = (path: string, token?: string) =>
  fetch(server.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function login(credentials: Record<string, unknown> = ALICE, headers: Record<string, string> = {}) {
  const res = await post('/auth/login', credentials, headers);
  expect(res.status).toBe(200);
  const json = (await res.json()) as { access_token: string; refresh_token?: string; expires_in: number };
  return { res, json, cookie: cookieOf(res), token: json.access_token };
}

/** A raw request, because fetch won't let a test choose the Host header. */
function rawLogin(headers: Record<string, string>) {
  const { port } = new URL(server.url);
  return new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/auth/login', method: 'POST', headers }, (res) => {
      res.resume();
      resolve(String(res.headers['set-cookie']));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ ...ALICE }));
  });
}

describe('login', () => {
  it('answers good credentials with a token response and an HttpOnly refresh cookie', async () => {
    const { res, json, cookie } = await login();
    expect(json).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    expect(json).not.toHaveProperty('refresh_token');
    expect(cookie).toMatch(/^[\w-]{43}$/);
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Path=\/auth; Max-Age=604800/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    { username: 'alice', password: 'nope' },
    { username: 'mallory', password: 'wonderland' },
    { username: 'alice' },
    { username: ['alice'], password: { $ne: '' } },
  ])('refuses %j with 401 invalid_credentials', async (credentials) => {
    const res = await post('/auth/login', credentials);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_credentials' });
  });

  it('issues an ES256 JWT that verifies against /.well-known/jwks.json, with claims and lifetime', async () => {
    server.configure({ tokenLifetime: 120 });
    const { token, json } = await login({ username: 'bob', password: 'builder' });
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: jwks.keys[0]?.kid });
    expect(payload).toMatchObject({ sub: 'bob', name: 'Bob the Builder', roles: ['admin'] });
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(json.expires_in).toBe(120);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('refresh and logout (cookie mode)', () => {
  it('rotates the refresh token on every use', async () => {
    const first = await login();
    const res = await refresh(first.cookie);
    expect(res.status).toBe(200);
    const second = cookieOf(res);
    expect(second).toBeTruthy();
    expect(second).not.toBe(first.cookie);
    const json = (await res.json()) as { access_token: string };
    expect(decodeJwt(json.access_token).sub).toBe('alice');
    expect((await refresh(second)).status).toBe(200);
  });

  it('revokes the whole family when a rotated token is reused after the 10 s grace', async () => {
    const { cookie: first } = await login();
    const second = cookieOf(await refresh(first));
    server.configure({ clockOffset: 10 });
    const reuse = await refresh(first);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(reuse.headers.get('set-cookie')).toMatch(/keycard_rt=;.*Max-Age=0/);
    expect((await refresh(second)).status).toBe(400); // the thief's (or owner's) newer token dies too
  });

  it('gives a rotated token its unused successor again within the grace (a lost response), with a fresh access token', async () => {
    const { cookie: first } = await login();
    const lost = await refresh(first);
    const successor = cookieOf(lost);
    const { access_token: lostToken } = (await lost.json()) as { access_token: string };
    server.configure({ clockOffset: 9 });
    const retry = await refresh(first);
    expect(retry.status).toBe(200);
    expect(cookieOf(retry)).toBe(successor);
    const { access_token } = (await retry.json()) as { access_token: string };
    expect(access_token).not.toBe(lostToken);
    expect((await api('/api/me', access_token)).status).toBe(200);
    expect((await refresh(successor)).status).toBe(200); // the family goes on
  });

  it('gives the same successor in the JSON body too', async () => {
    const { json } = await login({ ...ALICE, refresh_token_in_body: true });
    const lost = (await (await post('/auth/refresh', { refresh_token: json.refresh_token })).json()) as {
      refresh_token: string;
    };
    const retry = (await (await post('/auth/refresh', { refresh_token: json.refresh_token })).json()) as {
      refresh_token: string;
    };
    expect(retry.refresh_token).toBe(lost.refresh_token);
  });

  it('ends the family on reuse once the successor was used, even within the grace', async () => {
    const { cookie: first } = await login();
    const second = cookieOf(await refresh(first));
    const third = cookieOf(await refresh(second));
    expect((await refresh(first)).status).toBe(400);
    expect((await refresh(third)).status).toBe(400);
  });

  it('has no grace with refreshTokenReuseGrace: 0', async () => {
    const strict = await createServer({ refreshTokenReuseGrace: 0 });
    try {
      const res = await post('/auth/login', ALICE, {}, strict.url);
      const first = cookieOf(res);
      await post('/auth/refresh', {}, withCookie(first), strict.url);
      expect((await post('/auth/refresh', {}, withCookie(first), strict.url)).status).toBe(400);
    } finally {
      await strict.close();
    }
    await expect(createServer({ refreshTokenReuseGrace: -1 })).rejects.toThrow(TypeError);
  });

  it('rejects unknown refresh tokens, and answers 204 "no session" to a refresh that carries none', async () => {
    expect((await refresh('forged')).status).toBe(400);
    const none = await post('/auth/refresh', {});
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
    expect(none.headers.get('set-cookie')).toBeNull();
  });

  it('logout revokes the session and clears the cookie', async () => {
    const { cookie } = await login();
    const res = await post('/auth/logout', {}, withCookie(cookie));
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/keycard_rt=;.*Max-Age=0/);
    expect((await refresh(cookie)).status).toBe(400);
    expect((await post('/auth/logout', {})).status).toBe(204); // no session: still fine
  });

  it('refuses cookie-mode auth requests without X-Requested-With: keycard', async () => {
    const { cookie } = await login();
    for (const path of ['/auth/login', '/auth/refresh', '/auth/logout']) {
      const res = await post(path, ALICE, { 'x-requested-with': '', ...withCookie(cookie) });
      expect(res.status, path).toBe(403);
    }
    expect((await refresh(cookie)).status).toBe(200); // the 403 didn't spend the token
  });

  it('drops Secure only for plain http to localhost', async () => {
    const { port } = new URL(server.url);
    const base = { 'content-type': 'application/json', 'x-requested-with': 'keycard' };
    expect((await login()).res.headers.get('set-cookie')).not.toMatch(/Secure/);
    expect(await rawLogin({ ...base, host: `localhost:${port}` })).not.toMatch(/Secure/);
    expect(await rawLogin({ ...base, host: 'app.example.com' })).toMatch(/; Secure;/);
    expect(await rawLogin({ ...base, host: 'localhost', 'x-forwarded-proto': 'https' })).toMatch(/; Secure;/);
  });
});

describe('refresh token transport', () => {
  it("'both' (default): body mode when the client asks, no cookie, no X-Requested-With needed", async () => {
    const { json, cookie } = await login({ ...ALICE, refresh_token_in_body: true }, { 'x-requested-with': '' });
    expect(cookie).toBeUndefined();
    const first = json.refresh_token;
    const res = await post('/auth/refresh', { refresh_token: first }, { 'x-requested-with': '' });
    const rotated = (await res.json()) as { refresh_token: string };
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(rotated.refresh_token).not.toBe(first);
    server.configure({ clockOffset: 10 }); // past the reuse grace
    expect((await post('/auth/refresh', { refresh_token: first })).status).toBe(400);
    expect((await post('/auth/refresh', { refresh_token: rotated.refresh_token })).status).toBe(400);
  });

  it("'body' always uses JSON; 'cookie' never puts the token in JSON", async () => {
    const bodyServer = await createServer({ refreshTokenMode: 'body' });
    const cookieServer = await createServer({ refreshTokenMode: 'cookie' });
    try {
      const viaBody = await post('/auth/login', ALICE, {}, bodyServer.url);
      expect(viaBody.headers.get('set-cookie')).toBeNull();
      const { refresh_token } = (await viaBody.json()) as { refresh_token: string };
      const logout = await post('/auth/logout', { refresh_token }, {}, bodyServer.url);
      expect(logout.status).toBe(204);
      expect((await post('/auth/refresh', { refresh_token }, {}, bodyServer.url)).status).toBe(400);

      const viaCookie = await post('/auth/login', { ...ALICE, refresh_token_in_body: true }, {}, cookieServer.url);
      expect(await viaCookie.json()).not.toHaveProperty('refresh_token');
      expect(cookieOf(viaCookie)).toBeTruthy();
    } finally {
      await Promise.all([bodyServer.close(), cookieServer.close()]);
    }
  });
});

describe('API', () => {
  it('serves /api/me, /api/items and /api/echo to a valid bearer token', async () => {
    const { token } = await login();
    expect(await (await api('/api/me', token)).json()).toMatchObject({ sub: 'alice', roles: ['user'] });
    expect(((await (await api('/api/items', token)).json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const echo = await post('/api/echo', { hello: 'world' }, { authorization: `Bearer ${token}` });
    expect(await echo.json()).toEqual({ sub: 'alice', body: { hello: 'world' } });
  });

  it('401s a missing token with a bare Bearer challenge (RFC 6750 §3.1)', async () => {
    const res = await api('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="keycard-example"');
  });

  it.each([
    ['invalid', async () => 'not.a.jwt'],
    ['invalid', async () => `${(await login()).token.slice(0, -4)}AAAA`],
    [
      'expired',
      async () => {
        const { token } = await login();
        server.configure({ clockOffset: 301 });
        return token;
      },
    ],
    [
      'revoked',
      async () => {
        const { token } = await login();
        const res = await post('/admin/revoke-access-tokens');
        expect(((await res.json()) as { revoked: number }).revoked).toBeGreaterThan(0);
        return token;
      },
    ],
  ])('401s a token that is %s with error="invalid_token"', async (why, makeToken) => {
    const res = await api('/api/me', await makeToken());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="keycard-example", error="invalid_token", error_description="token ${why}"`,
    );
  });

  it('accepts tokens issued after a revocation', async () => {
    await post('/admin/revoke-access-tokens');
    const { token } = await login();
    expect((await api('/api/me', token)).status).toBe(200);
  });
});

describe('clock offset', () => {
  it('shifts iat, exp and the Date header, and the server still accepts its own tokens', async () => {
    const res = await post('/admin/config', { clockOffset: 3600 });
    expect(await res.json()).toEqual({ tokenLifetime: 300, clockOffset: 3600 });
    const { res: loginRes, token } = await login();
    const claims = decodeJwt(token);
    const shifted = Date.now() / 1000 + 3600;
    expect(Math.abs(claims.iat! - shifted)).toBeLessThan(5);
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(Math.abs(Date.parse(loginRes.headers.get('date')!) / 1000 - shifted)).toBeLessThan(5);
    expect((await api('/api/me', token)).status).toBe(200);
  });

  it('rejects bad config values with 400', async () => {
    expect((await post('/admin/config', { tokenLifetime: 0 })).status).toBe(400);
    expect((await post('/admin/config', { clockOffset: 'soon' })).status).toBe(400);
  });
});

describe('refresh faults', () => {
  const inject = async (refresh: string, count = 1) =>
    expect((await post('/admin/faults', { refresh, count })).status).toBe(200);

  it.each([
    ['500', 500, 'application/json'],
    ['503', 503, 'application/json'],
    ['html', 200, 'text/html'],
    ['invalid_grant', 400, 'application/json'],
  ])('%s → %i %s, and the refresh token survives for the retry', async (kind, status, type) => {
    const { cookie } = await login();
    await inject(kind);
    const res = await refresh(cookie);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(type);
    if (kind === '503') expect(res.headers.get('retry-after')).toBe('1');
    if (kind === 'invalid_grant') expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(cookie)).status).toBe(200);
  });

  it('hang never answers (until the client gives up)', async () => {
    const { cookie } = await login();
    await inject('hang');
    const hung = fetch(`${server.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'x-requested-with': 'keycard', ...withCookie(cookie) },
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await refresh(cookie)).status).toBe(200);
  });

  it('applies to `count` refreshes, then clears; unknown kinds are a 400', async () => {
    const { cookie } = await login();
    await inject('500', 2);
    expect((await refresh(cookie)).status).toBe(500);
    expect(await (await fetch(`${server.url}/admin/faults`)).json()).toEqual({ refresh: '500', remaining: 1 });
    expect((await refresh(cookie)).status).toBe(500);
    expect((await refresh(cookie)).status).toBe(200);
    expect((await post('/admin/faults', { refresh: 'teapot' })).status).toBe(400);
  });
});

describe('stats', () => {
  it('counts logins, refreshes, failures, logouts and API calls, with recent events', async () => {
    expect((await post('/admin/reset-stats')).status).toBe(204);
    const { cookie, token } = await login();
    await post('/auth/login', { username: 'alice', password: 'x' });
    const next = cookieOf(await refresh(cookie));
    server.configure({ clockOffset: 10 });
    await refresh(cookie); // reuse after the grace → failure
    await post('/auth/logout', {}, withCookie(next));
    await api('/api/me', token);
    await api('/api/me');
    const stats = (await (await fetch(`${server.url}/admin/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      logins: 1,
      loginFailures: 1,
      refreshes: 1,
      refreshFailures: 1,
      logouts: 1,
      apiCalls: 2,
      api401s: 1,
    });
    const events = stats.events as Array<{ type: string; detail: string }>;
    expect(events.map((e) => e.type)).toEqual([
      'login',
      'login_failure',
      'refresh',
      'refresh_failure',
      'logout',
      'api',
      'api_401',
    ]);
    expect(events[3]?.detail).toBe('refresh token reused');
    expect(server.stats().logins).toBe(1);
  });
});

describe('request bodies', () => {
  it('413s a body over 16 KiB', async () => {
    const res = await post('/auth/login', { ...ALICE, padding: 'x'.repeat(17 * 1024) });
    expect(res.status).toBe(413);
  });

  it.each(['{"username":', '[1,2]', '"alice"'])('400s %s', async (text) => {
    const res = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'keycard' },
      body: text,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('options', () => {
  async function withServer(options: ServerOptions, run: (s: KeycardServer) => Promise<void>) {
    const s = await createServer(options);
    try {
      await run(s);
    } finally {
      await s.close();
    }
  }

  it('allowOrigins answers CORS for listed origins only', () =>
    withServer({ allowOrigins: ['http://localhost:5173'] }, async (s) => {
      const preflight = await fetch(`${s.url}/auth/refresh`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('X-Requested-With');
      const res = await fetch(`${s.url}/api/me`, { headers: { origin: 'http://localhost:5173' } });
      expect(res.headers.get('access-control-expose-headers')).toContain('Date');
      const other = await fetch(`${s.url}/api/me`, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(
        (await fetch(`${server.url}/api/me`, { headers: { origin: 'http://localhost:5173' } })).headers.get(
          'access-control-allow-origin',
        ),
      ).toBeNull();
    }));

  it('staticDir serves files with SPA fallback, but never for server paths or traversal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keycard-static-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dir, 'app.js'), 'console.log(1)');
    try {
      await withServer({ staticDir: dir }, async (s) => {
        const get = (path: string) => fetch(s.url + path);
        expect(await (await get('/app.js')).text()).toBe('console.log(1)');
        expect((await get('/app.js')).headers.get('content-type')).toContain('text/javascript');
        expect(await (await get('/settings/profile')).text()).toContain('id="root"');
        expect((await get('/')).headers.get('content-type')).toContain('text/html');
        expect((await get('/missing.js')).status).toBe(404);
        expect((await get('/api/unknown')).status).toBe(404);
        expect((await get('/..%2fpackage.json')).status).toBe(404);
      });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('admin: false hides the admin routes', () =>
    withServer({ admin: false }, async (s) => {
      expect((await fetch(`${s.url}/admin/stats`)).status).toBe(404);
    }));
});
