// The stateful auth API: POST /auth/login, /auth/refresh, /auth/logout, in
// keycard's wire format (API.md "Wire format").
//
// Where the refresh token travels ("transport") is decided per request:
//   refreshTokenMode 'cookie' → always the keycard_rt HttpOnly cookie
//   refreshTokenMode 'body'   → always the JSON body (`refresh_token`)
//   refreshTokenMode 'both'   → login: body if the login JSON has
//                               `"refresh_token_in_body": true`, else cookie;
//                               refresh/logout: body if it has `refresh_token`,
//                               else cookie. A rotated token goes back the way
//                               the old one came.

import { HttpError, isLocalHttp, readCookie, sendJson } from './http.mjs';

export const REFRESH_COOKIE = 'keycard_rt';

/** @typedef {import('./index.mjs').FaultKind} FaultKind */
/** @typedef {'cookie' | 'body'} Transport */
/**
 * @typedef {object} AuthDeps
 * @property {'cookie' | 'body' | 'both'} refreshTokenMode
 * @property {number} refreshTokenLifetime seconds
 * @property {() => number} tokenLifetime seconds, read per token so it can change at runtime
 * @property {() => FaultKind | null} takeFault the next injected refresh fault, if any
 * @property {Awaited<ReturnType<typeof import('./users.mjs').createUserTable>>} users
 * @property {Awaited<ReturnType<typeof import('./tokens.mjs').createTokenIssuer>>} tokens
 * @property {ReturnType<typeof import('./sessions.mjs').createSessionStore>} sessions
 * @property {ReturnType<typeof import('./stats.mjs').createStats>} stats
 */
/** @typedef {{ req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: Record<string, unknown> }} RouteContext */

/**
 * @param {AuthDeps} deps
 * @returns {Record<string, (ctx: RouteContext) => Promise<void> | void>}
 */
export function authRoutes({
  refreshTokenMode,
  refreshTokenLifetime,
  tokenLifetime,
  takeFault,
  users,
  tokens,
  sessions,
  stats,
}) {
  /**
   * @param {Record<string, unknown>} body
   * @param {'login' | 'refresh' | 'logout'} call
   * @returns {Transport}
   */
  function transportOf(body, call) {
    if (refreshTokenMode !== 'both') return refreshTokenMode;
    const wantsBody = call === 'login' ? body.refresh_token_in_body === true : typeof body.refresh_token === 'string';
    return wantsBody ? 'body' : 'cookie';
  }

  /**
   * A cookie rides along on any request to this site, so a cookie-mode call must
   * prove it came from script: a custom header can't be sent cross-site without
   * a CORS preflight, which a plain HTML form post can't pass.
   *
   * @param {import('node:http').IncomingMessage} req
   * @param {Transport} transport
   */
  function fromScript(req, transport) {
    return transport === 'body' || req.headers['x-requested-with'] === 'keycard';
  }
  const forbidden = () =>
    new HttpError(403, {
      error: 'forbidden',
      error_description: 'cookie-mode auth requests need X-Requested-With: keycard',
    });

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {string} value
   * @param {number} maxAge seconds; 0 deletes
   */
  function refreshCookie(req, value, maxAge) {
    const secure = isLocalHttp(req) ? [] : ['Secure'];
    // Path=/auth: the browser sends it to the auth endpoints only, never to /api.
    return [
      `${REFRESH_COOKIE}=${value}`,
      'HttpOnly',
      ...secure,
      'SameSite=Strict',
      'Path=/auth',
      `Max-Age=${maxAge}`,
    ].join('; ');
  }

  /**
   * @param {RouteContext} ctx
   * @param {import('./users.mjs').User} user
   * @param {string} refreshToken
   * @param {Transport} transport
   */
  async function sendTokens({ req, res }, user, refreshToken, transport) {
    const { token, lifetime } = await tokens.sign(user, tokenLifetime());
    /** @type {Record<string, unknown>} */
    const body = { access_token: token, token_type: 'Bearer', expires_in: lifetime };
    if (transport === 'body') body.refresh_token = refreshToken;
    const headers =
      transport === 'cookie' ? { 'Set-Cookie': refreshCookie(req, refreshToken, refreshTokenLifetime) } : undefined;
    sendJson(res, 200, body, headers);
  }

  /**
   * RFC 6749 §5.2: invalid_grant is a 400. A dead cookie is cleared too.
   * @param {RouteContext} ctx
   * @param {Transport} transport
   * @param {string} reason
   */
  function invalidGrant({ req, res }, transport, reason) {
    const description = `refresh token ${reason}`;
    stats.record('refresh_failure', description);
    const headers = transport === 'cookie' ? { 'Set-Cookie': refreshCookie(req, '', 0) } : undefined;
    sendJson(res, 400, { error: 'invalid_grant', error_description: description }, headers);
  }

  /**
   * Answers a refresh the way a broken server or proxy would. Faults come
   * before any token handling, so the client's refresh token stays valid for
   * its retry.
   *
   * @param {RouteContext} ctx
   * @param {FaultKind} kind
   */
  function sendFault(ctx, kind) {
    stats.record('refresh_failure', `fault: ${kind}`);
    const { res } = ctx;
    switch (kind) {
      case '500':
        return sendJson(res, 500, { error: 'server_error' });
      case '503':
        return sendJson(res, 503, { error: 'temporarily_unavailable' }, { 'Retry-After': '1' });
      case 'html': // a 2xx that isn't a token response: a captive portal, a misrouted SPA fallback
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        return void res.end('<!doctype html><title>Sign in to Wi-Fi</title><p>Please accept the terms.</p>');
      case 'hang': // never answer; the client's timeout has to end it (close() drops the socket)
        return;
      case 'invalid_grant':
        return sendJson(res, 400, {
          error: 'invalid_grant',
          error_description: 'refresh token rejected (injected fault)',
        });
    }
  }

  return {
    async 'POST /auth/login'(ctx) {
      const transport = transportOf(ctx.body, 'login');
      if (!fromScript(ctx.req, transport)) throw forbidden();
      const user = await users.verify(ctx.body.username, ctx.body.password);
      if (!user) {
        stats.record('login_failure', typeof ctx.body.username === 'string' ? ctx.body.username : '?');
        return sendJson(ctx.res, 401, {
          error: 'invalid_credentials',
          error_description: 'wrong username or password',
        });
      }
      stats.record('login', user.sub);
      await sendTokens(ctx, user, sessions.start(user.sub), transport);
    },

    async 'POST /auth/refresh'(ctx) {
      const fault = takeFault();
      if (fault) return sendFault(ctx, fault);
      const transport = transportOf(ctx.body, 'refresh');
      if (!fromScript(ctx.req, transport)) {
        stats.record('refresh_failure', 'missing X-Requested-With');
        throw forbidden();
      }
      const presented = transport === 'body' ? ctx.body.refresh_token : readCookie(ctx.req, REFRESH_COOKIE);
      // No refresh token at all (a first visit) is no failure: 204 says "there is no session" (API.md Wire format).
      if (presented === undefined) return sendJson(ctx.res, 204);
      if (typeof presented !== 'string' || presented === '') return invalidGrant(ctx, transport, 'missing');
      const result = sessions.rotate(presented);
      if ('reason' in result) return invalidGrant(ctx, transport, result.reason);
      const user = users.get(result.sub);
      if (!user) return invalidGrant(ctx, transport, 'owner unknown');
      stats.record('refresh', user.sub);
      await sendTokens(ctx, user, result.token, transport);
    },

    'POST /auth/logout'(ctx) {
      const transport = transportOf(ctx.body, 'logout');
      if (!fromScript(ctx.req, transport)) throw forbidden();
      const presented = transport === 'body' ? ctx.body.refresh_token : readCookie(ctx.req, REFRESH_COOKIE);
      // Logout always succeeds (API.md: failures are ignored anyway); a known token's family dies.
      if (typeof presented === 'string') sessions.revoke(presented);
      stats.record('logout', transport);
      const headers = transport === 'cookie' ? { 'Set-Cookie': refreshCookie(ctx.req, '', 0) } : undefined;
      sendJson(ctx.res, 204, undefined, headers);
    },
  };
}
