// URL-like inputs for the differential tests of src/url.ts and the origin policy (Node and Chromium share them):
// strings as an app might build them from user input, with the characters URL parsers read specially.
import fc from 'fast-check';
import { createAuthFetch } from '../src/fetch';
import { absolute, createOriginPolicy, type OriginRule } from '../src/origins';

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

export const HOSTS = [
  'auth.test',
  'AUTH.Test',
  'auth.test.',
  'api.test',
  'x.cdn.test',
  'evil.example',
  'auth.test.evil.example',
  'evil.example\\auth.test',
  'localhost',
  'LOCALHOST.',
  '127.0.0.1',
  '127.0.0.1.',
  '127.1',
  '0x7f.0.0.1',
  '0177.0.0.1',
  '2130706433',
  '127.0.0.256',
  '1.2.3.4.5',
  'a.1',
  'a.0x',
  '0xg',
  '[::1]',
  '[0:0::1]',
  '[::FFFF:127.0.0.1]',
  '[::1',
  '::1]',
  '[zz]',
  'xn--nxasmq6b.com',
  'XN--NXASMQ6B.com',
  'xn--',
  'xn--a-',
  'xn--zz.test',
  'ουτοπία.δπθ.gr',
  'ａｕｔｈ.test',
  'аuth.test',
  'bücher.example',
  'auth\u00ad.test',
  'auth\u3002test',
  'auth%2etest',
  'auth%2Etest',
  '%61uth.test',
  'auth%2ftest',
  'auth%5ctest',
  'auth%40evil.example',
  'a%zz',
  'a%',
  'auth%00.test',
  'auth%c3%a9.test',
  'auth%ef%bc%8e.test',
  'a..b',
  '.',
  '..',
  'a b',
  'a*b',
  'a_b.test',
  'a"b',
  'a{b}',
  'a^b',
  'a|b',
  '',
  'auth.test:',
];
const PORTS = [
  '',
  '',
  '',
  ':',
  ':443',
  ':80',
  ':0443',
  ':8443',
  ':8080',
  ':65535',
  ':65536',
  ':x',
  ':00000000000000443',
  ':1:2',
];
const USERINFO = ['', '', '', 'user@', 'user:pass@', 'a@b@', 'auth.test@', 'evil.example@', '@', ':@', 'u\\@'];
const SCHEMES = [
  '',
  '',
  '',
  'https:',
  'http:',
  'HTTPS:',
  'hTtP:',
  'javascript:',
  'data:',
  'blob:',
  'blob:https:',
  'file:',
  'ftp:',
  'ws:',
  'wss:',
  'mailto:',
  'a:',
  'x-y.z+w:',
];
const SLASHES = ['', '//', '//', '/', '\\\\', '/\\', '\\/', '///', '\\', '/\t/', '/\n/', '/\r/', '\t//', '/ /'];
const PATHS = [
  '',
  '/',
  '/x',
  '/api/items',
  '\\x',
  '/a/../b',
  '/%2f/evil.example',
  '/%5cevil.example',
  '?q=1',
  '#f',
  '/@evil.example',
  '/:80',
  '\\@evil.example',
  '/./x',
  '?//evil.example',
  '#//evil.example',
  '/\\evil.example',
];
const JUNK = ['', '', '', '', ' ', '\t', '\n', '\r', '\u0000', '\u001f', ' \u0001', '\u00a0'];
const RELATIVE = [
  '',
  'x',
  'api/items',
  '?q',
  '#h',
  '.',
  '..',
  '../x',
  './y',
  ':x',
  'auth.test',
  'a:b',
  '%2f%2fevil.example',
  '\\\\evil.example',
  '/\\evil.example/x',
  '/\t/evil.example/x',
  '/\r/evil.example/x',
  '/\n/evil.example/x',
  '/api',
  '//',
  '/',
];

/** A string fetch might be given: absolute, protocol-relative or relative, with tabs/newlines dropped anywhere. */
export const urlString: fc.Arbitrary<string> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          pick(...JUNK),
          pick(...SCHEMES),
          pick(...SLASHES),
          pick(...USERINFO),
          pick(...HOSTS),
          pick(...PORTS),
          pick(...PATHS),
          pick(...JUNK),
        )
        .map((p) => p.join('')),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(pick(...JUNK), pick(...SCHEMES), pick(...RELATIVE), pick(...JUNK)).map((p) => p.join('')),
    },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: pick(
          '/',
          '\\',
          ':',
          '@',
          '.',
          '?',
          '#',
          '%',
          '2',
          'f',
          '5',
          'c',
          'a',
          'h',
          't',
          'p',
          's',
          '\t',
          '\n',
          ' ',
          '[',
          ']',
        ),
        maxLength: 16,
      }),
    },
  )
  // A tab, CR or LF anywhere, a time in four: the URL parser removes them before reading anything.
  .chain((s) => fc.tuple(fc.constant(s), fc.nat(s.length), pick('', '', '', '\t', '\n', '\r')))
  .map(([s, i, c]) => s.slice(0, i) + c + s.slice(i));

/** What the app hands to `auth.fetch`; `make` builds it in the realm under test (a Request needs a base there). */
export type InputKind = 'string' | 'url' | 'request' | 'toString' | 'url+toString';
export const inputKind: fc.Arbitrary<InputKind> = fc.constantFrom(
  'string',
  'string',
  'string',
  'url',
  'request',
  'toString',
  'url+toString',
);

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
for (const getter of [
  'origin',
  'protocol',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
  'username',
  'password',
  'searchParams',
]) {
  Object.defineProperty(PartialURL.prototype, getter, {
    get() {
      throw new Error(`URL.${getter} is not implemented`);
    },
  });
}

/**
 * `auth.fetch`'s URL handling and allow-list over a fetch that records what it was given (token 'TOKEN' always
 * valid): what the differential tests in Node (origins.property.test.ts) and Chromium (origins.browser.ts) judge.
 */
export function recordingAuthFetch(rule: OriginRule | undefined, baseUrl: string) {
  let sent: { input: unknown; authorization: string | null } | undefined;
  const ok = new Response(null); // never read: one will do
  const authFetch = createAuthFetch({
    fetch: () => async (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = init?.headers;
      sent = {
        input,
        authorization:
          headers instanceof Headers
            ? headers.get('authorization')
            : ((headers as Record<string, string> | undefined)?.Authorization ?? null),
      };
      return ok;
    },
    allowed: createOriginPolicy(rule, baseUrl),
    tokenNow: () => 'TOKEN',
    waitForToken: async () => 'TOKEN',
    tokenAfter401: async () => null,
    onReplay: () => {},
    absolute: (input) => absolute(input, baseUrl),
  });
  return async (input: unknown) => {
    sent = undefined;
    await authFetch(input as RequestInfo);
    return sent!;
  };
}
