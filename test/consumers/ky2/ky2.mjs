// keycard/ky with ky 2 (which needs Node 22): a 401 refreshes once and replays, through ky's baseUrl.
import assert from 'node:assert/strict';
import { setupServer } from 'msw/node';
import { createAuthClient } from 'keycard';
import { createAuthKy } from 'keycard/ky';
import { createMockAuthServer } from 'keycard/testing';

const mock = createMockAuthServer();
const msw = setupServer(...mock.handlers);
msw.listen({ onUnhandledRequest: 'error' });
try {
  const auth = createAuthClient({ baseUrl: 'https://auth.test' });
  await auth.login({ username: 'alice', password: 'wonderland' });
  mock.revokeAccessTokens();
  const me = await createAuthKy(auth, { baseUrl: 'https://auth.test/api/' }).get('me').json();
  assert.equal(me.sub, 'alice');
  assert.equal(mock.stats.refreshes, 1);
  auth.dispose();
} finally {
  msw.close();
}
console.log(`ky 2 on Node ${process.version}: ok`);
