import { type AuthError, asAuthError } from './errors';
import { answered, readTokens, type AuthBackend, type Reply } from './backend';
import { retryAfter } from './scheduler';
import type { Tokens } from './tokens';

/**
 * What an auth endpoint's answer means, for login and refresh alike: tokens; `none`, the server has no session (a
 * refresh's 204, or its refusal: 400/401); or a failure, with the server's `Retry-After` (ms) if it gave one.
 */
export type Verdict = { tokens: Tokens } | { none: AuthError | null } | { error: AuthError; retryAfter?: number };

/**
 * The one reply classifier, one status policy for login and refresh replies (API.md: Wire format, Errors).
 * Refresh: 204 means there is no session, 400/401 that it is over (RFC 6749 §5.2: invalid_grant), anything else
 * failed (transient: it is retried, e.g. a proxy's 403 or 404). Login: other 4xx are wrong credentials. Both: 5xx,
 * 408 and 429 are `network`; a redirect (the backend never follows one) or an unusable 2xx body `invalid_response`.
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
  const { status } = reply;
  const login = kind === 'login';
  if (status >= 200 && status < 300) {
    if (!login && status === 204) return { none: null };
    try {
      return { tokens: await (backend.tokens ? backend.tokens(reply) : readTokens(reply)) };
    } catch (error) {
      return { error: asAuthError(error, 'invalid_response', `${reply.where}: unusable token response`) };
    }
  }
  if (status < 500 && status !== 429 && status !== 408 && (login || status === 400 || status === 401))
    return login ? { error: answered('invalid_credentials', reply) } : { none: answered('session_expired', reply) };
  return { error: answered('network', reply), retryAfter: retryAfter(reply.retryAfter) };
}
