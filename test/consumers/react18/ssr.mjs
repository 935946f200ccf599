// keycard/react server-rendered on React 18: no window touched, the state is 'initializing' until restore() runs.
import assert from 'node:assert/strict';
import { createElement as h, version } from 'react';
import { renderToString } from 'react-dom/server';
import { createAuthClient } from 'keycard';
import { AuthProvider, useAuth } from 'keycard/react';

function Status() {
  const { status, isAuthenticated } = useAuth();
  return h('p', null, `${status}:${isAuthenticated}`);
}

const auth = createAuthClient({ baseUrl: 'https://auth.test' });
assert.equal(renderToString(h(AuthProvider, { client: auth }, h(Status))), '<p>initializing:false</p>');
auth.dispose();
console.log(`keycard/react server-rendered on React ${version}: ok`);
