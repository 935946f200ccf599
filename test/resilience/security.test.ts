// Security checks: where the token may go (origins, redirects: undici,
// Chromium, Firefox and WebKit for real), where it must never be (storage, cookies, URLs, errors,
// logs), the warnings, untrusted JWT decoding, and refresh-token reuse.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, createJsonBackend, sendAuthRequest, type AuthClient, type AuthEvent } from 'keycard';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium';
import { ENGINES, WEBKIT_ENGINE } from '../engines';
import { createServer, jwt, tokenBody } from './support';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const alice = { username: 'alice', password: 'wonderland' };

/** The core as a page loads it: one script that defines `window.keycard`. */
const buildPageScript = async () =>
  (
    await build({
      entryPoints: [`${ROOT}src/index.ts`],
      bundle: true,
      format: 'iife',
      globalName: 'keycard',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    })
  ).outputFiles[0]!.text;

const clients: AuthClient[] = [];
const track = (auth: AuthClient) => (clients.push(auth), auth);
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// --- two real HTTP servers on 127.0.0.1: different ports are different origins ----------------------

interface Seen {
  method: string;
  url: string;
  authorization: string | null;
  preflightHeaders: string | null;
}
function listen(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void) {
  const seen: Seen[] = [];
  const server = createHttpServer((req, res) => {
    seen.push({
      method: req.method as string,
      url: req.url as string,
      authorization: req.headers.authorization ?? null,
      preflightHeaders: (req.headers['access-control-request-headers'] as string | undefined) ?? null,
    });
    handler(req, res, seen);
  });
  return new Promise<{ origin: string; seen: Seen[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ origin: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

describe('redirects never carry the token to another origin', () => {
  let a: Awaited<ReturnType<typeof listen>>;
  let b: Awaited<ReturnType<typeof listen>>;
  let bundle = '';
  beforeAll(async () => {
    // B: a foreign origin that would love a token; CORS-open so a browser can read its answers, and it takes an
    // Authorization header (a wildcard would not cover it), so only the browser stands between.
    b = await listen((req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
      if (req.method === 'OPTIONS') return res.writeHead(204).end();
      res.writeHead(req.url === '/401' ? 401 : 200, { 'Content-Type': 'application/json' }).end('{}');
    });
    // A: the auth server and API (the client's baseUrl), and the page for the browser check.
    a = await listen((req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/')
        return res
          .writeHead(200, { 'Content-Type': 'text/html' })
          .end('<!doctype html><script src="/keycard.js"></script>');
      if (req.url === '/keycard.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
      if (req.url === '/auth/login' || req.url === '/auth/refresh') return json(200, tokenBody());
      if (req.url === '/api/to-b') return res.writeHead(307, { Location: `${b.origin}/x` }).end();
      if (req.url === '/api/to-b-401') return res.writeHead(302, { Location: `${b.origin}/401` }).end();
      if (req.url === '/api/same') return res.writeHead(302, { Location: '/api/final' }).end();
      return json(200, { ok: true });
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("Node's fetch (undici) drops Authorization on a cross-origin redirect and keeps it on a same-origin one", async () => {
    const auth = track(createAuthClient({ baseUrl: a.origin, channel: false }));
    await auth.login(alice);
    const token = (await auth.getAccessToken()) as string;
    expect((await auth.fetch(`${a.origin}/api/to-b`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await auth.fetch(`${a.origin}/api/same`)).status).toBe(200);
    expect(a.seen.filter((s) => s.url.startsWith('/api/')).map((s) => [s.url, s.authorization])).toEqual([
      ['/api/to-b', `Bearer ${token}`],
      ['/api/same', `Bearer ${token}`],
      ['/api/final', `Bearer ${token}`],
    ]);
    expect(b.seen.map((s) => [s.url, s.authorization])).toEqual([['/x', null]]);
  });

  it('a 401 from the origin a redirect led to is returned as is: it is not about our token (no refresh)', async () => {
    const auth = track(createAuthClient({ baseUrl: a.origin, channel: false }));
    await auth.login(alice);
    const refreshes = () => a.seen.filter((s) => s.url === '/auth/refresh').length;
    const before = refreshes();
    const res = await auth.fetch(`${a.origin}/api/to-b-401`);
    expect(res.status).toBe(401);
    expect(refreshes()).toBe(before);
    expect(b.seen.every((s) => s.authorization === null)).toBe(true);
  });

  it("a Request whose `url` names another place than it holds (a subclass's getter, an own property, a Proxy) is judged by where Node's fetch sends it", async () => {
    const auth = track(createAuthClient({ baseUrl: a.origin, channel: false }));
    await auth.login(alice);
    const token = (await auth.getAccessToken()) as string;
    /** Requests for `to` whose `url` says `says`. */
    const liars = (to: string, says: string): Request[] => {
      class Lying extends Request {
        override get url() {
          return says;
        }
      }
      const own = new Request(to);
      Object.defineProperty(own, 'url', { value: says });
      const proxied = new Proxy(new Request(to), { get: (r, key) => (key === 'url' ? says : Reflect.get(r, key, r)) });
      return [new Lying(to), own, proxied];
    };
    for (const request of liars(`${b.origin}/lied-to`, `${a.origin}/api/x`))
      expect((await auth.fetch(request)).status).toBe(200);
    for (const request of liars(`${a.origin}/api/lied`, `${b.origin}/lied-to`))
      expect((await auth.fetch(request)).status).toBe(200);
    expect(b.seen.filter((s) => s.url === '/lied-to').map((s) => s.authorization)).toEqual([null, null, null]);
    expect(a.seen.filter((s) => s.url === '/api/lied').map((s) => s.authorization)).toEqual(
      Array(3).fill(`Bearer ${token}`),
    );
  });

  // In the page: a login, then a request redirected to B (307 keeps the method and body) and one to A itself.
  const probe = async () => {
    const k = (window as unknown as { keycard: typeof import('keycard') }).keycard;
    const auth = k.createAuthClient({ baseUrl: location.origin, channel: false });
    await auth.login({ username: 'alice', password: 'wonderland' });
    const cross = await auth.fetch('/api/to-b', { method: 'POST', body: '{}' });
    const same = await auth.fetch('/api/same');
    const token = await auth.getAccessToken();
    auth.dispose();
    return { cross: cross.status, redirected: cross.redirected, same: same.status, token };
  };
  /**
   * What the probe must have done in `engine`: B was reached, and no request there carried the token. `named`: the
   * engine's CORS preflight to B may still name the header (not its value), as WebKit's does.
   */
  const expectDropped = (result: Awaited<ReturnType<typeof probe>>, engine: string, before: number, named = false) => {
    expect(result).toMatchObject({ cross: 200, redirected: true, same: 200 });
    expect(a.seen.filter((s) => s.url === '/api/final').at(-1)?.authorization).toBe(`Bearer ${result.token}`);
    const atB = b.seen.slice(before).filter((s) => s.url === '/x');
    expect(atB.filter((s) => s.method !== 'OPTIONS').length, engine).toBeGreaterThan(0);
    expect(atB.filter((s) => s.authorization !== null)).toEqual([]);
    if (!named) expect(atB.filter((s) => /authorization/i.test(s.preflightHeaders ?? ''))).toEqual([]);
  };

  // Each engine's own Fetch: the standard's HTTP-redirect fetch removes `Authorization` on a cross-origin redirect.
  const shipped = {
    Chromium: 'Fetch spec, HTTP-redirect fetch; shipped in Chrome 119',
    Firefox: 'Firefox 111',
    WebKit: 'WebKitGTK, Safari’s engine',
  };
  for (const engine of ENGINES)
    it.skipIf(!engine.present)(
      `${engine.name} drops it too (${shipped[engine.name]})`,
      async () => {
        bundle ||= await buildPageScript();
        const browser = await engine.launch();
        try {
          const tab = await browser.open(`${a.origin}/`);
          const before = b.seen.length;
          // WebKit's preflight asks B whether it may send Authorization, and B (hostile) says yes; the request then
          // goes without it.
          expectDropped(await tab.run(probe), engine.name, before, engine === WEBKIT_ENGINE);
        } finally {
          await browser.close();
        }
      },
      60_000,
    );
});

describe('the default channel is named after the session (Chromium)', () => {
  it.skipIf(!existsSync(CHROMIUM))(
    'two clients for different backends on one page never adopt each other’s tokens; same backend does',
    async () => {
      const code = await buildPageScript();
      const page = await listen((req, res) => {
        if (req.url === '/keycard.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(code);
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><script src="/keycard.js"></script>');
      });
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
      });
      try {
        const tab = await browser.newPage();
        await tab.goto(`${page.origin}/`);
        const result = await tab.evaluate(async () => {
          const k = (window as unknown as { keycard: typeof import('keycard') }).keycard;
          const server =
            (origin: string): typeof fetch =>
            async () =>
              Response.json({
                access_token: `${origin.slice(8, 9)}-token-${Math.random().toString(36).slice(2)}`,
                expires_in: 300,
                refresh_token: 'rt',
              });
          const a = k.createAuthClient({
            baseUrl: 'https://a.test',
            refreshToken: 'memory',
            fetch: server('https://a.test'),
          });
          const b = k.createAuthClient({
            baseUrl: 'https://b.test',
            refreshToken: 'memory',
            fetch: server('https://b.test'),
          });
          const a2 = k.createAuthClient({
            baseUrl: 'https://a.test',
            refreshToken: 'memory',
            fetch: server('https://a.test'),
          });
          await a.login({});
          await new Promise((r) => setTimeout(r, 300));
          return {
            b: b.getState().status,
            bToken: await b.getAccessToken(),
            a2: a2.getState().status,
            same: (await a2.getAccessToken()) === (await a.getAccessToken()),
          };
        });
        expect(result).toEqual({ b: 'initializing', bToken: null, a2: 'authenticated', same: true });
      } finally {
        await browser.close();
        await page.close();
      }
    },
    30_000,
  );
});

describe('auth requests never follow redirects (a 307 would re-post the refresh token)', () => {
  let a: Awaited<ReturnType<typeof listen>>;
  let b: Awaited<ReturnType<typeof listen>>;
  let redirect = true;
  let pageBundle = '';
  const bodies: string[] = [];
  beforeAll(async () => {
    // B: another origin that would adopt a refresh token and answer with its own tokens.
    b = await listen((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ ...tokenBody(), access_token: 'from-b', refresh_token: 'rt-b' }));
      });
    });
    // A: every auth endpoint (and an OAuth token endpoint) answers 307 (or 302/308) to the same path on B.
    a = await listen((req, res) => {
      const url = req.url as string;
      if (url === '/page')
        return res
          .writeHead(200, { 'Content-Type': 'text/html' })
          .end('<!doctype html><script src="/keycard.js"></script>');
      if (url === '/keycard.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(pageBundle);
      if (redirect && /^\/(auth|token|oauth)/.test(url)) {
        const status = url.includes('logout') ? 302 : url.includes('token') ? 308 : 307;
        return res.writeHead(status, { Location: `${b.origin}${url}` }).end();
      }
      if (url === '/auth/login' || url === '/auth/refresh')
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(tokenBody()));
      return res.writeHead(204).end();
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('login, refresh and logout: a 3xx is a failed call, nothing reaches the target, and its tokens are never adopted', async () => {
    redirect = true;
    const auth = track(createAuthClient({ baseUrl: a.origin, channel: false, refreshToken: 'memory' }));
    await expect(auth.login(alice)).rejects.toMatchObject({ name: 'AuthError', code: 'invalid_response', status: 307 });
    expect(auth.getState().status).toBe('unauthenticated');
    redirect = false;
    await auth.login(alice);
    const token = await auth.getAccessToken();
    redirect = true;
    // Transient for a refresh (like an unusable body): the session and its tokens are kept.
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'invalid_response', status: 307 });
    expect(auth.getState().status).toBe('authenticated');
    expect(await auth.getAccessToken()).toBe(token);
    await auth.logout();
    expect(b.seen).toEqual([]);
    expect(bodies).toEqual([]);
  });

  it('keycard/oauth: the token endpoint (code exchange, refresh), revocation and discovery never follow one either', async () => {
    redirect = true;
    const { createOAuthClient } = await import('keycard/oauth');
    const oauth = createOAuthClient({
      tokenEndpoint: `${a.origin}/token`,
      revocationEndpoint: `${a.origin}/token/revocation`,
      clientId: 'spa',
      redirectUri: 'http://127.0.0.1/cb',
      scope: 'api',
      channel: false,
      navigate: () => {},
    });
    track(oauth);
    await expect(oauth.login({ code: 'c', code_verifier: 'v' })).rejects.toMatchObject({
      code: 'invalid_response',
      status: 308,
    });
    expect(oauth.getState().status).toBe('unauthenticated');
    const discovering = createOAuthClient({
      issuer: `${a.origin}/oauth`,
      clientId: 'spa',
      redirectUri: 'http://127.0.0.1/cb',
      channel: false,
      navigate: () => {},
    });
    track(discovering);
    await expect(discovering.metadata()).rejects.toMatchObject({ code: 'invalid_response', status: 307 });
    expect(b.seen).toEqual([]);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'Chromium: the opaque redirect (type opaqueredirect, status 0) is a failed call and B sees nothing',
    async () => {
      pageBundle = await buildPageScript();
      redirect = true;
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
      });
      try {
        const page = await browser.newPage();
        await page.goto(`${a.origin}/page`);
        const result = await page.evaluate(async () => {
          const k = (window as unknown as { keycard: typeof import('keycard') }).keycard;
          const auth = k.createAuthClient({ baseUrl: location.origin, channel: false, refreshToken: 'memory' });
          const login = await auth.login({ username: 'alice' }).then(
            () => null,
            (e: { code: string; status?: number }) => ({ code: e.code, status: e.status }),
          );
          const restored = await auth.restore();
          return { login, status: restored.status, token: await auth.getAccessToken() };
        });
        expect(result).toEqual({
          login: { code: 'invalid_response', status: 0 },
          status: 'unauthenticated',
          token: null,
        });
        expect(b.seen).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    30_000,
  );

  it('a fetch that followed without saying so (React Native: no `redirected`) is caught by the response URL', async () => {
    const silent: typeof fetch = async (input, init) => {
      const { redirect: _ignored, ...rest } = init ?? {};
      const response = await fetch(input, rest);
      const body = await response.text();
      const copy = new Response(body, { status: response.status, headers: response.headers });
      Object.defineProperty(copy, 'url', { value: response.url });
      return copy;
    };
    redirect = true;
    const auth = track(createAuthClient({ baseUrl: a.origin, channel: false, fetch: silent }));
    await expect(auth.login(alice)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null });
    b.seen.length = 0;
    bodies.length = 0;
  });

  it('a custom fetch that follows anyway (ignoring `redirect`) gets its answer refused', async () => {
    const following: typeof fetch = async (input, init) => {
      const { redirect: _ignored, ...rest } = init ?? {};
      const response = await fetch(input, rest);
      expect(response.redirected).toBe(true);
      return response;
    };
    redirect = true;
    const auth = track(createAuthClient({ baseUrl: a.origin, channel: false, fetch: following }));
    await expect(auth.login(alice)).rejects.toMatchObject({ code: 'invalid_response' });
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null });
    b.seen.length = 0;
    bodies.length = 0;
  });
});

describe('an access token that is not a valid HTTP header value is an unusable token response', () => {
  const BAD = [
    'tok\r\nX-Injected: 1',
    'tok\nen',
    'tok\ren',
    'tok\ten',
    'tok\u0000en',
    'tok\u007fen',
    'tokén',
    'tok\u2028en',
    '☃',
    ' padded',
    'padded ',
  ];
  it.each(BAD.map((t) => [JSON.stringify(t), t]))(
    '%s: login rejects with invalid_response; a refresh keeps the session',
    async (_name, bad) => {
      const server = createServer();
      let answer: string | null = bad;
      const fetch: typeof globalThis.fetch = async (input, init) =>
        answer !== null && /\/auth\/(login|refresh)$/.test(String(input))
          ? Response.json({ access_token: answer, expires_in: 300 })
          : server.fetch(input, init);
      const auth = track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch }));
      const error = await auth.login(alice).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'AuthError', code: 'invalid_response' });
      expect(JSON.stringify([(error as Error).message, (error as Error).stack])).not.toContain(bad);
      answer = null;
      await auth.login(alice);
      const good = await auth.getAccessToken();
      answer = bad;
      await expect(auth.refresh()).rejects.toMatchObject({ code: 'invalid_response' });
      expect(await auth.getAccessToken()).toBe(good);
      expect((await auth.fetch('https://auth.test/api/x')).status).toBe(200);
    },
  );
});

describe('dispose() forgets the tokens', () => {
  it('afterwards auth.fetch attaches nothing, getAccessToken() is null, the state unauthenticated, listeners untold', async () => {
    const server = createServer();
    const auth = track(
      createAuthClient({ baseUrl: 'https://auth.test', channel: false, refreshToken: 'memory', fetch: server.fetch }),
    );
    await auth.login(alice);
    const states: string[] = [];
    auth.subscribe((s) => states.push(s.status));
    auth.dispose();
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null, expiresAt: null, error: null });
    expect(await auth.getAccessToken()).toBeNull();
    await auth.fetch('https://auth.test/api/x');
    expect(server.api.at(-1)).toBeNull();
    expect(await auth.restore().catch(() => null)).toMatchObject({ status: 'unauthenticated' });
    expect(server.refreshes).toBe(0); // the memory-mode refresh token is gone too
    expect(states).toEqual([]);
  });

  it('dispose() while a refresh waits out the one-second gap ends the wait at once: the waiting request settles, no timer runs on', async () => {
    vi.useFakeTimers();
    const server = createServer();
    const auth = track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch: server.fetch }));
    await auth.login(alice);
    server.valid.clear();
    expect((await auth.fetch('https://auth.test/api/a')).status).toBe(200); // 401 → refresh → replay
    server.valid.clear();
    expect((await auth.fetch('https://auth.test/api/a')).status).toBe(200); // the second of two goes at once
    server.valid.clear();
    const waiting = auth.fetch('https://auth.test/api/b'); // 401 again, a third within a second: its refresh waits
    await vi.advanceTimersByTimeAsync(10);
    expect(server.refreshes).toBe(2);
    auth.dispose();
    // Settles with no timer advanced (the model test counts timers left after dispose; here undici's own timers,
    // from the real-server tests above, would muddle a count).
    expect((await waiting).status).toBe(401);
    await vi.advanceTimersByTimeAsync(5000);
    expect(server.refreshes).toBe(2);
  });

  it('a login answered after dispose() (a backend that ignores the abort) is not adopted', async () => {
    const server = createServer();
    let release: () => void = () => {};
    const slow: typeof fetch = (input, init) =>
      new Promise<void>((r) => (release = r)).then(() => server.fetch(input, init));
    const auth = track(
      createAuthClient({
        baseUrl: 'https://auth.test',
        channel: false,
        backend: {
          ...createJsonBackend({ baseUrl: 'https://auth.test', cookie: true, fetch: () => slow, timeoutMs: 10_000 }),
          login: (c) =>
            sendAuthRequest(
              'https://auth.test/auth/login',
              { method: 'POST', body: JSON.stringify(c) },
              new AbortController().signal,
              { fetch: () => slow, timeoutMs: 10_000 },
            ),
        },
      }),
    );
    const login = auth.login(alice).catch(() => null);
    await new Promise((r) => setTimeout(r, 10));
    auth.dispose();
    release();
    await login;
    expect(auth.getState().status).toBe('unauthenticated');
    expect(await auth.getAccessToken()).toBeNull();
  });
});

describe('tokens never land in storage, cookies, URLs, errors or logs', () => {
  it('the core bundle never touches localStorage, sessionStorage or document.cookie', async () => {
    const built = await build({
      entryPoints: [`${ROOT}src/index.ts`],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    const code = built.outputFiles[0]!.text;
    expect(code.length).toBeGreaterThan(1000); // it is the real bundle
    expect(code).toContain('Bearer');
    for (const api of ['localStorage', 'sessionStorage', 'document.cookie', '.cookie='])
      expect(code).not.toContain(api);
  });

  it('a whole flow (login, fetch, 401 replay, failed and refused refreshes, logout) logs, throws and emits no token', async () => {
    const logged: unknown[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const)
      vi.spyOn(console, level).mockImplementation((...args) => void logged.push(args));
    vi.useFakeTimers();
    const server = createServer();
    const auth = track(
      createAuthClient({ baseUrl: 'https://auth.test', channel: false, refreshToken: 'memory', fetch: server.fetch }),
    );
    const events: AuthEvent[] = [];
    auth.onEvent((e) => events.push(e));
    const errors: unknown[] = [];
    await auth.login(alice);
    await auth.fetch('https://auth.test/api/a');
    server.valid.clear(); // revoked: 401, refresh, replay
    await auth.fetch('https://auth.test/api/b');
    // A server that echoes the refresh token in its error page must not get it into our messages.
    const echo = (status: number) => () =>
      new Response(`bad ${server.issued.at(-1)?.refresh} ${server.issued.at(-1)?.access}`, { status });
    server.next = echo(500);
    await auth.refresh().catch((e: unknown) => errors.push(e));
    server.next = (issue) =>
      new Response(`<html>${issue().headers.get('x') ?? ''}${server.issued.at(-1)?.access}</html>`);
    await auth.refresh().catch((e: unknown) => errors.push(e));
    server.next = echo(401);
    await auth.refresh();
    errors.push(auth.getState().error);
    await auth.login(alice);
    await auth.logout();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(server.issued.length).toBeGreaterThanOrEqual(4);
    const secrets = server.issued.flatMap((t) => [t.access, t.refresh, t.access.split('.')[2] as string]);
    const seen = JSON.stringify([
      logged,
      events,
      errors.map((e) => [String(e), (e as Error).message, (e as Error).stack]),
    ]);
    for (const secret of secrets) expect(seen).not.toContain(secret);
    expect(server.urls.filter((u) => secrets.some((s) => u.includes(s)))).toEqual([]);
    expect(errors).toHaveLength(3);
  });
});

describe('warnings (once each)', () => {
  const warnings = () =>
    (console.warn as unknown as { mock: { calls: unknown[][] } }).mock.calls.map((c) => String(c[0]));
  const spyWarn = () => vi.spyOn(console, 'warn').mockImplementation(() => {});

  it('a plain-http baseUrl or API origin other than localhost', () => {
    spyWarn();
    track(createAuthClient({ baseUrl: 'http://auth.plain.test', channel: false }));
    track(createAuthClient({ baseUrl: 'http://auth.plain.test/other', channel: false }));
    track(
      createAuthClient({
        baseUrl: 'https://auth.test',
        channel: false,
        apiOrigins: ['http://api.plain.test', 'https://api.test'],
      }),
    );
    track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, apiOrigins: ['http://api.plain.test'] }));
    for (const local of ['http://localhost:8080', 'http://127.0.0.1:3000', 'http://[::1]:3000'])
      track(createAuthClient({ baseUrl: local, channel: false }));
    expect(warnings()).toEqual([
      expect.stringMatching(/^\[keycard\] http:\/\/auth\.plain\.test is plain http/),
      expect.stringMatching(/^\[keycard\] http:\/\/api\.plain\.test is plain http/),
    ]);
  });

  it('an access token over 4 KB, without the token in the message', async () => {
    spyWarn();
    const big = () =>
      Response.json({ access_token: jwt({ sub: 'alice', iat: 1, exp: 301, pad: 'x'.repeat(5000), n: Math.random() }) });
    const server = createServer();
    const auth = track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch: server.fetch }));
    await auth.login(alice);
    expect(warnings()).toEqual([]);
    server.next = big;
    await auth.refresh();
    server.next = big;
    await auth.refresh();
    expect(warnings()).toEqual([expect.stringMatching(/access token is over 4 KB/)]);
    expect(warnings()[0]!.length).toBeLessThan(200);
  });
});

describe('JWT decoding trusts nothing, and bad tokens never escape as unhandled rejections', () => {
  it('decodes alg:none and garbage-signature tokens for display only (claims are not verified)', async () => {
    for (const token of [
      jwt({ sub: 'mallory', role: 'admin', iat: 1, exp: 301 }, { alg: 'none' }, ''),
      jwt({ sub: 'eve', iat: 1, exp: 301 }, { alg: 'RS256' }, 'bm90LWEtc2lnbmF0dXJl'),
    ]) {
      const server = createServer();
      const fetch: typeof globalThis.fetch = async (input, init) =>
        String(input).endsWith('/auth/login')
          ? Response.json({ access_token: token, expires_in: 300 })
          : server.fetch(input, init);
      const auth = track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch }));
      const state = await auth.login(alice);
      expect(state.status).toBe('authenticated');
      expect(state.user?.sub).toMatch(/mallory|eve/);
      // Scheduling uses only the lifetime (exp - iat), measured on this device's clock.
      expect(state.expiresAt! - Date.now()).toBeGreaterThan(299_000);
    }
  });

  const segment = (s: string) => Buffer.from(s).toString('base64url');
  const BAD: Array<[string, string]> = [
    ['a payload that is not JSON', `${segment('{"alg":"ES256"}')}.${segment('not json')}.c2ln`],
    ['a payload that is a JSON array', `${segment('{"alg":"ES256"}')}.${segment('[1,2]')}.c2ln`],
    ['a payload that is a JSON string', `${segment('{"alg":"ES256"}')}.${segment('"x"')}.c2ln`],
    ['a 1 MB payload', jwt({ sub: 'x', pad: 'x'.repeat(1024 * 1024) })],
    ['an absurd lifetime (exp before iat)', jwt({ sub: 'x', iat: 2000, exp: 1000 })],
  ];

  it.each(BAD)('login rejects %s with invalid_response', async (_name, token) => {
    const fetch: typeof globalThis.fetch = async () => Response.json({ access_token: token, expires_in: 300 });
    const auth = track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch }));
    await expect(auth.login(alice)).rejects.toMatchObject({ name: 'AuthError', code: 'invalid_response' });
    expect(auth.getState().status).toBe('unauthenticated');
  });

  it('a timer-triggered refresh receiving them keeps the session, reports invalid_response, and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    try {
      const server = createServer();
      const auth = track(createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch: server.fetch }));
      const failures: string[] = [];
      auth.onEvent((e) => e.type === 'refresh_failed' && failures.push(e.error.code));
      await auth.login(alice);
      const before = auth.getState();
      await vi.advanceTimersByTimeAsync(239_000);
      for (const [, token] of BAD) {
        server.next = () => Response.json({ access_token: token, expires_in: 300 });
        // The timer first, then each backoff retry (500 ms, 1 s, 2 s… with random = 0).
        const n = server.refreshes;
        while (server.refreshes === n) await vi.advanceTimersByTimeAsync(250);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(failures).toEqual(BAD.map(() => 'invalid_response'));
      expect(auth.getState()).toBe(before);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('refresh-token reuse', () => {
  // A server with rotation and reuse detection (RFC 9700 §4.14.2): presenting a rotated-away refresh token
  // burns the whole family.
  function rotatingServer() {
    const family = { alive: true, current: 'rt-0', used: new Set<string>(), refreshes: 0 };
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const path = new URL(String(input)).pathname;
      const rotate = () => {
        family.used.add(family.current);
        family.current = `rt-${family.used.size}`;
        return Response.json({ ...tokenBody(), refresh_token: family.current });
      };
      if (path === '/auth/login') return Response.json({ ...tokenBody(), refresh_token: family.current });
      if (path !== '/auth/refresh') return new Response(null, { status: 204 });
      family.refreshes++;
      const presented = (JSON.parse(String(init?.body)) as { refresh_token?: string }).refresh_token as string;
      if (family.used.has(presented)) family.alive = false;
      if (!family.alive || presented !== family.current)
        return Response.json({ error: 'invalid_grant' }, { status: 400 });
      return rotate();
    };
    return { family, fetch };
  }

  it('a reused refresh token (invalid_grant after rotation) ends the session in every tab', async () => {
    const { family, fetch } = rotatingServer();
    const channel = `reuse-${Math.random()}`;
    const [a, b] = [0, 1].map(() =>
      track(createAuthClient({ baseUrl: 'https://auth.test', channel, refreshToken: 'memory', fetch })),
    );
    await a!.login(alice);
    await vi.waitFor(() => expect(b!.getState().status).toBe('authenticated'));
    await a!.refresh(); // rt-0 → rt-1, shared with b
    await vi.waitFor(async () => expect(await b!.getAccessToken()).toBe(await a!.getAccessToken()));
    // An attacker replays the stolen rt-0: the server burns the family.
    await fetch('https://auth.test/auth/refresh', { method: 'POST', body: JSON.stringify({ refresh_token: 'rt-0' }) });
    expect(family.alive).toBe(false);
    await b!.refresh();
    for (const tab of [a!, b!]) {
      await vi.waitFor(() =>
        expect(tab.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } }),
      );
      expect(await tab.getAccessToken()).toBeNull();
    }
  });
});
