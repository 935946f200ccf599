// README "axios" with the lowest axios it claims (1.12.1: env.fetch, and its types): every request through
// auth.fetch, concurrent 401s sharing one refresh and each replayed with its body; the end of the session reaching
// axios as a 401 that isAuthError recognises.
import assert from 'node:assert/strict';
import axios from 'axios';
import { setupServer } from 'msw/node';
import { createAuthClient } from 'keycard';
import { isAuthError } from 'keycard/query';
import { createMockAuthServer } from 'keycard/testing';

const mock = createMockAuthServer();
const msw = setupServer(...mock.handlers);
msw.listen({ onUnhandledRequest: 'error' });
const auth = createAuthClient({ baseUrl: 'https://auth.test' });
try {
  const api = axios.create({ baseURL: 'https://auth.test/api/', adapter: 'fetch', env: { fetch: auth.fetch } });
  await auth.login({ username: 'alice', password: 'wonderland' });
  mock.revokeAccessTokens();
  const orders = [1, 2, 3].map((qty) => ({ item: 'book', qty }));
  const replies = await Promise.all(orders.map((order) => api.post('orders', order)));
  assert.deepEqual(
    replies.map((r) => JSON.parse(r.data.body)),
    orders,
  );
  assert.equal(mock.stats.refreshes, 1, 'one refresh for the three 401s');
  mock.revokeSession('alice');
  mock.revokeAccessTokens();
  const ended = await api.get('me').catch((e) => e);
  assert.equal(ended.response?.status, 401);
  assert.ok(isAuthError(ended));
} finally {
  auth.dispose();
  msw.close();
}
console.log(`axios ${axios.VERSION} on Node ${process.version}: ok`);
