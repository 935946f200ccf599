// A minimal stand-in for examples/server, used only when the reference server
// can't be loaded (or with --server=minimal): login, rotating refresh
// (body mode), a bearer-guarded /api/*, revocable access tokens, and the same
// /admin routes and stats the bench reads from the reference server.
import { createServer as createHttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { tokenResponse } from './tokens.mjs';

export async function createMinimalServer({ tokenLifetime = 300, host = '127.0.0.1' } = {}) {
  const live = new Set(); // access tokens the API accepts
  let refreshToken = null;
  const zero = () => ({ logins: 0, refreshes: 0, refreshFailures: 0, apiCalls: 0, api401s: 0 });
  let stats = zero();

  const issue = () => {
    refreshToken = randomBytes(16).toString('base64url');
    const body = tokenResponse(Math.floor(Date.now() / 1000), tokenLifetime, refreshToken);
    live.add(body.access_token);
    return body;
  };
  const readBody = async (req) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    try {
      return JSON.parse(text || '{}');
    } catch {
      return {};
    }
  };
  const send = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const server = createHttpServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    if (route === 'POST /auth/login') {
      await readBody(req);
      stats.logins++;
      return send(res, 200, issue());
    }
    if (route === 'POST /auth/refresh') {
      const body = await readBody(req);
      if (!refreshToken || body.refresh_token !== refreshToken) {
        stats.refreshFailures++;
        return send(res, 400, { error: 'invalid_grant' });
      }
      stats.refreshes++;
      return send(res, 200, issue());
    }
    if (req.method === 'GET' && path.startsWith('/api/')) {
      stats.apiCalls++;
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!live.has(token)) {
        stats.api401s++;
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
        return send(res, 401, { error: 'invalid_token' });
      }
      return send(res, 200, { items: [1, 2, 3] });
    }
    if (route === 'POST /admin/revoke-access-tokens') {
      const revoked = live.size;
      live.clear();
      return send(res, 200, { revoked });
    }
    if (route === 'GET /admin/stats') return send(res, 200, stats);
    if (route === 'POST /admin/reset-stats') {
      stats = zero();
      return send(res, 204);
    }
    return send(res, 404, { error: 'not_found' });
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
