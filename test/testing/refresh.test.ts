import { decodeJwt } from 'jose';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { api, login, post, useMsw } from './helpers';

const mockServer = useMsw();

const refreshWith = (refresh_token: string) => post('/auth/refresh', { refresh_token });
const refreshCookie = (init: RequestInit = { credentials: 'include' }) => post('/auth/refresh', {}, init);

describe('body mode', () => {
  it('returns refresh_token in JSON and rotates it on every use', async () => {
    mockServer({ refreshTokenMode: 'body' });
    const first = await (await login()).json();
    expect(first.refresh_token).toEqual(expect.any(String));
    const second = await (await refreshWith(first.refresh_token)).json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.access_token).sub).toBe('alice');
    const third = await refreshWith(second.refresh_token);
    expect(third.status).toBe(200);
  });

  it('revokes the whole family when a rotated token is reused', async () => {
    mockServer({ refreshTokenMode: 'body', refreshTokenReuseGrace: 0 });
    const first = await (await login()).json();
    const second = await (await refreshWith(first.refresh_token)).json();

    const reuse = await refreshWith(first.refresh_token);
    expect(reuse.status).toBe(401);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' });
    // The legitimate holder's newest token is dead too: the family is revoked.
    expect((await refreshWith(second.refresh_token)).status).toBe(401);
    // Another sign-in is a new family and works.
    const other = await (await login()).json();
    expect((await refreshWith(other.refresh_token)).status).toBe(200);
  });

  it('answers invalid_grant for an unknown or malformed token, and 204 "no session" when the body carries none', async () => {
    mockServer({ refreshTokenMode: 'body' });
    for (const response of [await refreshWith('made-up'), await post('/auth/refresh', { refresh_token: 42 })]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_grant' });
    }
    const none = await post('/auth/refresh', {});
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
  });

  it('logout revokes the family and answers 204', async () => {
    const server = mockServer({ refreshTokenMode: 'body' });
    const { refresh_token } = await (await login()).json();
    expect((await post('/auth/logout', { refresh_token })).status).toBe(204);
    expect((await refreshWith(refresh_token)).status).toBe(401);
    expect((await post('/auth/logout', { refresh_token: 'unknown' })).status).toBe(204);
    expect(server.stats.logouts).toBe(2);
  });

  it('issueTokens() starts a session without a login request', async () => {
    const server = mockServer({
      refreshTokenMode: 'body',
      users: [{ username: 'bob', password: 'x', claims: { plan: 'pro' } }],
    });
    const tokens = await server.issueTokens();
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'bob', plan: 'pro' });
    expect((await refreshWith(tokens.refresh_token!)).status).toBe(200);
    expect(server.stats.logins).toBe(0);
  });
});

describe('cookie mode in Node (emulated jar)', () => {
  it('sets an HttpOnly, Secure, SameSite=Strict cookie scoped to /auth, and no refresh_token in JSON', async () => {
    mockServer();
    const response = await login();
    expect(response.headers.get('set-cookie')).toMatch(
      /^keycard_rt=[\w-]+; HttpOnly; Secure; SameSite=Strict; Path=\/auth$/,
    );
    expect((await response.json()).refresh_token).toBeUndefined();
  });

  it('replays the cookie to credentials: include requests, rotating it each time', async () => {
    mockServer();
    await login();
    const cookies: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await refreshCookie();
      expect(response.status).toBe(200);
      cookies.push(response.headers.get('set-cookie')!);
    }
    expect(new Set(cookies).size).toBe(3);
  });

  it('sends no cookie without credentials: include, as a browser on another origin would', async () => {
    mockServer();
    await login();
    expect((await refreshCookie({})).status).toBe(204);
    expect((await refreshCookie({ credentials: 'omit' })).status).toBe(204);
  });

  it('does not store the cookie from a login made without credentials: include', async () => {
    mockServer();
    expect((await login(undefined, { credentials: 'same-origin' })).status).toBe(200);
    expect((await refreshCookie()).status).toBe(204);
  });

  it('detects reuse of a rotated cookie sent explicitly', async () => {
    mockServer({ refreshTokenReuseGrace: 0 });
    const setCookie = (await login()).headers.get('set-cookie')!;
    const stolen = setCookie.split(';')[0]!; // keycard_rt=...
    const rotated = await refreshCookie();
    const current = rotated.headers.get('set-cookie')!.split(';')[0]!;
    expect(rotated.status).toBe(200);
    expect((await refreshCookie({ headers: { Cookie: stolen } })).status).toBe(401); // reuse
    expect((await refreshCookie({ headers: { Cookie: current } })).status).toBe(401); // the family is gone
  });

  it('logout clears the cookie and ends the session', async () => {
    mockServer();
    await login();
    const response = await post('/auth/logout', {}, { credentials: 'include' });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/^keycard_rt=; Max-Age=0/);
    expect((await refreshCookie()).status).toBe(204);
  });

  it('reads only the cookie, never a refresh_token in the body', async () => {
    const server = mockServer();
    const { refresh_token } = await server.issueTokens();
    expect((await post('/auth/refresh', { refresh_token }, { credentials: 'omit' })).status).toBe(204);
    expect((await refreshCookie()).status).toBe(200);
  });

  it('counts same-origin credentials when the page is on the auth origin (jsdom-like)', async () => {
    vi.stubGlobal('location', { origin: 'https://auth.test' });
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    mockServer();
    await login(undefined, { credentials: 'same-origin' });
    expect((await refreshCookie({})).status).toBe(200);
  });

  it('counts same-origin credentials on a request rebuilt from the wire (msw 3 in Node: Sec-Fetch-Mode, credentials unknowable)', async () => {
    mockServer();
    const rebuilt = { credentials: 'same-origin', headers: { 'Sec-Fetch-Mode': 'cors' } } as const;
    await login(undefined, rebuilt);
    expect((await refreshCookie(rebuilt)).status).toBe(200);
    // 'omit' is still 'omit', where msw can tell it.
    expect((await refreshCookie({ ...rebuilt, credentials: 'omit' })).status).toBe(204);
  });

  it('issueTokens() seeds the jar, like a user who signed in before the test', async () => {
    const server = mockServer();
    const tokens = await server.issueTokens('alice');
    expect(tokens.refresh_token).toEqual(expect.any(String));
    const response = await refreshCookie();
    expect(response.status).toBe(200);
    expect((await api((await response.json()).access_token)).status).toBe(200);
  });
});

describe('reuse grace (a lost refresh response)', () => {
  it('gives the replaced token its successor again within 10 s, with a fresh access token', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    mockServer({ refreshTokenMode: 'body' });
    const first = await (await login()).json();
    const lost = await (await refreshWith(first.refresh_token)).json(); // the response the client never saw
    vi.advanceTimersByTime(9_000);
    const retry = await refreshWith(first.refresh_token);
    expect(retry.status).toBe(200);
    const again = await retry.json();
    expect(again.refresh_token).toBe(lost.refresh_token);
    expect(again.access_token).not.toBe(lost.access_token);
    expect((await api(again.access_token)).status).toBe(200);
    // The session goes on: the successor rotates as usual.
    expect((await refreshWith(again.refresh_token)).status).toBe(200);
  });

  it('still ends the family for a reuse after the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    mockServer({ refreshTokenMode: 'body' });
    const first = await (await login()).json();
    const second = await (await refreshWith(first.refresh_token)).json();
    vi.advanceTimersByTime(10_000);
    expect((await refreshWith(first.refresh_token)).status).toBe(401);
    expect((await refreshWith(second.refresh_token)).status).toBe(401);
  });

  it('still ends the family once the successor was used', async () => {
    mockServer({ refreshTokenMode: 'body' });
    const first = await (await login()).json();
    const second = await (await refreshWith(first.refresh_token)).json();
    const third = await (await refreshWith(second.refresh_token)).json();
    expect((await refreshWith(first.refresh_token)).status).toBe(401);
    expect((await refreshWith(third.refresh_token)).status).toBe(401);
  });

  it('is configurable', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    mockServer({ refreshTokenMode: 'body', refreshTokenReuseGrace: 60 });
    const first = await (await login()).json();
    const second = await (await refreshWith(first.refresh_token)).json();
    vi.advanceTimersByTime(59_000);
    expect((await (await refreshWith(first.refresh_token)).json()).refresh_token).toBe(second.refresh_token);
  });

  it('works for the cookie too', async () => {
    mockServer();
    const before = (await login()).headers.get('set-cookie')!.split(';')[0]!;
    const rotated = (await refreshCookie()).headers.get('set-cookie')!.split(';')[0]!;
    const retry = await refreshCookie({ headers: { Cookie: before } });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('set-cookie')!.split(';')[0]).toBe(rotated);
  });
});
