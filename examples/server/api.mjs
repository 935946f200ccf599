// The stateless API under /api: every request is judged by its bearer token
// alone (signature against the JWKS, exp, the demo revocation list), never by
// the session store — as a separate resource server would.

import { HttpError, sendJson } from './http.mjs';

/** @typedef {import('./auth.mjs').RouteContext} RouteContext */
/** @typedef {import('jose').JWTPayload} Claims */

const ITEMS = [
  { id: 1, name: 'Pocket watch', owner: 'White Rabbit' },
  { id: 2, name: 'Looking-glass', owner: 'Alice' },
  { id: 3, name: 'Teapot', owner: 'Mad Hatter' },
];

const REALM = 'keycard-example';

/**
 * @param {{
 *   tokens: Awaited<ReturnType<typeof import('./tokens.mjs').createTokenIssuer>>,
 *   stats: ReturnType<typeof import('./stats.mjs').createStats>,
 * }} deps
 * @returns {Record<string, (ctx: RouteContext) => Promise<void>>}
 */
export function apiRoutes({ tokens, stats }) {
  /**
   * The verified claims, or a 401 per RFC 6750 §3: no error code when no token
   * was sent at all, `invalid_token` when one was sent but won't do.
   *
   * @param {RouteContext} ctx
   * @returns {Promise<Claims>}
   */
  async function authenticate({ req }) {
    const what = `${req.method} ${req.url}`;
    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      stats.record('api_401', `${what}: no token`);
      throw new HttpError(401, { error: 'unauthorized' }, { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
    }
    try {
      const claims = await tokens.verify(match[1]);
      stats.record('api', `${what} by ${claims.sub}`);
      return claims;
    } catch (error) {
      const code = /** @type {{ code?: string, reason?: string }} */ (error);
      const why = code.code === 'ERR_JWT_EXPIRED' ? 'expired' : code.reason === 'revoked' ? 'revoked' : 'invalid';
      stats.record('api_401', `${what}: token ${why}`);
      throw new HttpError(
        401,
        { error: 'invalid_token', error_description: `token ${why}` },
        { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="token ${why}"` },
      );
    }
  }

  return {
    async 'GET /api/me'(ctx) {
      sendJson(ctx.res, 200, await authenticate(ctx));
    },
    async 'GET /api/items'(ctx) {
      await authenticate(ctx);
      sendJson(ctx.res, 200, { items: ITEMS });
    },
    async 'POST /api/echo'(ctx) {
      const { sub } = await authenticate(ctx);
      sendJson(ctx.res, 200, { sub, body: ctx.body });
    },
  };
}
