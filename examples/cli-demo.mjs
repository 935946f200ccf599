// The two things keycard does that an app should never see, shown live in a
// terminal: a proactive refresh before expiry, and a 401 replayed through one
// shared refresh. Runs the built package (`npm run build`) against the
// reference server in-process.
import { createAuthClient } from '../dist/index.mjs';
import { createServer } from './server/index.mjs';

const t0 = Date.now();
const log = (message) => console.log(`[+${((Date.now() - t0) / 1000).toFixed(2).padStart(6)} s] ${message}`);

const server = await createServer({ port: 0, tokenLifetime: 6 });
log(`reference server on ${server.url} (access tokens live 6 s)`);

// Node has no cookie jar, so the refresh token travels in the body here; browsers use the HttpOnly cookie.
const auth = createAuthClient({ baseUrl: server.url, refreshToken: 'memory', refreshLeadTime: 2 });
auth.onEvent((event) => {
  if (event.type === 'refresh')
    log(`refresh (${event.trigger}): new token, expires in ${((event.expiresAt - Date.now()) / 1000).toFixed(1)} s`);
  else if (event.type === 'replay')
    log(`replay: ${event.method} ${new URL(event.url).pathname} re-sent with the fresh token`);
  else log(`${event.type}${event.reason ? ` (${event.reason})` : ''}`);
});

await auth.login({ username: 'alice', password: 'wonderland', refresh_token_in_body: true });
log(`signed in as ${auth.getState().user.sub}; roles ${JSON.stringify(auth.getState().user.roles)}`);
log(`GET /api/me → ${(await auth.fetch(`${server.url}/api/me`)).status}`);

log('waiting for the proactive refresh (2 s before expiry)…');
await new Promise((resolve) => {
  const off = auth.onEvent((e) => e.type === 'refresh' && (off(), resolve()));
});
log(`GET /api/me → ${(await auth.fetch(`${server.url}/api/me`)).status} (no 401 reached the app)`);

server.revokeAccessTokens();
log('server revoked every access token; firing 5 requests at once…');
const statuses = await Promise.all(
  Array.from({ length: 5 }, () => auth.fetch(`${server.url}/api/items`).then((r) => r.status)),
);
const stats = server.stats();
log(`→ ${statuses.join(', ')}; refreshes seen by the server so far: ${stats.refreshes}`);

await auth.logout();
log(`signed out: ${auth.getState().status}`);
auth.dispose();
await server.close();
