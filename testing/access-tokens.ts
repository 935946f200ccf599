import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK } from 'jose';

interface Keys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

interface Issued {
  sub: string;
  /** Server-clock epoch ms; only read for opaque tokens (a JWT carries its own `exp`). */
  exp: number;
  revoked: boolean;
}

/** How the mock server mints access tokens: ES256 JWTs, or opaque strings only it can look up. */
export interface AccessTokenOptions {
  format: 'jwt' | 'opaque';
  /** Seconds. */
  lifetime: number;
  /** The server's clock, epoch ms (already skewed). */
  now: () => number;
}

/** A random 256-bit string, base64url: used for opaque access tokens, refresh tokens and `jti`s. */
export const randomToken = (): string => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));

/**
 * Issues and checks access tokens. Every token is remembered by `jti` (or by
 * itself, when opaque) so the API route can reject revoked ones and tokens
 * from before a `reset()`, which a stateless signature check alone cannot.
 *
 * @example
 * const tokens = createAccessTokens({ format: 'jwt', lifetime: 300, now: Date.now });
 * const sub = await tokens.verify(await tokens.issue('alice', { roles: ['admin'] })); // 'alice'
 */
export function createAccessTokens({ format, lifetime, now }: AccessTokenOptions) {
  let keys: Promise<Keys> | undefined;
  const issued = new Map<string, Issued>();

  // Generated on first use, once per server: key generation is the slow part of a test.
  const getKeys = () =>
    (keys ??= generateKeyPair('ES256').then(async ({ privateKey, publicKey }) => {
      const jwk = await exportJWK(publicKey);
      return {
        privateKey,
        publicKey,
        jwk: { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' },
      };
    }));

  return {
    async issue(sub: string, claims: Record<string, unknown>): Promise<string> {
      const iat = Math.floor(now() / 1000);
      const jti = randomToken();
      issued.set(jti, { sub, exp: (iat + lifetime) * 1000, revoked: false });
      if (format === 'opaque') return jti;
      const { privateKey, jwk } = await getKeys();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: jwk.kid! })
        .setSubject(sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .setJti(jti)
        .sign(privateKey);
    },

    /** The token's `sub` when it is valid now on the server's clock, else null. */
    async verify(token: string): Promise<string | null> {
      let jti = token;
      if (format === 'jwt') {
        try {
          const { payload } = await jwtVerify(token, (await getKeys()).publicKey, {
            algorithms: ['ES256'],
            currentDate: new Date(now()),
          });
          jti = payload.jti ?? '';
        } catch {
          return null;
        }
      }
      const record = issued.get(jti);
      if (!record || record.revoked || (format === 'opaque' && record.exp <= now())) return null;
      return record.sub;
    },

    /** Revokes every token issued so far (or only `sub`'s); tokens issued later are unaffected. */
    revoke(sub?: string): void {
      for (const record of issued.values()) if (sub === undefined || record.sub === sub) record.revoked = true;
    },

    async jwks(): Promise<JSONWebKeySet> {
      return { keys: [(await getKeys()).jwk] };
    },

    clear(): void {
      issued.clear();
    },
  };
}
