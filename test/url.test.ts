// src/url.ts and React Native's reader (src/partial-url.native.ts) against Node's URL (Ada, a WHATWG-conformant
// parser): the reader, used by the React Native build where the platform URL is partial (as React Native 0.74's),
// names the standard's origin and URL, or nothing (then the token is withheld) only for hosts it does not read
// (IDNA, escapes, IPv6, IPv4 other than dotted decimal). The web and Node build reads nothing where URL is partial.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse, readPartial } from '../src/partial-url.native';
import { toURL, urlWorks } from '../src/url';
import { PartialURL, urlString } from './url-cases';

const NodeURL = URL;
const BASES = [
  'https://auth.test',
  'https://auth.test/base/page?q=1#h',
  'http://127.0.0.1:8080/app/',
  'https://[::1]:8443/',
  'https://xn--nxasmq6b.com/x',
  'file:///tmp/x',
  'about:blank',
];

/** The standard's answer: the origin of `input` resolved against `base`, when it is http(s). */
function standard(input: string, base?: string): URL | null {
  try {
    const url = new NodeURL(input, base);
    return /^https?:$/.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

/**
 * Removes dot segments as the standard does, before Node's URL reads a path: Node 20's Ada leaves some in an
 * absolute URL (`https://a/b/.h/.` stays as is) that it removes when resolving the same path as relative input.
 */
function dots(rest: string): string {
  const [, path, tail] = /^([^?#]*)([\s\S]*)$/.exec(rest)!;
  const segments = path!.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const single = /^(\.|%2e)$/i.test(segment);
    const double = /^(\.|%2e){2}$/i.test(segment);
    if (double) out.pop();
    if (!single && !double) out.push(segment);
    else if (i === segments.length - 1) out.push('');
  });
  return `/${out.join('/')}${tail}`;
}

/**
 * A host this module leaves to a complete platform URL: non-ASCII or escaped, IPv6 or with other characters
 * than letters, digits, `.`, `-` and `_`, or IPv4 written otherwise
 * than in dotted decimal (whose canonical form it must read).
 */
function unread(input: string, base: string | undefined, expected: URL): boolean {
  return (
    (base !== undefined && !parse(base)) ||
    /[^\0-\x7f]|%/.test(input) ||
    /[^\w.-]/.test(expected.hostname) ||
    (/^[\d.]+$/.test(expected.hostname) && parse(expected.href)?.origin === expected.origin)
  );
}

/** Punycode is not validated: a broken `xn--` name is kept, and equals no allowed origin (those come from valid ones). */
const brokenPunycode = (parts: { hostname: string }, expected: URL | null) => !expected && /xn--/.test(parts.hostname);

afterEach(() => vi.unstubAllGlobals());

/** The URL without its user and password (keycard resolves to where fetch goes; credentials are not its concern). */
function bare(url: URL): string {
  const copy = new NodeURL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

describe("React Native's reader (src/partial-url.native.ts)", () => {
  it.each([
    ['/\\evil.example/x', 'https://evil.example'],
    ['/\t/evil.example/x', 'https://evil.example'],
    ['/\r/evil.example/x', 'https://evil.example'],
    ['/\n/evil.example/x', 'https://evil.example'],
    ['\\\\evil.example', 'https://evil.example'],
    [' //evil.example', 'https://evil.example'],
    ['https:\\\\evil.example', 'https://evil.example'],
    ['https:x', 'https://auth.test'],
    ['http:evil.example', 'http://evil.example'],
    ['HTTPS://AUTH.TEST:443/a', 'https://auth.test'],
    ['https://auth.test.:443', 'https://auth.test.'],
    ['https://a@b@evil.example:8443/x', 'https://evil.example:8443'],
    ['https://auth.test\\@evil.example', 'https://auth.test'],
    ['https://127.0.0.1:0443', 'https://127.0.0.1'],
    ['https://127.0.0.1.', null], // not read here (the standard drops the dot)
    ['https://auth.test%2fevil.example', null],
    ['https://auth.test:65536', null],
    ['https://auth.test:8x', null],
    ['https://user@', null],
    ['https://1.2.3', null], // not read here (the standard says 1.2.0.3)
    ['https://xn--nxasmq6b.com', 'https://xn--nxasmq6b.com'],
    ['javascript:alert(1)', null],
    ['blob:https://auth.test/uuid', null],
    ['data:text/plain,x', null],
    ['/x', 'https://auth.test'],
    ['?q', 'https://auth.test'],
    ['', 'https://auth.test'],
  ])('%j → %s', (input, origin) => {
    expect(parse(input, 'https://auth.test/base')?.origin ?? null).toBe(origin);
    if (origin) expect(standard(input, 'https://auth.test/base')?.origin).toBe(origin);
  });

  // Hostile lengths: a run of spaces or tabs inside a URL (a query built from what a user typed) took the trimming
  // regex /[\0- ]+$/ quadratic time, 2 s for 50,000 and minutes at this length, on React Native's one JS thread;
  // a base whose last segment is long, likewise. Linear now: this test fails by the suite's timeout on the old code.
  it.each([
    ['400,000 spaces inside', `https://api.test/search?q=${' '.repeat(400_000)}x`, undefined],
    ['400,000 tabs inside', `/search?q=${'\t'.repeat(400_000)}x`, 'https://api.test/a/'],
    ["a base's last segment of 400,000 characters", 'x', `https://api.test/${'a'.repeat(400_000)}/`],
  ])('reads a URL with %s as the standard does', (_, input, base) => {
    const expected = standard(input, base)!;
    const url = readPartial(input, base)!;
    expect(url.origin).toBe(expected.origin);
    expect(new NodeURL(url.href).href).toBe(expected.href);
  });

  it('resolves endpoints as new URL(path, base).href does, with no slash appended, as the whole URL does', () => {
    for (const read of [toURL, readPartial]) {
      expect(read('/auth/login', 'https://a.example')?.href).toBe('https://a.example/auth/login');
      expect(read('https://b.example/token', 'https://a.example')?.href).toBe('https://b.example/token');
      expect(read('https://b.example', 'https://a.example')?.href).toBe('https://b.example/');
      expect(read('mailto:x', 'https://a.example')).toBeNull();
    }
  });

  it('its own reading is the standard one, or none for the hosts it leaves to the platform (100,000 cases)', () => {
    let own = 0;
    fc.assert(
      fc.property(urlString, fc.constantFrom(...BASES, undefined), (input, base) => {
        // Plain comparisons, not expect(): this runs 100,000 times (fast-check prints the failing input).
        const parts = parse(input, base);
        const expected = standard(input, base);
        if (!parts) return !expected || unread(input, base, expected);
        own++;
        if (brokenPunycode(parts, expected)) return true;
        return (
          !!expected &&
          parts.origin === expected.origin &&
          new NodeURL(parts.origin + dots(parts.rest)).href === bare(expected)
        );
      }),
      { numRuns: 100_000 },
    );
    expect(own).toBeGreaterThan(15_000); // an http(s) URL it reads itself, not just a refusal
  });

  it('its URL-like object has the same fields as the standard, or is null (20,000 cases)', () => {
    let withheld = 0;
    fc.assert(
      fc.property(urlString, fc.constantFrom(...BASES.slice(0, 4)), (input, base) => {
        const url = readPartial(input, base);
        const expected = standard(input, base);
        if (!url) {
          if (expected) withheld++;
          return !expected || unread(input, base, expected);
        }
        if (brokenPunycode(url, expected)) return true;
        if (!expected || String(url) !== url.href) return false;
        const fields = [
          'href',
          'origin',
          'protocol',
          'host',
          'hostname',
          'port',
          'pathname',
          'search',
          'hash',
        ] as const;
        // The path is as written, not normalised: compare it as fetch would send it (re-read by the standard).
        const sent = new NodeURL(url.origin + dots(url.href.slice(url.origin.length)));
        return fields.every((f) =>
          f === 'href'
            ? bare(sent) === bare(expected)
            : ['pathname', 'search', 'hash'].includes(f)
              ? sent[f] === expected[f]
              : url[f] === expected[f],
        );
      }),
      { numRuns: 20_000 },
    );
    expect(withheld).toBeLessThan(20_000 * 0.2);
  });
});

describe('src/url.ts (the web and Node build)', () => {
  it('probes the platform URL at call time, once per URL class', () => {
    expect(urlWorks()).toBe(true);
    vi.stubGlobal('URL', PartialURL);
    expect(urlWorks()).toBe(false);
    vi.stubGlobal('URL', undefined);
    expect(urlWorks()).toBe(false);
    vi.unstubAllGlobals();
    expect(urlWorks()).toBe(true);
  });

  it('reads nothing where URL is partial, and says once to use the react-native build', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(toURL('https://a.example/x')?.href).toBe('https://a.example/x');
      expect(warn).not.toHaveBeenCalled();
      vi.stubGlobal('URL', PartialURL);
      expect(toURL('https://a.example/x')).toBeNull();
      expect(toURL('/x', 'https://a.example')).toBeNull();
      expect(warn.mock.calls).toEqual([[expect.stringMatching(/URL is partial.*"react-native" build/)]]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('the built cores (dist/, built by `npm test` before vitest): rollup picks the reader per build', () => {
  const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
  type Core = typeof import('../src/index');
  const load = async (file: string): Promise<Core> =>
    file.endsWith('.cjs') ? createRequire(import.meta.url)(dist(file)) : import(/* @vite-ignore */ dist(file));

  it.each([
    ['index.native.mjs', true],
    ['index.native.cjs', true],
    ['index.mjs', false],
    ['index.cjs', false],
  ])('%s with a partial URL reads baseUrl: %s', async (file, reads) => {
    const { createAuthClient } = await load(file);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubGlobal('URL', PartialURL);
    try {
      const make = () => createAuthClient({ baseUrl: 'https://auth.test/base', channel: false }).dispose();
      if (reads) expect(make).not.toThrow();
      else expect(make).toThrow(TypeError);
      expect(warn).toHaveBeenCalledTimes(reads ? 0 : 1);
    } finally {
      warn.mockRestore();
    }
  });
});
