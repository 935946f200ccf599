// keycard/testing under a test's fake timers: a login in flight while the test advances ten minutes in one step. The
// mock signed its ES256 tokens with WebCrypto, whose work runs in real time off the thread, so the client's 10 s
// request timeout (on the fake clock) fired first: the login failed (20 of 20 here), and a refresh timed out, was
// retried later than the reuse grace by the fake clock and ended the session (a black-box test written from API.md).
// In Node the mock now signs with Node's synchronous crypto, within the request's own turn.
import { setupServer } from 'msw/node';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createAuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';

const server = createMockAuthServer();
const msw = setupServer(...server.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.reset();
  vi.useRealTimers();
});
afterAll(() => msw.close());

it('a login in flight and ten minutes advanced in one step: signed in, two refreshes (300 s tokens)', async () => {
  vi.useFakeTimers();
  const auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false });
  const login = auth.login({ username: 'alice', password: 'wonderland' });
  await vi.advanceTimersByTimeAsync(10 * 60_000);
  await expect(login).resolves.toMatchObject({ status: 'authenticated' });
  expect(server.stats.refreshes).toBe(2);
  expect(auth.getState().status).toBe('authenticated');
  expect((await auth.fetch('https://auth.test/api/me')).status).toBe(200);
  auth.dispose();
});

it('its tokens are ES256 JWTs that verify against jwks(), as jose signed them', async () => {
  const auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false });
  await auth.login({ username: 'alice', password: 'wonderland' });
  const token = (await auth.getAccessToken()) as string;
  const { keys } = await server.jwks();
  expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: keys[0]!.kid });
  const { payload } = await jwtVerify(token, await importJWK(keys[0]!, 'ES256'));
  expect(payload).toMatchObject({ sub: 'alice', exp: (payload.iat as number) + 300, jti: expect.any(String) });
  server.revokeAccessTokens();
  expect((await fetch('https://auth.test/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  auth.dispose();
});
