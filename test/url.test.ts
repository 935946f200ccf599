// src/url.ts against Node's URL (Ada, a WHATWG-conformant parser): where the module answers by itself, its
// origin is the standard's; where it can't tell, the platform answers; with a partial platform URL (React
// Native 0.74's, simulated), its answers still send nothing elsewhere and resolve to the same URL.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { originOf, parse, resolve, toURL, urlWorks } from '../src/url';
import { urlString } from './url-cases';

const NodeURL = URL;
const BASES = ['https://auth.test', 'https://auth.test/base/page?q=1#h', 'http://127.0.0.1:8080/app/', 'https://[::1]:8443/', 'https://xn--nxasmq6b.com/x', 'file:///tmp/x', 'about:blank'];

/** The standard's answer: the origin of `input` resolved against `base`, when it is http(s). */
function standard(input: string, base?: string): URL | null {
  try {
    const url = new NodeURL(input, base);
    return /^https?:$/.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

/** React Native 0.74's URL, as far as keycard could touch it: getters throw, `href` gains a slash. */
export class PartialURL {
  _url: string;
  constructor(url: string, base?: string | PartialURL) {
    if (base === undefined || /^[a-z][a-z\d+.-]*:\/\//i.test(url)) this._url = url.endsWith('/') ? url : `${url}/`;
    else this._url = String(base).replace(/\/$/, '') + (url.startsWith('/') ? url : `/${url}`);
  }
  get href() {
    return this._url;
  }
  toString() {
    return this._url;
  }
}
for (const getter of ['origin', 'protocol', 'host', 'hostname', 'port', 'pathname', 'search', 'hash', 'username', 'password', 'searchParams']) {
  Object.defineProperty(PartialURL.prototype, getter, {
    get() {
      throw new Error(`URL.${getter} is not implemented`);
    },
  });
}

afterEach(() => vi.unstubAllGlobals());

/** The URL without its user and password (keycard resolves to where fetch goes; credentials are not its concern). */
function bare(url: URL): string {
  const copy = new NodeURL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

describe('src/url.ts', () => {
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
    ['https://auth.test%2fevil.example', null],
    ['https://auth.test:65536', null],
    ['https://auth.test:8x', null],
    ['https://user@', null],
    ['javascript:alert(1)', null],
    ['blob:https://auth.test/uuid', null],
    ['data:text/plain,x', null],
    ['/x', 'https://auth.test'],
    ['?q', 'https://auth.test'],
    ['', 'https://auth.test'],
  ])('%j → %s', (input, origin) => {
    expect(originOf(input, 'https://auth.test/base')).toBe(origin);
    expect(standard(input, 'https://auth.test/base')?.origin ?? null).toBe(origin);
  });

  it('resolves endpoints as new URL(path, base).href does, with no slash appended', () => {
    expect(resolve('/auth/login', 'https://a.example')).toBe('https://a.example/auth/login');
    expect(resolve('https://b.example/token', 'https://a.example')).toBe('https://b.example/token');
    expect(resolve('mailto:x', 'https://a.example')).toBeNull();
  });

  it('probes the platform URL at call time, once per URL class', () => {
    expect(urlWorks()).toBe(true);
    vi.stubGlobal('URL', PartialURL);
    expect(urlWorks()).toBe(false);
    vi.stubGlobal('URL', undefined);
    expect(urlWorks()).toBe(false);
    vi.unstubAllGlobals();
    expect(urlWorks()).toBe(true);
  });

  it('where it answers by itself, its origin is the standard one (100,000 cases)', () => {
    let own = 0;
    fc.assert(
      fc.property(urlString, fc.constantFrom(...BASES, undefined), (input, base) => {
        // Plain comparisons, not expect(): this runs 100,000 times (fast-check prints the failing input).
        const parts = parse(input, base);
        const expected = standard(input, base);
        if (parts !== undefined) {
          own++;
          if ((parts?.origin ?? null) !== (expected?.origin ?? null)) return false;
          // The rest is what fetch would re-read: same path, query and fragment.
          if (parts && expected && new NodeURL(parts.origin + parts.rest).href !== bare(expected)) return false;
        }
        return originOf(input, base) === (expected?.origin ?? null);
      }),
      { numRuns: 100_000 },
    );
    expect(own).toBeGreaterThan(60_000); // the platform is asked only for the odd hosts
  });

  it('with a partial platform URL it never names an origin the standard does not, and resolves to the same URL', () => {
    vi.stubGlobal('URL', PartialURL);
    let withheld = 0;
    fc.assert(
      fc.property(urlString, fc.constantFrom(...BASES.slice(0, 4)), (input, base) => {
        const parts = parse(input, base);
        const expected = standard(input, base);
        expect(parts).not.toBeUndefined();
        if (!parts) {
          // Withheld only where a faithful answer needs IDNA or an IPv4 form other than dotted decimal.
          if (expected) {
            withheld++;
            expect(/[^\0-\x7f]|%/.test(input) || /^\d+\.\d+\.\d+\.\d+$/.test(expected.hostname) || expected.hostname.startsWith('xn--'), `${JSON.stringify(input)} withheld`).toBe(true);
          }
          return;
        }
        // Punycode is not validated without the platform: a broken `xn--` name is kept, and can equal no
        // allowed origin (those are checked the same way and come from valid names).
        if (!expected && /(^|\.)xn--/.test(parts.host)) return;
        expect(expected, JSON.stringify(input)).not.toBeNull();
        // An IPv6 literal is kept as written: the same address as the standard's compressed form.
        expect(new NodeURL(parts.origin).origin).toBe(expected!.origin);
        expect(new NodeURL(resolve(input, base)!).href).toBe(bare(expected!));
        const url = toURL(input, base)!;
        expect({ href: new NodeURL(url.href).href, protocol: url.protocol, hostname: new NodeURL(url.href).hostname, port: url.port, origin: new NodeURL(url.origin).origin }).toEqual({
          href: bare(expected!),
          protocol: expected!.protocol,
          hostname: expected!.hostname,
          port: expected!.port,
          origin: expected!.origin,
        });
        expect(String(url)).toBe(url.href);
      }),
      { numRuns: 20_000 },
    );
    expect(withheld).toBeLessThan(20_000 * 0.2);
  });
});
