// The consumer builds, run in Debian's Chromium:
// - checkBuildInBrowser: vite-react/src/main.jsx as Vite builds it (vite-react/dist) and as webpack does
//   (webpack/dist). The packed tarball's web build renders through keycard/react, and keycard/oauth completes a login
//   by redirect in the same bundle, its PKCE through the page's WebCrypto and the ID token verified by the jose the
//   bundler split off. A small server here serves the build and plays the provider: it checks the code verifier
//   against the challenge and signs the ID token.
// - checkNextInBrowser: the Next consumer under `next start`.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { CHROMIUM_ARGS } from '../../bench/lib/chromium.mjs';

const CHROMIUM = '/usr/bin/chromium';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

/**
 * Runs `visit(page, errors)` in a new Chromium page, `errors` collecting the page's uncaught errors; the browser is
 * closed after. Without Debian's Chromium: skipped with one line saying so, or, in CI, an error. `what` names the
 * check in that line.
 */
async function inChromium(what, visit) {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing`);
    return console.warn(`[keycard consumers] ${CHROMIUM} is missing: SKIPPING ${what} in Chromium`);
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await visit(page, errors);
  } finally {
    await browser.close();
  }
}

/** Runs the build in `dist` (made by `bundler`, for messages) in Chromium; throws with what went wrong. */
export async function checkBuildInBrowser(dist, bundler) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let origin = '';
  /** What the page's authorization request carried (read from where it navigated). */
  let asked = null;
  const exchanges = [];

  const server = createServer(async (req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method === 'POST' && pathname === '/auth/refresh') return res.writeHead(204).end(); // no session yet
    if (pathname === '/jwks')
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    if (req.method === 'POST' && pathname === '/token') {
      const form = new URLSearchParams(body);
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      exchanges.push({ code: form.get('code'), pkce: challenge === asked?.code_challenge });
      if (challenge !== asked?.code_challenge) return res.writeHead(400).end('{"error":"invalid_grant"}');
      const idToken = await new SignJWT({ nonce: asked.nonce, name: 'Alice' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(origin)
        .setAudience('app')
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      return res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          access_token: 'opaque-at',
          token_type: 'Bearer',
          expires_in: 300,
          refresh_token: 'rt',
          id_token: idToken,
        }),
      );
    }
    // The build: its assets, and index.html for every other path (the SPA's routes, /callback included).
    const file = pathname.startsWith('/assets/') ? join(dist, pathname) : join(dist, 'index.html');
    try {
      const content = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(content);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;

  try {
    await inChromium(`the ${bundler} build`, async (page, errors) => {
      await page.goto(`${origin}/`);
      // keycard/react rendered the restore's outcome: the refresh endpoint said "no session".
      await page.waitForSelector('[data-status="unauthenticated"]', { timeout: 10_000 });

      await page.evaluate(() => window.oauth.loginWithRedirect({ appState: { to: '/orders' } }));
      const authorize = new URL(await page.evaluate(() => window.navigatedTo));
      asked = Object.fromEntries(authorize.searchParams);
      if (asked.code_challenge_method !== 'S256' || !/^[\w-]{43}$/.test(asked.code_challenge ?? ''))
        throw new Error(`${bundler} build in Chromium: no S256 challenge in ${authorize.pathname}`);

      // The provider's redirect back: a new page load, which finds the pending login in sessionStorage.
      await page.goto(`${origin}/callback?code=the-code&state=${encodeURIComponent(asked.state)}`);
      const result = await page.evaluate(() =>
        window.oauth
          .handleRedirectCallback()
          .then((r) => ({ appState: r.appState, user: r.authState.user, href: location.href })),
      );
      const want = JSON.stringify({
        appState: { to: '/orders' },
        sub: 'alice',
        name: 'Alice',
        href: `${origin}/callback`,
      });
      const got = JSON.stringify({
        appState: result.appState,
        sub: result.user?.sub,
        name: result.user?.name,
        href: result.href,
      });
      if (got !== want) throw new Error(`${bundler} build in Chromium: the callback gave ${got}, wanted ${want}`);
      if (JSON.stringify(exchanges) !== JSON.stringify([{ code: 'the-code', pkce: true }]))
        throw new Error(`${bundler} build in Chromium: token requests ${JSON.stringify(exchanges)}`);
      if (errors.length) throw new Error(`${bundler} build in Chromium: page errors:\n${errors.join('\n')}`);
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/**
 * The Next consumer's build served by `next start` (on a free port) in Chromium: the server-rendered page hydrates
 * with no error (React reports a hydration mismatch on the console), then AuthProvider's restore settles against the
 * app's own refresh route (204): `#status` reads `unauthenticated`. Throws with what went wrong.
 */
export async function checkNextInBrowser(dir) {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const next = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'],
    {
      cwd: dir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  next.stdout.on('data', (chunk) => (output += chunk));
  next.stderr.on('data', (chunk) => (output += chunk));
  try {
    await inChromium('next start', async (page, problems) => {
      const origin = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const up = await fetch(origin).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (i === 100) throw new Error(`next start did not answer on ${origin}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Errors on the console, React's hydration reports among them; not the browser's own favicon request (a 404).
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico'))
          problems.push(`${message.text()} (${message.location().url})`);
      });
      await page.goto(`${origin}/`);
      await page.waitForSelector('#status:text("unauthenticated")', { timeout: 10_000 });
      if ((await page.textContent('#same-user')) !== 'true')
        throw new Error('next start: the server component is gone');
      if (problems.length) throw new Error(`next start in Chromium: page errors:\n${problems.join('\n')}`);
    });
  } finally {
    next.kill();
  }
}
