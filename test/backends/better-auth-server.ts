// Better Auth (better-auth on npm) as its docs set it up for services that need JWTs: email and password sign-in, the
// `jwt()` plugin (`GET /api/auth/token` answers `{ token }` for the request's session, `GET /api/auth/jwks` the keys
// to verify it) and, for native clients, the `bearer()` plugin (the session token in `Authorization` instead of the
// cookie). The real library in the test process, on 127.0.0.1 and a free port, with its memory adapter for a
// database. The API (`/api/me`) verifies the JWT against the JWKS with jose, as the plugin's docs show.
//
// Under vitest Better Auth turns its Origin check off by default (it reads NODE_ENV=test); it is turned back on
// here, so the tests meet what production meets: a sign-in must come from a trusted Origin.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { toNodeHandler } from 'better-auth/node';
import { bearer, jwt } from 'better-auth/plugins';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface BetterAuthApp {
  url: string;
  /** Requests to `/api/auth/token` so far. */
  tokens(): number;
  /** Ends every session on the server, as an admin's "sign out everywhere" does. */
  revokeAll(): void;
  stop(): Promise<void>;
}

export const ALICE = { email: 'alice@example.com', password: 'wonderland', name: 'Alice' };

/**
 * The server, its JWTs lasting `expiresIn` seconds (the plugin's default is 15 minutes); `staticDir`'s files are
 * served at `/` (a browser test's page), and `trustedOrigins` are added to the server's own.
 */
export async function startBetterAuth(
  expiresIn: number,
  { staticDir, trustedOrigins = [] }: { staticDir?: string; trustedOrigins?: string[] } = {},
): Promise<BetterAuthApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const db: Record<string, Record<string, unknown>[]> = {
    user: [],
    session: [],
    account: [],
    verification: [],
    jwks: [],
  };
  const auth = betterAuth({
    baseURL: url,
    secret: crypto.randomUUID() + crypto.randomUUID(),
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true },
    plugins: [jwt({ jwt: { expirationTime: `${expiresIn}s` } }), bearer()],
    trustedOrigins,
    advanced: { disableOriginCheck: false },
    logger: { disabled: true },
    telemetry: { enabled: false },
  });
  await auth.api.signUpEmail({ body: ALICE });
  const handle = toNodeHandler(auth);
  const jwks = createRemoteJWKSet(new URL('/api/auth/jwks', url));
  let tokens = 0;

  server.on('request', async (req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path.startsWith('/api/auth/')) {
      if (path === '/api/auth/token') tokens++;
      return handle(req, res);
    }
    if (path === '/api/me') {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const claims = token && (await jwtVerify(token, jwks, { issuer: url, audience: url }).catch(() => null));
      res.writeHead(claims ? 200 : 401, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(claims ? { email: claims.payload.email } : { error: 'unauthorized' }));
    }
    if (!staticDir) return res.writeHead(404).end();
    const file = path === '/' ? 'index.html' : path.slice(1);
    try {
      const body = readFileSync(join(staticDir, file));
      res.writeHead(200, { 'Content-Type': file.endsWith('.html') ? 'text/html' : 'text/javascript' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });

  return {
    url,
    tokens: () => tokens,
    revokeAll: () => {
      db.session!.length = 0;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
