import { AuthError } from './errors';
import { warnOnce } from './env';

/** A token response accepted and measured on this device's clock. */
export interface Tokens {
  accessToken: string;
  refreshToken: string | undefined;
  /** Decoded claims (unverified) or null for an opaque token. */
  claims: Record<string, unknown> | null;
  /** Local epoch ms when the response arrived. */
  receivedAt: number;
  /** Lifetime in ms as measured locally, or null when nothing says (used until a 401). */
  lifetime: number | null;
}

const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]*$/;
// What `Authorization: Bearer <token>` can carry: visible ASCII, inner spaces at most. A control character (CR/LF:
// header injection), DEL or non-ASCII makes fetch throw a TypeError that quotes the whole token, on every request.
const HEADER_SAFE = /^[!-~]([ -~]*[!-~])?$/; // `!-~` is 0x21-0x7e, ` -~` 0x20-0x7e
// Ten years: anything longer is a server bug, and would overflow Date arithmetic sooner or later.
const MAX_LIFETIME_S = 315_360_000; // 10 × 365 days

const invalid = (message: string) => new AuthError('invalid_response', message);

/** A JSON object: not null, not an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Number.isFinite is false for anything but a finite number (no coercion).
const seconds = (value: unknown): number | undefined => (Number.isFinite(value) ? (value as number) : undefined);

function checkLifetime(lifetimeS: number, source: string): number {
  if (!(lifetimeS > 0) || lifetimeS > MAX_LIFETIME_S)
    throw invalid(`absurd token lifetime (${source} = ${lifetimeS} s)`);
  return lifetimeS * 1000;
}

/**
 * One base64url JWT segment as a JSON object, or undefined. Decoded by hand, not with jose: no work at module load
 * and no `TextDecoder` (React Native's Hermes lacks it before 0.85). `escape` percent-encodes each byte (all but
 * ASCII letters, digits and `@*_+-./`, which decode as themselves), and `decodeURIComponent` of that is a strict
 * UTF-8 decoder: it throws on malformed sequences, as `TextDecoder(…, { fatal: true })` would. That decoder (jose's,
 * which this replaced) also drops one leading byte-order mark, and so does this: tokens.property.test.ts holds the
 * two to one answer over hostile tokens. (`escape` is legacy but universal: browsers, Node and Hermes all have it.)
 */
function segment(part: string): Record<string, unknown> | undefined {
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = atob(base64 + '='.repeat(-base64.length & 3)); // padded to a multiple of 4
    const json: unknown = JSON.parse(decodeURIComponent(escape(bytes)).replace(/^\uFEFF/, ''));
    return isRecord(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims of a JWT, null for an opaque token. Only three base64url parts whose first decodes to a JSON object make a
 * JWT: other dotted strings (a PASETO `v4.local.…`, a vendor's own format) are opaque. A JWT whose payload can't be
 * decoded is broken, an error rather than an opaque token. Decode only: claims are for display and scheduling,
 * never trusted; servers verify.
 */
function decodeClaims(token: string): Record<string, unknown> | null {
  // Five parts is an encrypted JWT (JWE), other characters no JWT at all: opaque to the client.
  if (!JWS_COMPACT.test(token)) return null;
  const [header, payload] = token.split('.') as [string, string]; // three parts: JWS_COMPACT matched
  if (!segment(header)) return null;
  const claims = segment(payload);
  if (!claims) throw invalid('access_token is a JWT with an undecodable payload');
  return claims;
}

/**
 * Validates a token response body and measures the token's lifetime on the local clock, from `receivedAt`, as the
 * SHORTEST of the measures it offers: `exp - iat`, `expires_in`, and `exp` against the server's `Date` header. A
 * server that copies a stale `iat` into new tokens (SimpleJWT before PR #888) or hands back an older token can only
 * make us refresh early, never late. The server's absolute clock is never compared with ours, so a device hours off
 * still refreshes on time; only when nothing else is offered is `exp` read against the local clock, and a token that
 * clock says has expired (or has decades left) is used until a 401 instead.
 */
export function parseTokens(body: unknown, receivedAt: number, serverDate: string | null): Tokens {
  if (!isRecord(body)) throw invalid('token response is not a JSON object');
  const { access_token: accessToken, refresh_token: refreshToken, expires_in: expiresIn } = body;
  if (typeof accessToken !== 'string' || !accessToken) throw invalid('no access_token');
  // Bigger than any sane JWT; a header this size is refused by most servers anyway.
  if (accessToken.length > 65_536) throw invalid('access_token is over 64 KB');
  if (!HEADER_SAFE.test(accessToken)) throw invalid('access_token is not a valid header value');
  if (accessToken.length > 4096) warnOnce(`access token is over 4 KB; many servers refuse headers over 8 KB`);
  if (refreshToken != null && (typeof refreshToken !== 'string' || !refreshToken))
    throw invalid('refresh_token is not a string');
  if (expiresIn != null && !Number.isFinite(expiresIn)) throw invalid('expires_in is not a number');

  const claims = decodeClaims(accessToken);
  const exp = seconds(claims?.exp);
  const iat = seconds(claims?.iat);
  const measures: number[] = [];
  if (exp !== undefined && iat !== undefined) measures.push(checkLifetime(exp - iat, 'exp - iat'));
  if (expiresIn != null) measures.push(checkLifetime(expiresIn as number, 'expires_in'));
  // NaN without an exp or a readable Date header, which the test below doesn't let through.
  const left = (exp ?? NaN) - Date.parse(serverDate ?? '') / 1000;
  // Already expired by the server's own clock (a response that took long to arrive, an old token handed back):
  // due at once. Beyond the ten-year bound it can't be the shortest of sane measures: either exp is absurd or the
  // Date header is bogus, and with nothing else offered the local clock judges exp below.
  if (left <= MAX_LIFETIME_S) measures.push(Math.max(left * 1000, 1));
  // Without a usable Date header the local clock is all we have: a device whose clock is behind refreshes late (its
  // 401 then refreshes), and one ahead by more than the token lives, or one set decades back (a phone whose battery
  // ran out), measures nothing and uses the token until a 401, rather than refuse a fresh one. Past the ten-year bound
  // by the server's Date as well, it is the exp that is absurd: refused.
  const local = exp === undefined || measures.length ? NaN : exp - receivedAt / 1000;
  if (local > MAX_LIFETIME_S && !Number.isNaN(left)) checkLifetime(local, 'exp - now');
  if (local > 0 && local <= MAX_LIFETIME_S) measures.push(local * 1000);
  return {
    accessToken,
    refreshToken: (refreshToken as string | null | undefined) ?? undefined,
    claims,
    receivedAt,
    lifetime: measures.length ? Math.min(...measures) : null,
  };
}

/** Local epoch ms at which the token expires, or null. */
export const expiresAt = (t: Tokens): number | null => (t.lifetime === null ? null : t.receivedAt + t.lifetime);

/**
 * A refresh's tokens, expiring no later than the ones it renewed (`held`) when their access token is the very one held,
 * handed back (a server that answers with the current token while it lives): it expires when it did, whatever the
 * response measures (the Date header that would say so is hidden from another origin unless CORS exposes it).
 */
export function handedBack(next: Tokens, held: Tokens | null): Tokens {
  const until = held?.accessToken === next.accessToken ? expiresAt(held) : null;
  return until === null || (expiresAt(next) ?? Infinity) <= until
    ? next
    : { ...next, lifetime: Math.max(until - next.receivedAt, 1) };
}

/**
 * Local epoch ms at which to refresh: `lead` before expiry, never before half the lifetime. A sub-second lifetime
 * would be due almost at once: the client never counts a token due sooner than MIN_REFRESH_GAP_MS after it arrived
 * (client.ts `dueAt`), and the refresher keeps that gap between requests (scheduler.ts `refreshGap`), so no loop.
 */
export const refreshAt = (t: Tokens, leadMs: number): number | null =>
  t.lifetime === null ? null : t.receivedAt + Math.max(t.lifetime / 2, t.lifetime - leadMs);
