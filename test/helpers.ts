// Shared by the core tests: hand-made tokens (so each test controls iat/exp
// exactly) and an msw server with a tiny programmable auth backend.
import { http, HttpResponse, type HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createAuthClient, type AuthClient, type AuthClientOptions } from 'keycard';

export const BASE = 'https://auth.test';
export const API = `${BASE}/api`;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT-shaped token; keycard only decodes, so no key is needed. */
export const jwt = (claims: Record<string, unknown>) =>
  `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;

let serial = 0;
/** A token response whose JWT says `lifetime` seconds on a server clock `skew` seconds off ours. */
export function tokenResponse({
  lifetime = 300,
  skew = 0,
  sub = 'alice',
  refresh = true,
  extra = {} as Record<string, unknown>,
} = {}) {
  const iat = Math.floor(Date.now() / 1000) + skew;
  serial++;
  return {
    access_token: jwt({ sub, iat, exp: iat + lifetime, jti: `t${serial}`, ...extra }),
    token_type: 'Bearer',
    expires_in: lifetime,
    ...(refresh ? { refresh_token: `rt-${serial}` } : {}),
  };
}

export const server = setupServer();

/** Start msw for this file; unknown requests fail loudly. */
export function useMsw() {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
}

export interface Backend {
  refreshes: number;
  logins: number;
  logouts: number;
  api: Array<{ auth: string | null; method: string; body: string }>;
  /** The access token the API currently accepts; anything else is 401. */
  valid: Set<string>;
  /** Next refresh answers: a function returning a Response (or never resolving). */
  refreshReply: (() => Response | Promise<Response>) | null;
  lastRefreshBody: unknown;
}

/**
 * A programmable backend on msw: login (alice/wonderland), refresh, logout,
 * and `/api/*` accepting only tokens in `valid`. Tests change `refreshReply`
 * to inject failures and `tokenOptions` to shape tokens.
 */
export function mockBackend(
  tokenOptions: Parameters<typeof tokenResponse>[0] = {},
  extra: HttpHandler[] = [],
): Backend & { tokenOptions: typeof tokenOptions } {
  const state = {
    refreshes: 0,
    logins: 0,
    logouts: 0,
    api: [],
    valid: new Set<string>(),
    refreshReply: null,
    lastRefreshBody: undefined,
    tokenOptions,
  } as Backend & { tokenOptions: typeof tokenOptions };
  const issue = () => {
    const body = tokenResponse(state.tokenOptions);
    state.valid.add(body.access_token);
    return HttpResponse.json(body);
  };
  server.use(
    ...extra,
    http.post(`${BASE}/auth/login`, async ({ request }) => {
      state.logins++;
      const creds = (await request.json()) as Record<string, unknown>;
      if (creds.username !== 'alice' || creds.password !== 'wonderland')
        return HttpResponse.json({ error: 'invalid_credentials' }, { status: 401 });
      return issue();
    }),
    http.post(`${BASE}/auth/refresh`, async ({ request }) => {
      state.refreshes++;
      state.lastRefreshBody = await request.json().catch(() => undefined);
      const reply = state.refreshReply;
      if (reply) return reply();
      return issue();
    }),
    http.post(`${BASE}/auth/logout`, () => {
      state.logouts++;
      return new HttpResponse(null, { status: 204 });
    }),
    http.all(`${API}/*`, async ({ request }) => {
      const auth = request.headers.get('authorization');
      state.api.push({ auth, method: request.method, body: await request.text() });
      const token = auth?.replace(/^Bearer /, '');
      if (!token || !state.valid.has(token))
        return HttpResponse.json(
          { error: 'invalid_token' },
          { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
        );
      return HttpResponse.json({ ok: true });
    }),
  );
  return state;
}

// Captured at import, before a test installs fake timers (vitest fakes setImmediate too).
const realImmediate = globalThis.setImmediate;
/** Lets BroadcastChannel messages (real I/O, not timers) and promise chains through while fake timers are installed. */
export const settle = async () => {
  for (let i = 0; i < 30; i++) await new Promise((r) => realImmediate(r));
};

/** Lets pending promise chains (msw, the client's awaits) run without moving fake time. */
export const flush = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
};

export const alice = { username: 'alice', password: 'wonderland' };

/** A client factory for this file: channel off by default, every client disposed after each test. */
export function useClients() {
  const clients: AuthClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.dispose();
  });
  return (options: Partial<AuthClientOptions> = {}) => {
    const auth = createAuthClient({ baseUrl: BASE, channel: false, ...options });
    clients.push(auth);
    return auth;
  };
}
