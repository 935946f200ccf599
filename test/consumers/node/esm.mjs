// Every entry from the packed tarball, as an ESM app on Node: a real flow against keycard/testing's msw server.
import assert from 'node:assert/strict';
import { setupServer } from 'msw/node';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { QueryClient } from '@tanstack/query-core';
import ky from 'ky';
import { AuthError, createAuthClient, createJsonBackend } from 'keycard';
import { AuthProvider, bindAppState, sameUser, useAuth } from 'keycard/react';
import { bindQueryClient, isAuthError } from 'keycard/query';
import { createAuthKy } from 'keycard/ky';
import { createMockAuthServer } from 'keycard/testing';
import { createOAuthClient } from 'keycard/oauth';

const mock = createMockAuthServer();
const msw = setupServer(...mock.handlers);
msw.listen({ onUnhandledRequest: 'error' });
try {
  const auth = createAuthClient({ baseUrl: 'https://auth.test' });
  // A first visit: no cookie, the server answers 204 "no session".
  assert.deepEqual(await auth.restore(), { status: 'unauthenticated', user: null, expiresAt: null, error: null });
  const failed = await auth.login({ username: 'alice', password: 'nope' }).catch((e) => e);
  assert.ok(failed instanceof AuthError && failed.code === 'invalid_credentials');
  await auth.login({ username: 'alice', password: 'wonderland' });
  mock.revokeAccessTokens();
  const refreshes = mock.stats.refreshes;
  const me = await createAuthKy(auth).get('https://auth.test/api/me').json();
  assert.equal(me.sub, 'alice');
  assert.equal(mock.stats.refreshes, refreshes + 1, 'one refresh, then the replay');

  const queryClient = new QueryClient();
  const unbind = bindQueryClient(auth, queryClient);
  assert.equal(isAuthError(new AuthError('session_expired', 'x')), true);
  unbind();

  function Hello() {
    const { status } = useAuth();
    return createElement('p', null, status);
  }
  assert.equal(
    renderToString(createElement(AuthProvider, { client: auth }, createElement(Hello))),
    '<p>initializing</p>',
  );
  assert.equal(sameUser({ sub: 'a', iat: 1 }, { sub: 'a', iat: 2 }), true);
  assert.equal(typeof bindAppState, 'function');
  assert.equal(typeof createOAuthClient, 'function');
  assert.equal(typeof createJsonBackend, 'function');
  assert.equal(typeof ky.create, 'function');
  auth.dispose();
} finally {
  msw.close();
}
console.log('node ESM: ok');
