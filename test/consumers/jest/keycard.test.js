// keycard's CommonJS builds under Jest 30 in jsdom, as a React app's tests run them: keycard/react renders the
// state, and Jest's fake timers (installed after keycard was loaded) drive the proactive refresh, because keycard
// reads Date.now() and setTimeout when it needs them. jsdom under Jest has no fetch: the client gets one.
const React = require('react');
const { act, render, screen } = require('@testing-library/react');
const { AuthError, createAuthClient } = require('keycard');
const { AuthProvider, useAuth } = require('keycard/react');

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token response whose unsigned JWT lasts `lifetime` seconds from now (keycard only decodes it). */
const tokens = (serial, lifetime = 60) => {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: 'alice', iat, exp: iat + lifetime, jti: `t${serial}` };
  return {
    access_token: `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`,
    expires_in: lifetime,
    refresh_token: `r${serial}`,
  };
};
/** An auth server in a fetch: login, refresh (counted), and an API that wants a bearer token. */
function server() {
  const calls = [];
  let serial = 0;
  const reply = (status, body) => ({
    status,
    ok: status >= 200 && status < 300,
    type: 'basic',
    redirected: false,
    url: '',
    body: null,
    headers: { get: () => null },
    text: async () => (body === undefined ? '' : JSON.stringify(body)),
    json: async () => body,
  });
  const fetch = async (input, init = {}) => {
    const path = new URL(String(input)).pathname;
    calls.push(path);
    if (path === '/auth/login') {
      const { password } = JSON.parse(init.body);
      return password === 'wonderland' ? reply(200, tokens(++serial)) : reply(401, { error: 'invalid_credentials' });
    }
    if (path === '/auth/refresh') return reply(200, tokens(++serial));
    if (path === '/auth/logout') return reply(204);
    const auth = new Headers(init.headers).get('authorization');
    return auth?.startsWith('Bearer ') ? reply(200, { ok: true }) : reply(401);
  };
  return { fetch, calls };
}

function Who() {
  const { status, user } = useAuth();
  return React.createElement('p', null, `${status} ${user?.sub ?? '-'}`);
}

afterEach(() => jest.useRealTimers());

test('keycard/react renders the state through login and logout', async () => {
  const { fetch } = server();
  const auth = createAuthClient({ baseUrl: 'https://auth.example.com', refreshToken: 'memory', fetch });
  render(React.createElement(AuthProvider, { client: auth }, React.createElement(Who)));
  expect(await screen.findByText('unauthenticated -')).toBeTruthy();
  const wrong = await auth.login({ username: 'alice', password: 'nope' }).catch((e) => e);
  expect(wrong).toBeInstanceOf(AuthError);
  expect(wrong.code).toBe('invalid_credentials');
  await act(() => auth.login({ username: 'alice', password: 'wonderland' }));
  expect(screen.getByText('authenticated alice')).toBeTruthy();
  await act(() => auth.logout());
  expect(screen.getByText('unauthenticated -')).toBeTruthy();
  auth.dispose();
});

test("Jest's fake timers drive the refresh before expiry, and requests carry the token", async () => {
  const { fetch, calls } = server();
  const auth = createAuthClient({ baseUrl: 'https://auth.example.com', refreshToken: 'memory', fetch });
  jest.useFakeTimers();
  await auth.login({ username: 'alice', password: 'wonderland' });
  const first = await auth.getAccessToken();
  await jest.advanceTimersByTimeAsync(20_000);
  expect(calls.filter((path) => path === '/auth/refresh')).toEqual([]);
  // A 60 s token is refreshed by the timer before it expires, at half its life (30 s).
  await jest.advanceTimersByTimeAsync(20_000);
  expect(calls.filter((path) => path === '/auth/refresh')).toHaveLength(1);
  expect(await auth.getAccessToken()).not.toBe(first);
  expect((await auth.fetch('https://auth.example.com/api/me')).status).toBe(200);
  auth.dispose();
});
