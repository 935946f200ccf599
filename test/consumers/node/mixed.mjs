// One process, both builds: an error from the CJS build is `instanceof` the ESM build's AuthError and back.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { setupServer } from 'msw/node';
import { AuthError } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';

const cjs = createRequire(import.meta.url)('keycard');
assert.notEqual(cjs.AuthError, AuthError, 'two builds, two classes');

const msw = setupServer(...createMockAuthServer().handlers);
msw.listen({ onUnhandledRequest: 'error' });
try {
  const auth = cjs.createAuthClient({ baseUrl: 'https://auth.test' });
  const error = await auth.login({ username: 'alice', password: 'nope' }).catch((e) => e);
  assert.ok(error instanceof AuthError, 'a CJS client’s error is an ESM AuthError');
  assert.ok(new AuthError('network', 'x') instanceof cjs.AuthError, 'and back');
  assert.equal(Object.assign(new Error('x'), { name: 'AuthError', code: 'network' }) instanceof AuthError, false);
  auth.dispose();
} finally {
  msw.close();
}
console.log('node mixed CJS/ESM AuthError: ok');
