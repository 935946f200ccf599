// What the core did with jose before it decoded JWTs by hand (src/tokens.ts): the slow path the hand decoder is held
// to, in Node (tokens.property.test.ts) and on the Hermes VM (native/hermes.test.ts).
import { decodeJwt, decodeProtectedHeader } from 'jose';

/** How parseTokens reads an access token: its claims, opaque (`claims: null`), or a broken JWT (`invalid_response`). */
export type JwtAnswer = { claims: Record<string, unknown> | null } | { broken: true };

// RFC 7515 §7.1's JWS Compact Serialization, written out rather than copied from src/tokens.ts: three parts, each
// in base64url's alphabet without padding, the header and payload not empty. Anything else is opaque to the client
// (a JWE has five parts; PASETO and vendor formats are dotted too), which jose would try to read anyway.
const ALPHABET = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
const isCompactJws = (token: string) => {
  const parts = token.split('.');
  return (
    parts.length === 3 && parts.every((part, i) => (i === 2 || part !== '') && [...part].every((c) => ALPHABET.has(c)))
  );
};

/** The slow path: a header jose can't read makes the token opaque; a payload it can't, a broken JWT. */
export function viaJose(token: string): JwtAnswer {
  if (!isCompactJws(token)) return { claims: null };
  try {
    decodeProtectedHeader(token);
  } catch {
    return { claims: null };
  }
  try {
    return { claims: decodeJwt(token) };
  } catch {
    return { broken: true };
  }
}
