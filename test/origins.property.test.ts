// The token's allow-list judged against the slow path, for every input auth.fetch accepts: the URL fetch will
// really contact (a Request's `.url`, anything else's `String(input)`), resolved by the platform's URL parser
// against the page (in a browser) or baseUrl, and its origin compared with the allowed list. Node's fetch and a
// simulated browser page here; Chromium's own parser in origins.chromium.test.ts. Where the platform URL is
// partial, each build's answer: React Native's reads URLs itself, the web and Node build sends no token.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { createOriginPolicy, type OriginRule } from '../src/origins';
import { inputKind, PartialURL, recordingAuthFetch, urlString, type InputKind } from './url-cases';
import { tokenBody } from './resilience/support';

// Which build's src/partial-url src/url.ts gets where URL is partial: the web and Node one, or React Native's
// reader (rollup.config.mjs builds one core with each; here each describe picks).
const build = vi.hoisted(() => ({ native: false }));
vi.mock('../src/partial-url', async (importOriginal) => {
  const web = await importOriginal<typeof import('../src/partial-url')>();
  const native = await import('../src/partial-url.native');
  return { readPartial: (input: string, base?: string) => (build.native ? native : web).readPartial(input, base) };
});

const NodeURL = URL;
const ATTACK = [
  '/\\evil.example/x',
  '/\t/evil.example/x',
  '/\r/evil.example/x',
  '/\n/evil.example/x',
  '\\\\evil.example/x',
  '/\\/evil.example/x',
];

interface Config {
  name: string;
  baseUrl: string;
  rule?: OriginRule;
  /** A browser page: its URL, and the document's base URL when a <base> element moves it. */
  page?: { href: string; base?: string };
}

const CONFIGS: Config[] = [
  { name: 'Node, default list', baseUrl: 'https://auth.test' },
  {
    name: 'Node, apiOrigins strings and patterns',
    baseUrl: 'https://auth.test/base/',
    rule: [
      'https://api.test',
      /^https:\/\/[a-z]+\.cdn\.test$/,
      'http://127.0.0.1:8080',
      'https://xn--nxasmq6b.com',
      'https://[::1]:8443',
      'https://localhost',
    ],
  },
  {
    name: 'Node, apiOrigins function',
    baseUrl: 'https://auth.test',
    rule: (url: URL) => url.protocol === 'https:' && url.hostname.endsWith('.test'),
  },
  {
    name: 'browser page, default list',
    baseUrl: 'https://api.test',
    page: { href: 'https://auth.test/app/page?x=1#y' },
  },
  {
    name: 'browser page with <base>',
    baseUrl: 'https://auth.test',
    page: { href: 'http://127.0.0.1:8080/', base: 'https://x.cdn.test/assets/' },
  },
];

/** A browser page as env.ts sees one: window, document (with its base URL) and location. */
function stubPage(page: { href: string; base?: string }) {
  const noop = () => {};
  vi.stubGlobal('window', { addEventListener: noop, removeEventListener: noop });
  vi.stubGlobal('document', {
    addEventListener: noop,
    removeEventListener: noop,
    visibilityState: 'visible',
    baseURI: page.base ?? page.href,
  });
  vi.stubGlobal('location', { href: page.href, origin: new NodeURL(page.href).origin });
}

const clients: AuthClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
  vi.unstubAllGlobals();
});

const harness = (config: Config) => recordingAuthFetch(config.rule, config.baseUrl);

/** Node's URL reading, or null (not URL.canParse: Node 20's says false for some hosts its constructor reads). */
function parsed(input: string, base: string): URL | null {
  try {
    return new NodeURL(input, base);
  } catch {
    return null;
  }
}

const lists = new Map<Config, Array<string | RegExp>>();
/** The configured list, strings as origins by the platform's parser. */
function allowList(config: Config): Array<string | RegExp> {
  if (!lists.has(config)) {
    const list = (config.rule as Array<string | RegExp> | undefined) ?? [
      config.baseUrl,
      ...(config.page ? [config.page.href] : []),
    ];
    lists.set(
      config,
      list.map((r) => (typeof r === 'string' ? new NodeURL(r).origin : r)),
    );
  }
  return lists.get(config)!;
}

/** The slow path: what fetch contacts, by the platform's parser, and whether its origin is on the list. */
function oracle(config: Config, input: unknown): { allowed: boolean; url: URL | null } {
  const base = config.page ? (config.page.base ?? config.page.href) : config.baseUrl;
  const string = input instanceof Request ? input.url : String(input);
  const url = parsed(string, base);
  if (!url) return { allowed: false, url: null };
  if (!/^https?:$/.test(url.protocol)) return { allowed: false, url };
  const rule = config.rule;
  if (typeof rule === 'function') return { allowed: rule(url) === true, url };
  const allowed = allowList(config).some((r) => (typeof r === 'string' ? r === url.origin : r.test(url.origin)));
  return { allowed, url };
}

/** The input as an app hands it over: a string, a URL, a Request, or another object. */
function make(kind: InputKind, s: string, base: string): unknown {
  const url = kind === 'url' || kind === 'request' ? parsed(s, base) : null;
  switch (kind) {
    case 'url':
      return url ?? s;
    case 'request':
      try {
        return url ? new Request(url) : s;
      } catch {
        return s; // fetch refuses it too (e.g. a javascript: URL)
      }
    case 'toString':
      return { toString: () => s };
    case 'url+toString':
      // The `.url` is allowed everywhere; fetch reads String(input) all the same.
      return { url: 'https://auth.test/x', toString: () => s };
    default:
      return s;
  }
}

describe('the allow decision equals the slow path (differential, 5 × 20,000 cases)', () => {
  it.each(CONFIGS.map((c) => [c.name, c] as const))('%s', async (_, config) => {
    if (config.page) stubPage(config.page);
    const send = harness(config);
    const base = config.page ? (config.page.base ?? config.page.href) : config.baseUrl;
    let allowedCount = 0;
    await fc.assert(
      fc.asyncProperty(urlString, inputKind, async (s, kind) => {
        const input = make(kind, s, base);
        const expected = oracle(config, input);
        const sent = await send(input);
        const attached = sent.authorization === 'Bearer TOKEN';
        if (attached !== expected.allowed) return false;
        if (!attached) return true;
        allowedCount++;
        // What fetch was given goes where the decision said.
        const target = sent.input instanceof Request ? sent.input.url : String(sent.input);
        return new NodeURL(target, base).origin === expected.url!.origin;
      }),
      { numRuns: 20_000 },
    );
    expect(allowedCount).toBeGreaterThan(50); // both answers are exercised
  });
});

describe('regressions: the token never goes to a foreign origin (issue 12, items 1 and 2)', () => {
  const login = async (page?: string) => {
    if (page) stubPage({ href: page });
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      seen.push({
        url,
        authorization: new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get(
          'authorization',
        ),
      });
      if (url.endsWith('/auth/login')) return Response.json(tokenBody());
      return new Response('{}');
    };
    const auth = createAuthClient({ baseUrl: 'https://app.test', fetch, channel: false, refreshToken: 'memory' });
    clients.push(auth);
    await auth.login({ username: 'alice', password: 'x' });
    seen.length = 0;
    return { auth, seen };
  };

  it.each(ATTACK)('in a browser page, %j is protocol-relative: no token to evil.example', async (path) => {
    const { auth, seen } = await login('https://app.test/home');
    await auth.fetch(path);
    await auth.fetch('/api/me');
    expect(
      seen.map((s) => [new NodeURL(s.url, 'https://app.test/home').origin, s.authorization?.slice(0, 7) ?? null]),
    ).toEqual([
      ['https://evil.example', null],
      ['https://app.test', 'Bearer '],
    ]);
  });

  it.each(ATTACK)(
    'outside a browser, %j resolves against baseUrl as the URL standard does: no token to evil.example',
    async (path) => {
      const { auth, seen } = await login();
      await auth.fetch(path);
      expect(seen).toEqual([{ url: 'https://evil.example/x', authorization: null }]);
    },
  );

  it('an object with an allowed .url is judged by String(input), which is what fetch sends', async () => {
    const { auth, seen } = await login('https://app.test/home');
    await auth.fetch({
      url: 'https://app.test/api',
      toString: () => 'https://evil.example/x',
    } as unknown as RequestInfo);
    await auth.fetch({ url: 'https://evil.example/x', toString: () => '/api/me' } as unknown as RequestInfo);
    expect(seen).toEqual([
      { url: 'https://evil.example/x', authorization: null },
      { url: '/api/me', authorization: expect.stringMatching(/^Bearer /) },
    ]);
  });

  it('a URL object and a Request are judged by where they point', async () => {
    const { auth, seen } = await login();
    await auth.fetch(new NodeURL('https://evil.example/x'));
    await auth.fetch(new Request('https://evil.example/y'));
    await auth.fetch(new NodeURL('https://app.test/z'));
    expect(seen.map((s) => [s.url, !!s.authorization])).toEqual([
      ['https://evil.example/x', false],
      ['https://evil.example/y', false],
      ['https://app.test/z', true],
    ]);
  });
});

describe('React Native build, React Native 0.74: a partial URL (getters throw, href appends a slash)', () => {
  beforeEach(() => {
    build.native = true;
  });
  afterEach(() => {
    build.native = false;
  });

  it('createAuthClient, endpoint URLs and auth.fetch decisions work and match a whole URL', async () => {
    const run = async () => {
      const seen: Array<{ url: string; authorization: string | null }> = [];
      const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        seen.push({ url, authorization: new Headers(init?.headers).get('authorization') });
        return url.includes('/auth/') ? Response.json(tokenBody()) : new Response('{}');
      };
      const auth = createAuthClient({
        baseUrl: 'https://auth.test/base',
        fetch,
        channel: false,
        refreshToken: 'memory',
      });
      clients.push(auth);
      await auth.login({ username: 'alice', password: 'x' });
      await auth.refresh();
      const calls = seen.splice(0).map((s) => s.url);
      const decisions: string[] = [];
      for (const input of [
        ...ATTACK,
        '/api/me',
        'api/me',
        '?q',
        'https://auth.test/x',
        'HTTPS://AUTH.TEST:443/x',
        'https://auth.test.evil.example/x',
        'https://auth.test@evil.example/',
        'https:x',
        'http://auth.test/x',
      ]) {
        await auth.fetch(input);
        const s = seen.pop()!;
        decisions.push(`${JSON.stringify(input)} → ${s.url} ${s.authorization ? 'token' : 'none'}`);
      }
      await auth.logout();
      return { calls: [...calls, ...seen.map((s) => s.url)], decisions };
    };
    const whole = await run();
    vi.stubGlobal('URL', PartialURL);
    expect(() => new URL('https://auth.test').origin).toThrow(/not implemented/);
    const partial = await run();
    vi.unstubAllGlobals();
    expect(whole.calls).toEqual([
      'https://auth.test/auth/login',
      'https://auth.test/auth/refresh',
      'https://auth.test/auth/logout',
    ]);
    expect(partial).toEqual(whole);
    expect(whole.decisions.filter((d) => d.endsWith('token'))).toHaveLength(6);
  });

  it('the allow decision never allows what the slow path denies, and equals it for hosts it reads (10,000 cases)', async () => {
    const config: Config = {
      name: 'rn',
      baseUrl: 'https://auth.test/base/',
      rule: ['https://api.test', /^https:\/\/[a-z]+\.cdn\.test$/, 'http://127.0.0.1:8080', 'https://auth.test'],
    };
    vi.stubGlobal('URL', PartialURL);
    const send = harness(config);
    let withheld = 0;
    await fc.assert(
      fc.asyncProperty(urlString, fc.constantFrom<InputKind>('string', 'toString', 'url+toString'), async (s, kind) => {
        const input = make(kind, s, config.baseUrl);
        const expected = oracle(config, input);
        const attached = (await send(input)).authorization !== null;
        if (attached && !expected.allowed) return false;
        // Withheld only for hosts the module leaves to a complete URL: non-ASCII or escaped, other IPv4 forms.
        if (!attached && expected.allowed)
          return (withheld++, /[^\0-\x7f]|%/.test(s) || /^[\d.]+$/.test(expected.url!.hostname));
        return true;
      }),
      { numRuns: 10_000 },
    );
    expect(withheld).toBeLessThan(1000);
  });

  it('a function apiOrigins rule gets an object with URL fields', async () => {
    vi.stubGlobal('URL', PartialURL);
    const got: unknown[] = [];
    const policy = createOriginPolicy(
      (url) => (
        got.push({
          href: url.href,
          origin: url.origin,
          host: url.host,
          hostname: url.hostname,
          port: url.port,
          pathname: url.pathname,
          search: url.search,
          hash: url.hash,
          protocol: url.protocol,
          string: String(url),
        }),
        true
      ),
      'https://auth.test',
    );
    expect(policy('HTTPS://API.test:8443\\v1?a=1#top')).toBe(true);
    expect(policy('javascript:alert(1)')).toBe(false);
    expect(got).toEqual([
      {
        href: 'https://api.test:8443/v1?a=1#top',
        origin: 'https://api.test:8443',
        host: 'api.test:8443',
        hostname: 'api.test',
        port: '8443',
        pathname: '/v1',
        search: '?a=1',
        hash: '#top',
        protocol: 'https:',
        string: 'https://api.test:8443/v1?a=1#top',
      },
    ]);
  });

  it('a baseUrl that is not an absolute http(s) URL is still a TypeError naming it', () => {
    vi.stubGlobal('URL', PartialURL);
    expect(() => createAuthClient({ baseUrl: 'auth.test' })).toThrow(
      /baseUrl "auth.test" is not an absolute http\(s\) URL/,
    );
    expect(() => createAuthClient({ baseUrl: 'https://auth.test', apiOrigins: ['ftp://x.test'] })).toThrow(
      /apiOrigins entry "ftp:\/\/x.test"/,
    );
  });
});

describe('web and Node build where URL is partial: no URL is read, no token is sent', () => {
  const reactNativeBuild = [expect.stringMatching(/URL is partial.*"react-native" build/)];

  it('a baseUrl is a TypeError naming it, after a warning that names the react-native build', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubGlobal('URL', PartialURL);
    expect(() => createAuthClient({ baseUrl: 'https://auth.test' })).toThrow(
      new TypeError('keycard: baseUrl "https://auth.test" is not an absolute http(s) URL'),
    );
    // The first partial reading in this file (the React Native build's tests above read with their own reader).
    expect(warn.mock.calls).toEqual([reactNativeBuild]);
    warn.mockRestore();
  });

  it('the token goes only where the exact-prefix fast path needs no URL reading (5,000 cases)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const config = CONFIGS[1]!;
    const send = harness(config); // made while URL is whole: its list of origins is read
    vi.stubGlobal('URL', PartialURL);
    await fc.assert(
      fc.asyncProperty(urlString, fc.constantFrom<InputKind>('string', 'toString', 'url+toString'), async (s, kind) => {
        const input = make(kind, s, config.baseUrl);
        const attached = (await send(input)).authorization !== null;
        if (!attached) return true;
        // Only the exact-prefix fast path sends it: an allowed origin then `/`, `?`, `#` or the end, no parsing.
        const string = String(input);
        return (
          oracle(config, input).allowed &&
          allowList(config).some(
            (o) => typeof o === 'string' && string.startsWith(o) && '/?#'.includes(string.charAt(o.length)),
          )
        );
      }),
      { numRuns: 5_000 },
    );
    for (const path of [...ATTACK, '/api/me', '?q', 'https://auth.test.evil.example/x', 'HTTPS://API.TEST/x'])
      expect((await send(path)).authorization, path).toBeNull();
    expect((await send('https://api.test/x')).authorization).toBe('Bearer TOKEN');
    warn.mockRestore();
  });
});
