import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK } from 'jose';

interface Keys {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

/** Node's `crypto` module where the runtime hands it out without an import (Node ≥ 20.16), else undefined (browsers). */
const nodeCrypto = (): typeof import('node:crypto') | undefined =>
  (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
    'node:crypto',
  ) as typeof import('node:crypto') | undefined;

/**
 * ES256 with Node's synchronous `crypto`: the same JWTs as jose's, made and checked within the request's own turn of
 * the event loop. WebCrypto's work runs off the thread, in real time, while a test under fake timers advances its
 * clock: one big `advanceTimersByTimeAsync` timed out the client's refresh while its token was being signed, and the
 * retry, later by the fake clock than the reuse grace, ended the session (a black-box test written from API.md).
 */
function createSyncSigner(c: typeof import('node:crypto')) {
  const { privateKey, publicKey } = c.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { crv, x, y } = publicKey.export({ format: 'jwk' });
  // RFC 7638: the thumbprint of the required members, in lexicographic order.
  const kid = c
    .createHash('sha256')
    .update(JSON.stringify({ crv, kty: 'EC', x, y }))
    .digest('base64url');
  const jwk: JWK = { kty: 'EC', crv, x, y, kid, alg: 'ES256', use: 'sig' };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const ieee = { dsaEncoding: 'ieee-p1363' } as const;
  return {
    jwk,
    sign(claims: Record<string, unknown>): string {
      const input = `${encode({ alg: 'ES256', typ: 'JWT', kid })}.${encode(claims)}`;
      return `${input}.${c.sign('sha256', Buffer.from(input), { key: privateKey, ...ieee }).toString('base64url')}`;
    },
    /** The payload of a token this signer made, unexpired at `nowS` (seconds), else null. */
    verify(token: string, nowS: number): Record<string, unknown> | null {
      const [header, payload, signature] = token.split('.');
      if (!header || !payload || signature === undefined) return null;
      try {
        if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'ES256') return null;
        const ok = c.verify(
          'sha256',
          Buffer.from(`${header}.${payload}`),
          { key: publicKey, ...ieee },
          Buffer.from(signature, 'base64url'),
        );
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
        return ok && typeof claims.exp === 'number' && claims.exp > nowS ? claims : null;
      } catch {
        return null;
      }
    },
  };
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
  let signer: ReturnType<typeof createSyncSigner> | undefined;
  const issued = new Map<string, Issued>();
  const sync = () => {
    const c = nodeCrypto();
    return c && (signer ??= createSyncSigner(c));
  };

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
      const node = sync();
      if (node) return node.sign({ ...claims, sub, iat, exp: iat + lifetime, jti });
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
      const node = format === 'jwt' ? sync() : undefined;
      if (node) jti = String(node.verify(token, now() / 1000)?.jti ?? '');
      else if (format === 'jwt') {
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
      return { keys: [sync()?.jwk ?? (await getKeys()).jwk] };
    },

    clear(): void {
      issued.clear();
    },
  };
}
