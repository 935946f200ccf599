import { AuthError, asAuthError } from './errors';
import { readTokens, type AuthBackend, type Reply } from './backend';
import { retryAfter } from './scheduler';
import type { Tokens } from './tokens';

/**
 * What an auth endpoint's answer means, by its status:
 * `ok` a 2xx to read as tokens; `none` a refresh's 204, "there is no session" (nothing was presented);
 * `refused` the credentials or the session are bad; `transient` worth retrying (5xx, 408, 429, and for a refresh
 * anything else it doesn't understand: a proxy's 403 or 404).
 */
export type Status = 'ok' | 'none' | 'refused' | 'transient';

/** One status policy for login and refresh replies (API.md: Wire format, Errors). */
export function verdict(call: 'login' | 'refresh', status: number): Status {
  if (status >= 200 && status < 300) return call === 'refresh' && status === 204 ? 'none' : 'ok';
  if (status >= 500 || status === 429 || status === 408) return 'transient';
  // A login's other answers refuse the credentials; a refresh is refused by 400/401 only (RFC 6749 §5.2: invalid_grant).
  return call === 'login' || status === 400 || status === 401 ? 'refused' : 'transient';
}

/** `POST https://… answered 401`: names the call and its status, never the body. */
export const answered = (reply: Reply, detail = ''): string => `${reply.where} answered ${reply.status}${detail}`;

/**
 * What an auth endpoint's answer means, for login and refresh alike: tokens; `none`, the server has no session (a
 * refresh's 204, or its refusal: 400/401); or a failure, with the server's `Retry-After` (ms) if it gave one.
 */
export type Verdict = { tokens: Tokens } | { none: AuthError | null } | { error: AuthError; retryAfter?: number };

/**
 * The one reply classifier ({@link verdict}'s policy). Refresh: 204 means there is no session, 400/401 that it is
 * over, anything else failed (transient: it is retried). Login: 4xx are wrong credentials. Both: 5xx, 408 and 429
 * are `network`; a redirect (the backend never follows one) or an unusable 2xx body `invalid_response`.
 *
 * @example
 * const said = await classify(backend.refresh(token, signal), backend, 'refresh');
 */
export async function classify(
  call: Promise<Reply>,
  backend: AuthBackend,
  kind: 'login' | 'refresh',
): Promise<Verdict> {
  let reply: Reply;
  try {
    reply = await call;
  } catch (error) {
    return { error: asAuthError(error, 'network', `${kind} failed`) };
  }
  const said = verdict(kind, reply.status);
  if (said === 'none') return { none: null };
  if (said !== 'ok') {
    const login = said === 'refused' && kind === 'login';
    const error = new AuthError(
      login ? 'invalid_credentials' : said === 'refused' ? 'session_expired' : 'network',
      answered(reply),
      { status: reply.status },
    );
    return said === 'refused' && !login ? { none: error } : { error, retryAfter: retryAfter(reply.retryAfter) };
  }
  try {
    return { tokens: await (backend.tokens ? backend.tokens(reply) : readTokens(reply)) };
  } catch (error) {
    return { error: asAuthError(error, 'invalid_response', `${reply.where}: unusable token response`) };
  }
}
