import type { createRemoteJWKSet, JWTPayload } from 'jose';
import { AuthError } from 'keycard';

/**
 * jose, loaded when the first ID token is to be verified rather than with keycard/oauth: it makes a TextDecoder as it
 * loads, which React Native's Hermes lacks before 0.85, where an app importing keycard/oauth would otherwise stop at
 * start-up. This way only ID token verification needs one, and it says so.
 */
let jose: Promise<typeof import('./jose')> | undefined;
function loadJose(): Promise<typeof import('./jose')> {
  jose ??= import('./jose').catch((cause: unknown) => {
    jose = undefined; // a CommonJS build loads it again next time (once a polyfill is in); an ES module stays failed
    throw typeof TextDecoder === 'undefined'
      ? new TypeError(
          'keycard/oauth verifies ID tokens with jose, which needs a TextDecoder; in React Native before 0.85 install a polyfill such as fast-text-encoding',
          { cause },
        )
      : cause;
  });
  return jose;
}

export interface IdTokenExpectations {
  issuer: string;
  jwksUri: string;
  clientId: string;
  /** The `nonce` sent with the authorization request (login only). */
  nonce?: string;
  /** The signed-in user's `sub`: a refreshed ID token must name the same user (OIDC Core §12.2). */
  sub?: string;
  /** The provider's clock when the token response arrived, from its `Date` header; null when unreadable (CORS). */
  serverNow: number | null;
  /** `METHOD url` of the token response, for messages. */
  where: string;
}

// Leeway for exp/nbf, on the provider's clock (see `serverNow`), not the device's.
const CLOCK_TOLERANCE_S = 60;

const rejected = (where: string, reason: string, cause?: unknown) =>
  new AuthError('invalid_response', `ID token from ${where} was rejected (${reason})`, {
    cause: cause && withheld(cause),
  });

/**
 * A jose or fetch error's kind (name, code) without its text or properties: jose's claim errors carry the ID token's
 * payload, and a custom fetch's error may quote anything (API.md Errors: no token or body down the cause chain).
 */
export function withheld(error: unknown): Error {
  const { name, code } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
  };
  const kind = typeof name === 'string' && /^[A-Z][A-Za-z]{0,40}$/.test(name) ? name : 'Error';
  const copy = new Error(
    `${kind}${typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,47}$/.test(code) ? ` ${code}` : ''} (details withheld)`,
  );
  copy.name = kind;
  return copy;
}

/**
 * Validates ID tokens (OIDC Core §3.1.3.7) with jose against the provider's
 * JWKS, fetched with the client's own `fetch` and cached by jose (a new `kid`
 * triggers one refetch). Returns the verified claims.
 */
export function createIdTokenVerifier(getFetch: () => typeof fetch, timeoutMs: number) {
  let keys: { uri: string; get: ReturnType<typeof createRemoteJWKSet> } | null = null;

  return async function verifyIdToken(idToken: string, expect: IdTokenExpectations): Promise<Record<string, unknown>> {
    const { createRemoteJWKSet, customFetch, decodeJwt, errors, jwtVerify } = await loadJose();
    if (keys?.uri !== expect.jwksUri) {
      const get = createRemoteJWKSet(new URL(expect.jwksUri), {
        timeoutDuration: timeoutMs,
        // Never follow a redirect: the key set comes from jwks_uri itself (jose then refuses the 3xx, not 200).
        [customFetch]: (url: string, init: RequestInit) => getFetch()(url, { ...init, redirect: 'manual' }),
      });
      keys = { uri: expect.jwksUri, get };
    }
    let payload: JWTPayload;
    try {
      // Time claims are checked on the provider's clock: its Date header, or, where CORS hides that header,
      // the token's own `iat` (it was minted for this very response). A device clock hours off still signs in.
      const now = expect.serverNow ?? (Number(decodeJwt(idToken).iat) || Date.now() / 1000) * 1000;
      ({ payload } = await jwtVerify(idToken, keys.get, {
        issuer: expect.issuer,
        audience: expect.clientId,
        requiredClaims: ['sub', 'iat', 'exp'],
        currentDate: new Date(now),
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (cause) {
      if (cause instanceof errors.JWKSTimeout || !(cause instanceof errors.JOSEError)) {
        throw new AuthError('network', `fetching the provider's keys (${expect.jwksUri}) failed`, {
          cause: withheld(cause),
        });
      }
      const claim =
        cause instanceof errors.JWTClaimValidationFailed || cause instanceof errors.JWTExpired
          ? `: ${cause.claim}`
          : '';
      throw rejected(expect.where, `${cause.code}${claim}`, cause);
    }
    // §3.1.3.7 items 4-5: with several audiences (or any azp), the authorized party must be this client.
    if ((Array.isArray(payload.aud) && payload.aud.length > 1) || payload.azp !== undefined) {
      if (payload.azp !== expect.clientId) throw rejected(expect.where, 'azp is not this client');
    }
    // §3.1.3.7 item 11: the nonce ties the token to the login this browser started.
    if (expect.nonce !== undefined && payload.nonce !== expect.nonce) throw rejected(expect.where, 'nonce mismatch');
    if (expect.sub !== undefined && payload.sub !== expect.sub)
      throw rejected(expect.where, 'sub differs from the signed-in user');
    return payload as Record<string, unknown>;
  };
}
