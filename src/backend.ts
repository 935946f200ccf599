import { AuthError, asAuthError, scrubbed, type AuthErrorCode } from './errors';
import { isRecord, parseTokens, type Tokens } from './tokens';
import { toURL } from './url';
import { abortable } from './scheduler';

/** An auth endpoint's answer, read in full within the request timeout. */
export interface Reply {
  status: number;
  text: string;
  /** The `Date` header, to measure `exp` against the server's own clock. */
  date: string | null;
  retryAfter: string | null;
  /** Local epoch ms at which the response arrived. */
  receivedAt: number;
  /** `METHOD url` for error messages. */
  where: string;
}

/**
 * The calls the client makes to an auth server. The default speaks keycard's
 * JSON wire format; a preset (e.g. OAuth 2.0) swaps in its own, and the rest
 * of the client (scheduling, queue, fetch, tabs) stays the same.
 *
 * @example
 * createAuthClient({ baseUrl, backend: { ...createJsonBackend(opts), logout: async () => {} } })
 */
export interface AuthBackend {
  login(credentials: Record<string, unknown>, signal: AbortSignal): Promise<Reply>;
  /** `refreshToken` is undefined in cookie mode, where the browser sends the cookie. */
  refresh(refreshToken: string | undefined, signal: AbortSignal): Promise<Reply>;
  logout(refreshToken: string | undefined, signal: AbortSignal): Promise<unknown>;
  /**
   * Names the session this backend carries, e.g. its refresh endpoint's URL: the default cross-tab channel is named
   * after it (API.md Cross-tab), so clients of different auth servers on one page never share tokens. Default: `baseUrl`.
   */
  session?: string;
  /** Turns a 2xx reply into tokens (default {@link readTokens}); may be async, e.g. to verify an ID token. Throw an `AuthError`. */
  tokens?(reply: Reply): Tokens | Promise<Tokens>;
}

export interface SendOptions {
  fetch: () => typeof fetch;
  timeoutMs: number;
}

/**
 * One request to an auth endpoint (exported for custom backends): the response is read whole before the
 * timeout is lifted, so a server that stalls mid-body can't hang a refresh.
 * Failures become `AuthError('network')` naming the endpoint, never a body.
 *
 * Redirects are never followed (`redirect: 'manual'`): a 307 would re-send the body (a refresh token, credentials)
 * to wherever it points, and the client would adopt whatever that place answers. A 3xx, a browser's opaque
 * redirect (`type: 'opaqueredirect'`, status 0) or a response a custom fetch followed anyway is a failed call,
 * `AuthError('invalid_response')` like an unusable body (transient for a refresh).
 */
export async function send(url: string, init: RequestInit, signal: AbortSignal, opts: SendOptions): Promise<Reply> {
  const where = `${init.method ?? 'GET'} ${url}`;
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (signal.aborted) abort();
  signal.addEventListener('abort', abort);
  const timer = setTimeout(abort, opts.timeoutMs);
  // The timeout doesn't trust fetch to honour the abort: a custom fetch may ignore the signal, and a mocked
  // (msw) body that stalls mid-stream never errors. Each await races the abort instead, so nothing waits forever.
  const raced = <T>(promise: Promise<T>) => abortable(promise, controller.signal);
  try {
    const response = await raced(opts.fetch()(url, { ...init, redirect: 'manual', signal: controller.signal }));
    const receivedAt = Date.now();
    const { headers, status } = response;
    if (
      response.type === 'opaqueredirect' ||
      response.redirected ||
      (status >= 300 && status < 400) ||
      // A response from somewhere other than `url`: a fetch that followed a redirect without saying so (React
      // Native's XHR-based fetch ignores `redirect` and has no `redirected`). An empty `url` (a hand-made
      // `Response`) says nothing.
      (response.url && bare(response.url) !== bare(url))
    ) {
      response.body?.cancel().catch(() => {});
      throw answered('invalid_response', { where, status }, ': a redirect, not followed');
    }
    const text = await raced(response.text());
    return { status, text, date: headers.get('date'), retryAfter: headers.get('retry-after'), receivedAt, where };
  } catch (error) {
    const reason = signal.aborted
      ? 'was cancelled'
      : controller.signal.aborted
        ? `timed out after ${opts.timeoutMs / 1000} s`
        : 'failed';
    // A platform or custom fetch error may quote what was sent (a header, the body with a refresh token): scrubbed.
    throw asAuthError(error, 'network', `${where} ${reason}`);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}

/** A URL as fetch reports it, without its fragment. */
const bare = (u: string) => (toURL(u)?.href ?? u).replace(/#.*/, '');

/** An error about an answer: names the call and its status (`POST https://… answered 401`), never the body. */
export const answered = (
  code: AuthErrorCode,
  reply: Pick<Reply, 'where' | 'status'>,
  detail = '',
  cause?: unknown,
): AuthError =>
  new AuthError(code, `${reply.where} answered ${reply.status}${detail}`, { status: reply.status, cause });

/**
 * Where a server keeps the tokens when its names differ from RFC 6749's (keycard's wire format). Each is a
 * top-level JSON field name; every one is optional and defaults to keycard's.
 *
 * @example
 * // Django REST Framework SimpleJWT: {"access": "…", "refresh": "…"} out, {"refresh": "…"} in
 * const fields: JsonFields = { accessToken: 'access', refreshToken: 'refresh' };
 */
export interface JsonFields {
  /** Response field with the access token. Default `access_token`. */
  accessToken?: string;
  /** Response field with a new (rotated) refresh token. Default `refresh_token`. */
  refreshToken?: string;
  /** Response field with the access token's lifetime in seconds. Default `expires_in`. */
  expiresIn?: string;
  /** Request body field that carries the refresh token to the refresh and logout endpoints. Default: `refreshToken`'s name. */
  refreshTokenParam?: string;
}

/** Parses a 2xx reply as a token response (under `fields`' names, if given), or throws `invalid_response`. */
export function readTokens(reply: Reply, fields?: JsonFields): Tokens {
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch (cause) {
    // V8's SyntaxError quotes the text it choked on: the body, maybe with a token in it.
    throw answered('invalid_response', reply, ', not JSON', scrubbed(cause));
  }
  try {
    // The body under keycard's names, whatever `fields` calls them.
    const named =
      fields && isRecord(body)
        ? {
            access_token: body[fields.accessToken ?? 'access_token'],
            refresh_token: body[fields.refreshToken ?? 'refresh_token'],
            expires_in: body[fields.expiresIn ?? 'expires_in'],
          }
        : body;
    return parseTokens(named, reply.receivedAt, reply.date);
  } catch (error) {
    // parseTokens throws only `invalid_response`, without a cause: the message is all there is to keep.
    throw answered('invalid_response', reply, `: ${(error as Error).message}`);
  }
}

/**
 * What {@link createJsonBackend} needs; also what `createAuthClient` hands a `backend` factory (its own
 * `baseUrl`, `endpoints`, refresh-token mode, `fetch` and `timeout`), so a custom backend can pass them on.
 */
export interface JsonBackendOptions extends SendOptions {
  baseUrl: string;
  /** Paths against `baseUrl`. `logout: null`: the server has none, and logout ends the session locally only. */
  endpoints?: { login?: string; refresh?: string; logout?: string | null } | undefined;
  /** Cookie mode: the browser sends the refresh token, so requests include credentials. */
  cookie: boolean;
  /** Field names of a server that doesn't use RFC 6749's (see {@link JsonFields}). */
  fields?: JsonFields | undefined;
}

/**
 * keycard's default wire format (README "Wire format"), or a server's own JSON names through `fields`.
 *
 * @example
 * // Django REST Framework SimpleJWT
 * createAuthClient({
 *   baseUrl: 'https://api.example.com',
 *   refreshToken: 'memory',
 *   endpoints: { login: '/api/token/', refresh: '/api/token/refresh/', logout: '/api/token/blacklist/' },
 *   backend: (o) => createJsonBackend({ ...o, fields: { accessToken: 'access', refreshToken: 'refresh' } }),
 * });
 */
export function createJsonBackend(o: JsonBackendOptions): AuthBackend {
  const url = (path: string) => toURL(path, o.baseUrl)?.href ?? path;
  const login = url(o.endpoints?.login ?? '/auth/login');
  const refresh = url(o.endpoints?.refresh ?? '/auth/refresh');
  const logout = o.endpoints?.logout === null ? null : url(o.endpoints?.logout ?? '/auth/logout');
  const fields = o.fields;
  const param = fields?.refreshTokenParam ?? fields?.refreshToken ?? 'refresh_token';
  const post = async (to: string, json: unknown, signal: AbortSignal) => {
    let body: string;
    try {
      body = JSON.stringify(json);
    } catch (cause) {
      // Only credentials can fail here (a refresh or logout body holds one string at most): a toJSON that throws, a cycle.
      throw new AuthError('invalid_credentials', 'credentials are not JSON-serializable', { cause: scrubbed(cause) });
    }
    return send(
      to,
      {
        method: 'POST',
        // X-Requested-With lets a cookie-mode server refuse cross-site form posts (CSRF).
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'keycard' },
        body,
        credentials: o.cookie ? 'include' : 'same-origin',
      },
      signal,
      o,
    );
  };
  return {
    session: refresh,
    tokens: (reply) => readTokens(reply, fields),
    login: (credentials, signal) => post(login, credentials, signal),
    // Cookie mode has no refresh token to send: JSON leaves an undefined field out, and the body is `{}`.
    refresh: (refreshToken, signal) => post(refresh, { [param]: refreshToken }, signal),
    // No logout endpoint: resolves at once, nothing sent.
    logout: async (refreshToken, signal) => logout && post(logout, { [param]: refreshToken }, signal),
  };
}
