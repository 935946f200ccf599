// ID token validation and PKCE in isolation, with local keys: the claim
// checks of OIDC Core §3.1.3.7 and the clock rule (provider's clock, never the
// device's), plus the RFC 7636 test vector.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { createIdTokenVerifier, type IdTokenExpectations } from '../../oauth/id-token';
import { randomString, s256 } from '../../oauth/pkce';

const ISSUER = 'https://id.test';
const JWKS_URI = `${ISSUER}/jwks`;
const CLIENT = 'spa';
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };

const now = () => Math.floor(Date.now() / 1000);
const sign = (claims: JWTPayload, { iat = now(), ttl = 300 } = {}) =>
  new SignJWT({ iss: ISSUER, aud: CLIENT, sub: 'alice', iat, exp: iat + ttl, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .sign(privateKey);

let jwksFetches = 0;
const verify = createIdTokenVerifier(
  () => async () => {
    jwksFetches++;
    return Response.json(jwks);
  },
  5000,
);
const expectations = (overrides: Partial<IdTokenExpectations> = {}): IdTokenExpectations => ({
  issuer: ISSUER,
  jwksUri: JWKS_URI,
  clientId: CLIENT,
  serverNow: Date.now(),
  where: 'POST https://id.test/token',
  ...overrides,
});
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('should reject'),
    (error: unknown) => error as { code: string; message: string },
  );

afterEach(() => {
  vi.useRealTimers();
});

describe('verifyIdToken', () => {
  it('returns the verified claims, fetching the JWKS once for many tokens', async () => {
    const before = jwksFetches;
    expect(await verify(await sign({ name: 'Alice' }), expectations())).toMatchObject({ sub: 'alice', name: 'Alice' });
    await verify(await sign({}), expectations());
    expect(jwksFetches - before).toBeLessThanOrEqual(1);
  });

  it.each([
    ['another issuer', { iss: 'https://evil.test' }, {}],
    ['another audience', { aud: 'other-app' }, {}],
    ['several audiences without azp', { aud: [CLIENT, 'other-app'] }, {}],
    ['an azp naming another client', { azp: 'other-app' }, {}],
    ['a nonce from another login', { nonce: 'theirs' }, { nonce: 'mine' }],
    ['a missing nonce when one was sent', {}, { nonce: 'mine' }],
    ['another user on refresh', { sub: 'mallory' }, { sub: 'alice' }],
  ])('rejects %s as invalid_response', async (_, claims, expect_) => {
    const error = await rejection(verify(await sign(claims), expectations(expect_)));
    expect(error.code).toBe('invalid_response');
  });

  it('accepts several audiences when azp is this client, and a matching nonce', async () => {
    const claims = await verify(
      await sign({ aud: [CLIENT, 'api'], azp: CLIENT, nonce: 'n' }),
      expectations({ nonce: 'n' }),
    );
    expect(claims.azp).toBe(CLIENT);
  });

  it('checks expiry on the provider clock (its Date header), not the device clock', async () => {
    const token = await sign({}, { ttl: 600 });
    const serverNow = Date.now();
    // The device is three hours ahead, the provider on time: still valid.
    vi.useFakeTimers({ toFake: ['Date'], now: serverNow + 3 * 3600_000 });
    expect(await verify(token, expectations({ serverNow }))).toMatchObject({ sub: 'alice' });
    // The provider's own clock says it expired: rejected, whatever the device thinks.
    vi.useRealTimers();
    const error = await rejection(verify(token, expectations({ serverNow: serverNow + 3600_000 })));
    expect(error).toMatchObject({ code: 'invalid_response', message: expect.stringContaining('ERR_JWT_EXPIRED') });
  });

  it('uses the token’s iat as the provider clock when CORS hides the Date header', async () => {
    const token = await sign({}, { ttl: 600 });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3 * 3600_000 });
    expect(await verify(token, expectations({ serverNow: null }))).toMatchObject({ sub: 'alice' });
  });

  it('rejects a token signed by another key, and a malformed one, without quoting them', async () => {
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({ iss: ISSUER, aud: CLIENT, sub: 'alice', iat: now(), exp: now() + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(other.privateKey);
    const error = await rejection(verify(forged, expectations()));
    expect(error.code).toBe('invalid_response');
    expect(error.message).not.toContain(forged.split('.')[1]);
    expect((await rejection(verify('not.a.jwt', expectations()))).code).toBe('invalid_response');
  });

  it('reports an unreachable JWKS as network (transient on refresh)', async () => {
    const offline = createIdTokenVerifier(() => () => Promise.reject(new TypeError('fetch failed')), 5000);
    expect((await rejection(offline(await sign({}), expectations()))).code).toBe('network');
  });
});

describe('PKCE', () => {
  it('computes S256 as in RFC 7636 Appendix B', async () => {
    expect(await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 43-character URL-safe verifiers from 32 random bytes, never twice the same', () => {
    const values = new Set(Array.from({ length: 100 }, () => randomString()));
    expect(values.size).toBe(100);
    for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('explains what is missing where WebCrypto is absent (React Native without a polyfill)', () => {
    vi.stubGlobal('crypto', undefined);
    try {
      expect(() => randomString()).toThrow(/WebCrypto/);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
