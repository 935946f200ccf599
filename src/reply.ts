import { AuthError, asAuthError } from './errors';
import { readTokens, type AuthBackend, type Reply } from './backend';
import { retryAfter } from './scheduler';
import type { Tokens } from './tokens';

/**
 * What an auth endpoint's answer means, for login and refresh alike: tokens; `none`, the server has no session (a
 * refresh's 204, or its refusal: 400/401); or a failure, with the server's `Retry-After` (ms) if it gave one.
 */
export type Verdict = { tokens: Tokens } | { none: AuthError | null } | { error: AuthError; retryAfter?: number };

/**
 * The one reply classifier (API.md Wire format). Refresh: 204 means there is no session, 400/401 that it is over,
 * anything else failed (transient: it is retried). Login: 400/401 and other 4xx are wrong credentials. Both: 5xx, 408
 * and 429 are `network`; a redirect (auth requests never follow one) or an unusable 2xx body `invalid_response`.
 *
 * @example
 * const verdict = await classify(backend.refresh(token, signal), backend, 'refresh');
 */
export async function classify(call: Promise<Reply>, backend: AuthBackend, kind: 'login' | 'refresh'): Promise<Verdict> {
  let reply: Reply;
  try {
    reply = await call;
  } catch (error) {
    return { error: asAuthError(error, 'network', `${kind} failed`) };
  }
  const { status, where } = reply;
  const login = kind === 'login';
  if (status === 204 && !login) return { none: null };
  if ((status === 400 || status === 401) && !login) return { none: new AuthError('session_expired', `${where} refused the refresh (${status})`, { status }) };
  if (status > 299 || status < 200) {
    const code = status > 499 || status === 408 || status === 429 ? 'network' : status < 400 ? 'invalid_response' : login ? 'invalid_credentials' : 'network';
    return { error: new AuthError(code, `${where} answered ${status}`, { status }), retryAfter: retryAfter(reply.retryAfter) };
  }
  try {
    return { tokens: await (backend.tokens ? backend.tokens(reply) : readTokens(reply)) };
  } catch (error) {
    return { error: asAuthError(error, 'invalid_response', `${where}: unusable token response`) };
  }
}
