import { AuthError, asAuthError } from './errors';
import { readTokens, type AuthBackend, type Reply } from './backend';
import { retryAfter } from './scheduler';
import type { Tokens } from './tokens';

/**
 * What an auth endpoint's answer means, for login and refresh alike: tokens; `none`, the server has no session
 * (a refresh's 204, or a refusal: 400/401); or a failure, `transient` when asking again later may work
 * (unreachable, timed out, 5xx, 408, 429, an unusable 2xx body, a redirect).
 */
export type Verdict =
  | { tokens: Tokens }
  | { none: AuthError | null }
  | { error: AuthError; transient: boolean; retryAfter?: number };

/**
 * The one reply classifier. Login: 400/401 are wrong credentials, other 4xx too. Refresh: 204 means there is no
 * session, 400/401 that it is over (API.md Wire format); any other answer is transient.
 *
 * @example
 * const verdict = await classify(backend.refresh(token, signal), backend, 'refresh');
 */
export async function classify(call: Promise<Reply>, backend: AuthBackend, kind: 'login' | 'refresh'): Promise<Verdict> {
  let reply: Reply;
  try {
    reply = await call;
  } catch (error) {
    return { error: asAuthError(error, 'network', `${kind} failed`), transient: true };
  }
  const { status, where } = reply;
  const login = kind === 'login';
  const failed = (code: AuthError['code'], transient: boolean, what = `answered ${status}`): Verdict => ({
    error: new AuthError(code, `${where} ${what}`, { status }),
    transient,
    retryAfter: retryAfter(reply.retryAfter),
  });
  if (status === 204 && !login) return { none: null };
  if (status === 400 || status === 401) {
    return login ? failed('invalid_credentials', false) : { none: new AuthError('session_expired', `${where} refused the refresh (${status})`, { status }) };
  }
  if (status >= 500 || status === 408 || status === 429) return failed('network', true);
  // A redirect (auth requests never follow one) counts as a failed call, like an unusable body.
  if (status < 200 || status >= 300) return status >= 400 ? failed(login ? 'invalid_credentials' : 'network', !login) : failed('invalid_response', true);
  try {
    return { tokens: await (backend.tokens ? backend.tokens(reply) : readTokens(reply)) };
  } catch (error) {
    return { error: asAuthError(error, 'invalid_response', `${where}: unusable token response`), transient: true };
  }
}
