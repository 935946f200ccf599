// Every entry from the packed tarball, required from CommonJS (keycard/oauth and keycard/testing require jose, an
// ES module: Node's require(esm), from 20.19, and from 22.13 without an ExperimentalWarning).
const assert = require('node:assert/strict');
const { setupServer } = require('msw/node');
const { AuthError, createAuthClient } = require('keycard');
const { sameUser, AuthProvider } = require('keycard/react');
const { bindQueryClient } = require('keycard/query');
const { createAuthKy } = require('keycard/ky');
const { createMockAuthServer } = require('keycard/testing');
const { createOAuthClient } = require('keycard/oauth');

(async () => {
  const mock = createMockAuthServer({ refreshTokenMode: 'body' });
  const msw = setupServer(...mock.handlers);
  msw.listen({ onUnhandledRequest: 'error' });
  try {
    const auth = createAuthClient({ baseUrl: 'https://auth.test', refreshToken: 'memory' });
    await auth.login({ username: 'alice', password: 'wonderland' });
    mock.revokeAccessTokens();
    const res = await auth.fetch('https://auth.test/api/me');
    assert.equal((await res.json()).sub, 'alice');
    const refused = await auth.login({ username: 'alice', password: 'nope' }).catch((e) => e);
    assert.ok(refused instanceof AuthError);
    for (const f of [sameUser, AuthProvider, bindQueryClient, createAuthKy, createOAuthClient])
      assert.equal(typeof f, 'function');
    auth.dispose();
  } finally {
    msw.close();
  }
  console.log('node CJS: ok');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
