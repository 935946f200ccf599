// keycard's reference server: wires users, tokens, sessions and stats into one
// node:http server, plus the dev-only /admin controls the demo and the e2e
// tests drive. Types live in index.d.mts (so TypeScript needs no build step).

import { createServer as createHttpServer } from 'node:http';
import { apiRoutes } from './api.mjs';
import { REFRESH_COOKIE, authRoutes } from './auth.mjs';
import { HttpError, readJson, sendJson, serveStatic } from './http.mjs';
import { createSessionStore } from './sessions.mjs';
import { createStats } from './stats.mjs';
import { createTokenIssuer } from './tokens.mjs';
import { DEFAULT_USERS, createUserTable } from './users.mjs';

export { DEFAULT_USERS, REFRESH_COOKIE };

/** @typedef {import('./index.mjs').ServerOptions} ServerOptions */
/** @typedef {import('./index.mjs').KeycardServer} KeycardServer */
/** @typedef {import('./index.mjs').FaultKind} FaultKind */
/** @typedef {import('./auth.mjs').RouteContext} RouteContext */

const FAULT_KINDS = ['500', '503', 'hang', 'html', 'invalid_grant'];
const MODES = ['cookie', 'body', 'both'];
// Paths the server owns; the SPA fallback must never answer these with index.html.
const SERVER_PATHS = /^\/(auth|api|admin|\.well-known)(\/|$)/;

/**
 * Starts the server and resolves once it listens.
 *
 * @param {ServerOptions} [options]
 * @returns {Promise<KeycardServer>}
 * @example
 * const server = await createServer({ tokenLifetime: 20 });
 * await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'X-Requested-With': 'keycard' },
 *   body: JSON.stringify({ username: 'alice', password: 'wonderland' }) });
 * await server.close();
 */
export async function createServer(options = {}) {
  const {
    port = 0,
    host = '127.0.0.1',
    refreshTokenMode = 'both',
    refreshTokenLifetime = 7 * 24 * 3600,
    refreshTokenReuseGrace = 10,
    allowOrigins = [],
    staticDir,
    admin = true,
    bodyLimit = 16 * 1024,
  } = options;
  if (!MODES.includes(refreshTokenMode)) throw new TypeError(`refreshTokenMode must be one of ${MODES.join(', ')}`);

  const config = { tokenLifetime: 300, clockOffset: 0 };
  /** @type {{ refresh: FaultKind | null, remaining: number }} */
  const faults = { refresh: null, remaining: 0 };
  /** The server's clock: real time plus the configured offset, for iat/exp, Date and verification. */
  const now = () => Date.now() + config.clockOffset * 1000;

  const users = await createUserTable(options.users ?? DEFAULT_USERS);
  const tokens = await createTokenIssuer({ now });
  if (!Number.isFinite(refreshTokenReuseGrace) || refreshTokenReuseGrace < 0)
    throw new TypeError('refreshTokenReuseGrace must be a number of seconds ≥ 0');
  const sessions = createSessionStore({ now, lifetime: refreshTokenLifetime, reuseGrace: refreshTokenReuseGrace });
  const stats = createStats(now);

  const controls = {
    /** @param {{ tokenLifetime?: unknown, clockOffset?: unknown }} [patch] */
    configure(patch = {}) {
      const { tokenLifetime = config.tokenLifetime, clockOffset = config.clockOffset } = patch;
      if (!Number.isInteger(tokenLifetime) || Number(tokenLifetime) < 1)
        throw new TypeError('tokenLifetime must be a whole number of seconds ≥ 1');
      if (!Number.isFinite(clockOffset)) throw new TypeError('clockOffset must be a number of seconds');
      Object.assign(config, { tokenLifetime, clockOffset });
      return { ...config };
    },
    /** @param {{ refresh?: unknown, count?: unknown }} [fault] */
    setFaults({ refresh = null, count = 1 } = {}) {
      if (refresh !== null && !FAULT_KINDS.includes(/** @type {string} */ (refresh))) {
        throw new TypeError(`refresh fault must be one of ${FAULT_KINDS.join(', ')} or null`);
      }
      if (!Number.isInteger(count) || Number(count) < 1) throw new TypeError('count must be a whole number ≥ 1');
      Object.assign(faults, refresh === null ? { refresh: null, remaining: 0 } : { refresh, remaining: count });
      return { ...faults };
    },
    revokeAccessTokens: () => tokens.revokeAll(),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
  };
  controls.configure(options); // validates the initial lifetime and offset like any later change

  /**
   * Dev-only: no authentication at all. Each calls the same control a test would;
   * a bad value is the caller's 400.
   * @type {Record<string, (ctx: RouteContext) => void>}
   */
  const adminRoutes = {
    'POST /admin/revoke-access-tokens': ({ res }) => sendJson(res, 200, { revoked: controls.revokeAccessTokens() }),
    'GET /admin/stats': ({ res }) => sendJson(res, 200, controls.stats()),
    'POST /admin/reset-stats': ({ res }) => {
      controls.resetStats();
      sendJson(res, 204);
    },
    'GET /admin/faults': ({ res }) => sendJson(res, 200, { ...faults }),
    'POST /admin/faults': ({ res, body }) =>
      sendJson(
        res,
        200,
        badRequestOnTypeError(() => controls.setFaults(body)),
      ),
    'GET /admin/config': ({ res }) => sendJson(res, 200, { ...config }),
    'POST /admin/config': ({ res, body }) =>
      sendJson(
        res,
        200,
        badRequestOnTypeError(() => controls.configure(body)),
      ),
  };

  /** @type {Map<string, (ctx: RouteContext) => unknown>} */
  const routes = new Map(
    Object.entries({
      ...authRoutes({
        refreshTokenMode,
        refreshTokenLifetime,
        tokenLifetime: () => config.tokenLifetime,
        takeFault() {
          const kind = faults.refresh;
          if (kind && --faults.remaining === 0) faults.refresh = null;
          return kind;
        },
        users,
        tokens,
        sessions,
        stats,
      }),
      ...apiRoutes({ tokens, stats }),
      ...(admin ? adminRoutes : {}),
      /** @param {RouteContext} ctx */
      'GET /.well-known/jwks.json': ({ res }) => sendJson(res, 200, tokens.jwks),
    }),
  );

  /**
   * CORS for the listed origins only; same-origin requests need none. Credentials
   * are allowed so the refresh cookie rides along (SameSite=Strict still keeps it
   * to same-site origins, e.g. localhost:5173 → localhost:3000).
   *
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  function applyCors(req, res) {
    if (allowOrigins.length === 0) return;
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (!origin || !allowOrigins.includes(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    // keycard reads Date to correct exp for skew; Retry-After for its backoff.
    res.setHeader('Access-Control-Expose-Headers', 'Date, Retry-After, WWW-Authenticate');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Requested-With');
      res.setHeader('Access-Control-Max-Age', '600');
    }
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    // Set explicitly: Node's own Date header would ignore the clock offset.
    res.setHeader('Date', new Date(now()).toUTCString());
    applyCors(req, res);
    if (req.method === 'OPTIONS') return sendJson(res, 204);
    const { pathname } = new URL(req.url ?? '/', 'http://server');
    const route = routes.get(`${req.method} ${pathname}`);
    if (route) {
      const body = req.method === 'POST' ? await readJson(req, bodyLimit) : {};
      await route({ req, res, body });
      return;
    }
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (staticDir && isRead && !SERVER_PATHS.test(pathname) && (await serveStatic(req, res, staticDir, pathname)))
      return;
    // Browsers ask for /favicon.ico on their own; a 404 would be a red line in the demo's console.
    if (staticDir && isRead && pathname === '/favicon.ico') return void res.writeHead(204).end();
    throw new HttpError(404, { error: 'not_found' });
  }

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof HttpError) return sendJson(res, error.status, error.body, error.headers);
      console.error(error);
      sendJson(res, 500, { error: 'server_error' });
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    ...controls,
    close() {
      const closed = new Promise((resolve) => server.close(() => resolve(undefined)));
      // Includes requests held open by the 'hang' fault, which would otherwise block close().
      server.closeAllConnections();
      return closed.then(() => undefined);
    },
  };
}

/**
 * @template T
 * @param {() => T} fn
 */
function badRequestOnTypeError(fn) {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TypeError)
      throw new HttpError(400, { error: 'invalid_request', error_description: error.message });
    throw error;
  }
}
