// Access tokens: short-lived ES256 JWTs, plus the JWKS that verifies them and a
// demo revocation list (real stateless APIs can't revoke a JWT; the demo's
// "revoke" button needs one so the client's 401 → refresh → replay path shows).

import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, errors, exportJWK, generateKeyPair, jwtVerify } from 'jose';

/** @typedef {import('./users.mjs').User} User */

/**
 * Generates a fresh key pair (per server start, so tokens never outlive the process).
 *
 * @param {{ now: () => number }} clock epoch ms on the server's (possibly offset) clock
 * @example
 * const tokens = await createTokenIssuer({ now: Date.now });
 * const { token } = await tokens.sign(user, 300);
 * const claims = await tokens.verify(token);
 */
export async function createTokenIssuer({ now }) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  // Verify through the published JWKS, as any separate API server would.
  const keySet = createLocalJWKSet(jwks);
  /** jti → { exp, revoked } for each token issued; expired ones are pruned as new ones are signed. */
  const issued = new Map();

  return {
    jwks,

    /**
     * @param {User} user
     * @param {number} lifetime seconds
     */
    async sign(user, lifetime) {
      const iat = Math.floor(now() / 1000);
      // Keep an hour's grace so a clock offset turned back can't resurrect a pruned, revoked jti.
      for (const [jti, entry] of issued) if (entry.exp < iat - 3600) issued.delete(jti);
      const jti = randomUUID();
      issued.set(jti, { exp: iat + lifetime, revoked: false });
      const token = await new SignJWT({ name: user.name, roles: user.roles })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setSubject(user.sub)
        .setJti(jti)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(privateKey);
      return { token, lifetime };
    },

    /**
     * The verified claims; throws a jose error (`code` e.g. `ERR_JWT_EXPIRED`) otherwise.
     * @param {string} token
     */
    async verify(token) {
      const { payload } = await jwtVerify(token, keySet, { algorithms: ['ES256'], currentDate: new Date(now()) });
      if (typeof payload.jti !== 'string' || issued.get(payload.jti)?.revoked !== false) {
        throw new errors.JWTClaimValidationFailed('token has been revoked', payload, 'jti', 'revoked');
      }
      return payload;
    },

    /** Revokes every access token issued so far; returns how many were still live. */
    revokeAll() {
      let count = 0;
      const nowSeconds = now() / 1000;
      for (const entry of issued.values()) {
        if (!entry.revoked && entry.exp > nowSeconds) count++;
        entry.revoked = true;
      }
      return count;
    },
  };
}
