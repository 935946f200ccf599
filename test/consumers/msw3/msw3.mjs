// keycard/testing with msw 3 (which needs Node 22). msw 3 intercepts Node's fetch on the wire and hands handlers a
// request rebuilt from it, whose `credentials` always read 'same-origin', and it keeps no cookies: the mock's own
// jar must still carry the HttpOnly refresh cookie for a cookie-mode client, across a "reload", until logout.
import assert from 'node:assert/strict';
import { setupServer } from 'msw/node';
import { createAuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';

const mock = createMockAuthServer({ accessTokenLifetime: 60 });
const msw = setupServer(...mock.handlers);
msw.listen({ onUnhandledRequest: 'error' });
const clients = [];
const client = (options) => {
  const auth = createAuthClient({ baseUrl: 'https://auth.test', ...options });
  clients.push(auth);
  return auth;
};
try {
  // Cookie mode (the default): a login, a revoked token refreshed once by the cookie and the request replayed.
  const auth = client();
  await auth.login({ username: 'alice', password: 'wonderland' });
  mock.revokeAccessTokens();
  const me = await auth.fetch('https://auth.test/api/me');
  assert.equal(me.status, 200);
  assert.equal((await me.json()).sub, 'alice');
  assert.equal(mock.stats.refreshes, 1);

  // A reload: a new client restores the session from the cookie alone.
  const reloaded = client();
  assert.equal((await reloaded.restore()).status, 'authenticated');
  assert.equal(mock.stats.refreshes, 2);

  // A refresh that fails transiently keeps the session.
  mock.failNextRefresh('503');
  await assert.rejects(reloaded.refresh(), { code: 'network', status: 503 });
  assert.equal(reloaded.getState().status, 'authenticated');

  // Logout clears the cookie: the next start-up is a first visit (the refresh endpoint's 204, no error).
  await reloaded.logout();
  const fresh = await client().restore();
  assert.equal(fresh.status, 'unauthenticated');
  assert.equal(fresh.error, null);

  // A session ended on the server: the cookie's refresh is refused, session_expired.
  const again = client();
  await again.login({ username: 'alice', password: 'wonderland' });
  mock.revokeSession('alice');
  const ended = await again.refresh();
  assert.equal(ended.status, 'unauthenticated');
  assert.equal(ended.error?.code, 'session_expired');

  // The refresh token in the body (memory mode), against a server in 'body' mode.
  const body = createMockAuthServer({ baseUrl: 'https://body.test', refreshTokenMode: 'body' });
  msw.use(...body.handlers);
  const memory = client({ baseUrl: 'https://body.test', refreshToken: 'memory' });
  await memory.login({ username: 'alice', password: 'wonderland' });
  body.revokeAccessTokens();
  assert.equal((await memory.fetch('https://body.test/api/me')).status, 200);
  assert.equal(body.stats.refreshes, 1);
} finally {
  for (const auth of clients) auth.dispose();
  msw.close();
}
console.log(`keycard/testing with msw 3 on Node ${process.version}: ok`);
