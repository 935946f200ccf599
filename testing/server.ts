import { http } from 'msw';
import type { HttpHandler } from 'msw';
import type { JSONWebKeySet } from 'jose';
import type { TokenResponse } from 'keycard';
import { createAccessTokens } from './access-tokens';
import { createCookieJar } from './cookie-jar';
import { createFailures } from './failures';
import type { FailureKind, FailureOptions } from './failures';
import { createSessions } from './sessions';

/**
 * An account the mock server accepts at login.
 *
 * @example
 * const admin: MockUser = { username: 'root', password: 'toor', sub: 'u_1', claims: { roles: ['admin'] } };
 */
export interface MockUser {
  username: string;
  password: string;
  /** The token's `sub`. Default: `username`. */
  sub?: string;
  /** Extra claims put in every access token of this user, e.g. `{ roles: ['admin'] }`. */
  claims?: Record<string, unknown>;
}

/**
 * Options for {@link createMockAuthServer}; all optional.
 *
 * @example
 * createMockAuthServer({ refreshTokenMode: 'body', accessTokenLifetime: 20, clockSkew: -3600 })
 */
export interface MockAuthServerOptions {
  /** Where the auth endpoints live. Default `'https://auth.test'`. */
  baseUrl?: string;
  /** Where the protected `/api/*` route lives. Default: `baseUrl`. */
  apiBaseUrl?: string;
  /** Same shape as the client option. Defaults `/auth/login`, `/auth/refresh`, `/auth/logout`. */
  endpoints?: { login?: string; refresh?: string; logout?: string };
  /** Default: one user, `{ username: 'alice', password: 'wonderland' }` (sub `'alice'`). */
  users?: MockUser[];
  /** Seconds. Default 300. */
  accessTokenLifetime?: number;
  /** `'jwt'` (ES256, default) or `'opaque'` (random strings the client cannot decode). */
  accessTokenFormat?: 'jwt' | 'opaque';
  /** Send `expires_in` in token responses. Default true. */
  expiresIn?: boolean;
  /**
   * `'cookie'` (default): an HttpOnly `keycard_rt` cookie, for clients with `refreshToken: 'cookie'`.
   * `'body'`: `refresh_token` in the JSON both ways, for `'memory'` or a `TokenStorage`.
   * `'none'`: no refresh token at all (NestJS's documented set-up, say): a session lasts one access token, and the
   * refresh endpoint answers every request `204` (no session). For `'memory'` or `TokenStorage` clients: a cookie-mode
   * client can't tell a missing cookie from an ended session, and takes the `204` for the end of it.
   */
  refreshTokenMode?: 'cookie' | 'body' | 'none';
  /** Seconds the server's clock is ahead of `Date.now()` (negative: behind). Shifts `iat`, `exp` and `Date`. Default 0. */
  clockSkew?: number;
  /**
   * Seconds after a rotation during which the replaced refresh token, presented
   * again while its successor was never used, gets that same successor (and a
   * fresh access token) instead of ending the session: a client whose refresh
   * response was lost is retrying. Outside the window, or once the successor
   * was used, reuse still revokes the family. Default 10; 0 turns it off.
   */
  refreshTokenReuseGrace?: number;
}

/**
 * Requests the mock server has received, successful or not. A live object:
 * read it when you assert.
 *
 * @example
 * expect(server.stats).toMatchObject({ logins: 1, refreshes: 1 });
 */
export interface MockAuthStats {
  logins: number;
  refreshes: number;
  logouts: number;
  apiCalls: number;
  /** API calls answered 401. */
  api401s: number;
}

/**
 * The msw handlers of a fake auth backend, and the controls a test needs.
 *
 * @example
 * const server = createMockAuthServer();
 * setupServer(...server.handlers).listen();
 * server.revokeAccessTokens(); // the next API call gets a 401
 */
export interface MockAuthServer {
  /** For `setupServer(...server.handlers)` (Node) or `setupWorker(...)` (browser). */
  readonly handlers: HttpHandler[];
  readonly stats: Readonly<MockAuthStats>;
  /** Makes the next `count` refresh requests fail with `kind` instead of rotating. */
  failNextRefresh(kind: FailureKind, count?: number, options?: FailureOptions): void;
  /** Makes the next `count` login requests fail with `kind`. */
  failNextLogin(kind: FailureKind, count?: number, options?: FailureOptions): void;
  /** Makes the next `count` logout requests fail with `kind`. */
  failNextLogout(kind: FailureKind, count?: number, options?: FailureOptions): void;
  /** Every access token issued so far (or only `sub`'s) now gets a 401 from the API; new ones work. */
  revokeAccessTokens(sub?: string): void;
  /** Refresh tokens stop working (next refresh: 401 `invalid_grant`); access tokens live out their lifetime. */
  expireRefreshTokens(): void;
  /** Ends every session (or only `sub`'s): refresh tokens and access tokens both stop working. */
  revokeSession(sub?: string): void;
  /**
   * Starts a session without a login request, for a user who signed in before the test.
   * Includes `refresh_token` (except in `'none'` mode); in cookie mode the cookie is also put in the emulated jar,
   * so a cookie-mode client's `restore()` finds it. `sub` defaults to the first user's.
   */
  issueTokens(sub?: string): Promise<TokenResponse>;
  /** The public signing key, e.g. for `createLocalJWKSet(await server.jwks())`. Also served at `{baseUrl}/.well-known/jwks.json`. */
  jwks(): Promise<JSONWebKeySet>;
  /** Forgets sessions, tokens, the cookie jar, queued failures and stats; releases hanging requests. Keeps the key. */
  reset(): void;
}

const COOKIE = 'keycard_rt';
const COUNTER = { login: 'logins', refresh: 'refreshes', logout: 'logouts' } as const;

/**
 * Creates an in-memory auth backend speaking keycard's default wire format,
 * as msw handlers: login, refresh (rotating, with reuse detection and a
 * reuse grace for lost responses), logout, a
 * JWKS, and a protected `{apiBaseUrl}/api/*` route that checks the bearer
 * token and echoes `{ ok, sub, method, path, body }`.
 *
 * Cookie mode works in Node: the server keeps an emulated browser cookie jar
 * and replays the cookie to requests made with `credentials: 'include'`.
 *
 * @example
 * const server = createMockAuthServer({ users: [{ username: 'alice', password: 'wonderland', claims: { roles: ['admin'] } }] });
 * const msw = setupServer(...server.handlers);
 * beforeAll(() => msw.listen());
 * afterEach(() => server.reset());
 * afterAll(() => msw.close());
 */
export function createMockAuthServer(options: MockAuthServerOptions = {}): MockAuthServer {
  const baseUrl = options.baseUrl ?? 'https://auth.test';
  const apiBaseUrl = (options.apiBaseUrl ?? baseUrl).replace(/\/$/, '');
  const url = (path: string | undefined, fallback: string) => new URL(path ?? fallback, baseUrl);
  const loginUrl = url(options.endpoints?.login, '/auth/login');
  const refreshUrl = url(options.endpoints?.refresh, '/auth/refresh');
  const logoutUrl = url(options.endpoints?.logout, '/auth/logout');
  const users = options.users ?? [{ username: 'alice', password: 'wonderland' }];
  const lifetime = options.accessTokenLifetime ?? 300;
  const mode = options.refreshTokenMode ?? 'cookie';
  // Read at call time so vitest's fake timers (and `vi.setSystemTime`) move this clock too.
  const now = () => Date.now() + (options.clockSkew ?? 0) * 1000;

  const tokens = createAccessTokens({ format: options.accessTokenFormat ?? 'jwt', lifetime, now });
  const sessions = createSessions({ now, reuseGrace: options.refreshTokenReuseGrace });
  const jar = createCookieJar(COOKIE, refreshUrl.origin, commonPath(refreshUrl.pathname, logoutUrl.pathname));
  const stats: MockAuthStats = { logins: 0, refreshes: 0, logouts: 0, apiCalls: 0, api401s: 0 };

  // Plain `Response`s, not `HttpResponse`: msw would copy a `Set-Cookie` into its process-wide store (see cookie-jar.ts).
  const json = (status: number, body: unknown, headers?: HeadersInit): Response => {
    const all = new Headers(headers);
    all.set('Date', new Date(now()).toUTCString());
    if (body === null) return new Response(null, { status, headers: all });
    all.set('Content-Type', 'application/json');
    return new Response(JSON.stringify(body), { status, headers: all });
  };
  const failures = { login: createFailures(json), refresh: createFailures(json), logout: createFailures(json) };
  const cookie = (request: Request, token: string | null) => {
    jar.store(request, token);
    return { 'Set-Cookie': jar.setCookie(token) };
  };

  const claimsOf = (sub: string) => users.find((user) => (user.sub ?? user.username) === sub)?.claims ?? {};

  const grant = async (sub: string, refreshToken: string, withRefreshToken: boolean): Promise<TokenResponse> => {
    const body: TokenResponse = { access_token: await tokens.issue(sub, claimsOf(sub)), token_type: 'Bearer' };
    if (options.expiresIn !== false) body.expires_in = lifetime;
    if (withRefreshToken) body.refresh_token = refreshToken;
    return body;
  };

  const sendTokens = async (request: Request, sub: string, refreshToken: string) =>
    mode === 'cookie'
      ? json(200, await grant(sub, refreshToken, false), cookie(request, refreshToken))
      : json(200, await grant(sub, refreshToken, mode === 'body'));

  /** The refresh token the request carries; undefined when it carries none at all, null when it is no string. */
  const presentedRefreshToken = async (request: Request): Promise<string | null | undefined> => {
    if (mode === 'none') return undefined;
    if (mode === 'cookie') return jar.read(request) ?? undefined;
    const body = await readJson(request);
    if (body?.refresh_token === undefined) return undefined;
    return typeof body.refresh_token === 'string' ? body.refresh_token : null;
  };

  const login = async (request: Request) => {
    const body = await readJson(request);
    if (!body) return json(400, { error: 'invalid_request' });
    const user = users.find((u) => u.username === body.username && u.password === body.password);
    if (!user) return json(401, { error: 'invalid_credentials' });
    const sub = user.sub ?? user.username;
    return sendTokens(request, sub, sessions.start(sub));
  };

  const refresh = async (request: Request) => {
    const token = await presentedRefreshToken(request);
    // No refresh token at all (a first visit): "there is no session", not a failure (API.md Wire format).
    if (token === undefined) return json(204, null);
    const session = token === null ? null : sessions.rotate(token);
    if (!session) return json(401, { error: 'invalid_grant' }, mode === 'cookie' ? cookie(request, null) : undefined);
    return sendTokens(request, session.sub, session.current);
  };

  const logout = async (request: Request) => {
    const token = await presentedRefreshToken(request);
    if (typeof token === 'string') sessions.end(token);
    return json(204, null, mode === 'cookie' ? cookie(request, null) : undefined);
  };

  // The order a real deployment has: infrastructure failures first, then the CSRF and content-type checks.
  const endpoint = (
    name: 'login' | 'refresh' | 'logout',
    target: URL,
    handle: (request: Request) => Promise<Response>,
  ): HttpHandler =>
    http.post(target.href, ({ request }) => {
      stats[COUNTER[name]]++;
      const failure = failures[name].take(request);
      if (failure) return failure;
      if (request.headers.get('x-requested-with') !== 'keycard') return json(403, { error: 'csrf_header_missing' });
      if (!request.headers.get('content-type')?.startsWith('application/json'))
        return json(415, { error: 'json_required' });
      return handle(request);
    });

  const api = http.all(`${apiBaseUrl}/api/*`, async ({ request }) => {
    stats.apiCalls++;
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const sub = token ? await tokens.verify(token) : null;
    if (sub === null) {
      stats.api401s++;
      // RFC 6750 §3.1: no error code when the request carried no token at all.
      const challenge = token ? 'Bearer error="invalid_token"' : 'Bearer realm="api"';
      return json(401, { error: token ? 'invalid_token' : 'unauthorized' }, { 'WWW-Authenticate': challenge });
    }
    const { pathname, search } = new URL(request.url);
    return json(200, { ok: true, sub, method: request.method, path: pathname + search, body: await request.text() });
  });

  const handlers = [
    endpoint('login', loginUrl, login),
    endpoint('refresh', refreshUrl, refresh),
    endpoint('logout', logoutUrl, logout),
    http.get(new URL('/.well-known/jwks.json', baseUrl).href, async () => json(200, await tokens.jwks())),
    api,
  ];

  return {
    handlers,
    stats,
    failNextRefresh: (kind, count = 1, opts = {}) => failures.refresh.add(kind, count, opts),
    failNextLogin: (kind, count = 1, opts = {}) => failures.login.add(kind, count, opts),
    failNextLogout: (kind, count = 1, opts = {}) => failures.logout.add(kind, count, opts),
    revokeAccessTokens: (sub) => tokens.revoke(sub),
    expireRefreshTokens: () => sessions.revokeAll(),
    revokeSession(sub) {
      sessions.revokeAll(sub);
      tokens.revoke(sub);
    },
    async issueTokens(sub = users[0]?.sub ?? users[0]?.username ?? 'alice') {
      const refreshToken = sessions.start(sub);
      if (mode === 'cookie') jar.put(refreshToken);
      return grant(sub, refreshToken, mode !== 'none');
    },
    jwks: () => tokens.jwks(),
    reset() {
      sessions.clear();
      tokens.clear();
      jar.put(null);
      for (const queue of Object.values(failures)) queue.clear();
      for (const key of Object.keys(stats) as Array<keyof MockAuthStats>) stats[key] = 0;
    },
  };
}

/** The JSON object in the request body, or null when it is not one. */
async function readJson(request: Request): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await request.json();
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The deepest folder holding both paths: the cookie's `Path`, so it reaches refresh and logout. `/auth` by default. */
function commonPath(a: string, b: string): string {
  const x = a.split('/');
  const y = b.split('/');
  let i = 0;
  while (i < x.length - 1 && x[i] === y[i]) i++;
  return x.slice(0, i).join('/') || '/';
}
