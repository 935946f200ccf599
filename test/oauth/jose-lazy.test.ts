// keycard/oauth loads jose only when it verifies an ID token (oauth/id-token.ts): jose makes a TextDecoder as it
// loads, which React Native's Hermes lacks before 0.85 (test/native shows jose's import throwing there). So importing
// keycard/oauth works anywhere, and a verification where jose can't load says what to install.
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.doUnmock('jose');
  vi.unstubAllGlobals();
  vi.resetModules();
});

it('loads keycard/oauth without loading jose', async () => {
  let loaded = false;
  vi.doMock('jose', () => {
    loaded = true;
    return {};
  });
  vi.resetModules();
  const { createOAuthClient } = await import('keycard/oauth');
  createOAuthClient({
    clientId: 'app',
    redirectUri: 'com.example.app:/cb',
    tokenEndpoint: 'https://id.test/t',
    channel: false,
  }).dispose();
  expect(loaded).toBe(false);
});

it('without a TextDecoder, verifying an ID token says to install one, each time', async () => {
  vi.doMock('jose', () => {
    throw new ReferenceError("Property 'TextDecoder' doesn't exist");
  });
  vi.stubGlobal('TextDecoder', undefined);
  vi.resetModules();
  const { createIdTokenVerifier } = await import('../../oauth/id-token');
  const verify = createIdTokenVerifier(() => fetch, 1000);
  const expectations = {
    issuer: 'https://id.test',
    jwksUri: 'https://id.test/jwks',
    clientId: 'app',
    serverNow: null,
    where: 'POST https://id.test/t',
  };
  for (let i = 0; i < 2; i++) {
    const error = await verify('a.b.c', expectations).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe(
      'keycard/oauth verifies ID tokens with jose, which needs a TextDecoder; in React Native before 0.85 install a polyfill such as fast-text-encoding',
    );
  }
});
