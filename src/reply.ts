import type { Reply } from './backend';

/**
 * What an auth endpoint's answer means, by its status:
 * `ok` a 2xx to read as tokens; `none` a refresh's 204, "there is no session" (nothing was presented);
 * `refused` the credentials or the session are bad; `transient` worth retrying (5xx, 408, 429, and for a refresh
 * anything else it doesn't understand: a proxy's 403 or 404, a redirect).
 */
export type Verdict = 'ok' | 'none' | 'refused' | 'transient';

/** One policy for login and refresh replies (API.md: Wire format, Errors). */
export function verdict(call: 'login' | 'refresh', status: number): Verdict {
  if (status >= 200 && status < 300) return call === 'refresh' && status === 204 ? 'none' : 'ok';
  if (status >= 500 || status === 429 || status === 408) return 'transient';
  // A login's other answers (4xx, a redirect) refuse the credentials; a refresh is refused by 400/401 only
  // (RFC 6749 §5.2: invalid_grant).
  return call === 'login' || status === 400 || status === 401 ? 'refused' : 'transient';
}

/** `POST https://… answered 401`: names the call and its status, never the body. */
export const answered = (reply: Reply, detail = ''): string => `${reply.where} answered ${reply.status}${detail}`;
