// keycard/react on React 18 (the lowest major the peer range claims): a mounted AuthProvider whose restore()
// settles, useAuth().login() signing in and logout() out, against keycard/testing's mock server. Server rendering
// is ssr.mjs, in a process of its own (React 18 warns when two renderers share a context in one process).
import assert from 'node:assert/strict';
import { createElement as h, version } from 'react';
import TestRenderer from 'react-test-renderer';
import { setupServer } from 'msw/node';
import { createAuthClient } from 'keycard';
import { AuthProvider, useAuth } from 'keycard/react';
import { createMockAuthServer } from 'keycard/testing';

globalThis.IS_REACT_ACT_ENVIRONMENT = true;
assert.equal(version.split('.')[0], '18');

const mock = createMockAuthServer();
const msw = setupServer(...mock.handlers);
msw.listen({ onUnhandledRequest: 'error' });

let seen;
function Status() {
  seen = useAuth();
  return h('p', null, `${seen.status}:${seen.user?.sub ?? ''}`);
}

try {
  const auth = createAuthClient({ baseUrl: 'https://auth.test' });
  let tree;
  await TestRenderer.act(async () => {
    tree = TestRenderer.create(h(AuthProvider, { client: auth }, h(Status)));
  });
  await TestRenderer.act(() => new Promise((resolve) => setTimeout(resolve, 50)));
  assert.deepEqual(tree.toJSON().children, ['unauthenticated:']);
  await TestRenderer.act(() => seen.login({ username: 'alice', password: 'wonderland' }));
  assert.deepEqual(tree.toJSON().children, ['authenticated:alice']);
  assert.equal(seen.isAuthenticated, true);
  await TestRenderer.act(() => seen.logout());
  assert.deepEqual(tree.toJSON().children, ['unauthenticated:']);
  TestRenderer.act(() => tree.unmount());
  auth.dispose();
} finally {
  msw.close();
}
console.log(`keycard/react on React ${version}: ok`);
