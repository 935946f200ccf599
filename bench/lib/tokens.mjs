// Unsigned JWT-shaped tokens: keycard only decodes access tokens (servers
// verify), so the in-process fakes need no keys.

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = b64({ alg: 'ES256', typ: 'JWT' });

let serial = 0;

/** A JWT whose `iat` is `nowS` (the issuer's clock, in seconds) and which lives `lifetimeS`. */
export function jwt(nowS, lifetimeS, sub = 'alice') {
  serial++;
  return `${HEADER}.${b64({ sub, iat: nowS, exp: nowS + lifetimeS, jti: `t${serial}` })}.c2ln`;
}

/** A token response body (RFC 6749 §5.1 names). */
export function tokenResponse(nowS, lifetimeS, refreshToken) {
  return {
    access_token: jwt(nowS, lifetimeS),
    token_type: 'Bearer',
    expires_in: lifetimeS,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  };
}

/**
 * An `AuthBackend` (keycard's public seam) that answers login and refresh in
 * process, so a benchmark can sign in without any fetch of its own.
 */
export function inProcessBackend(lifetimeS = 3600) {
  const reply = () => ({
    status: 200,
    text: JSON.stringify(tokenResponse(Math.floor(Date.now() / 1000), lifetimeS, 'rt')),
    date: null,
    retryAfter: null,
    receivedAt: Date.now(),
    where: 'POST /auth/login',
  });
  return {
    login: async () => reply(),
    refresh: async () => reply(),
    logout: async () => undefined,
  };
}
