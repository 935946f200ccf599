// Where an http(s) request really goes, read the way the URL standard reads it (https://url.spec.whatwg.org),
// without WHATWG `URL` getters: React Native 0.74's `URL` throws from `origin`, `host`, `pathname`…
// and appends a slash to `href`. Hosts that need more than ASCII lower-casing (IDNA, IPv6, odd IPv4 forms,
// percent-escapes) are left to the platform's `URL` where it is complete; where it is not, such a host is
// judged as written when it is plainly an address (IPv6, punycode) and rejected otherwise, which only ever
// withholds the token.

/** An absolute http(s) URL: canonical host, port ('' for the default) and origin; the rest as written. */
export interface Parts {
  scheme: string;
  host: string;
  port: string;
  origin: string;
  /** Path (backslashes read as slashes), query and fragment, starting with `/`: `origin + rest` is the URL. */
  rest: string;
}

let probed: unknown;
let complete = false;

/** Whether the global `URL` parses by the standard; asked once per `URL` class, at the first call that needs it. */
export function urlWorks(): boolean {
  const U = globalThis.URL;
  if (U !== probed) {
    probed = U;
    try {
      const u = new U('b', 'http://a/');
      complete = u.origin === 'http://a' && u.href === 'http://a/b';
    } catch {
      complete = false;
    }
  }
  return complete;
}

/** "Can't tell here": ask the platform when it can answer (undefined), else the best guess. */
const unsure = <T>(guess: T): T | undefined => (urlWorks() ? undefined : guess);

function hostOf(authority: string, scheme: string): [string, string] | null | undefined {
  // The host follows the last `@`; a `:` outside brackets starts the port, which is digits only.
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(authority.lastIndexOf('@') + 1));
  if (!m || !m[1] || +m[2]! > 65535) return null;
  const port = m[2] && +m[2] !== (scheme === 'https' ? 443 : 80) ? `${+m[2]}` : '';
  let host = m[1];
  if (host[0] === '[') return unsure(/^\[[\da-f:.]+\]$/i.test(host) ? [host.toLowerCase(), port] : null);
  if (/[^\w.-]/.test(host)) {
    // IDNA or percent-escapes: the platform knows. Without one, an ASCII name decoded from escapes is kept.
    if (urlWorks()) return undefined;
    try {
      host = decodeURIComponent(host);
    } catch {
      return null;
    }
    if (/[^\x21-\x7e]|[#%/:<>?@[\\\]^|]/.test(host)) return null;
  }
  host = host.toLowerCase();
  // A name ending in a number is an IPv4 address: only the dotted-decimal form is read here.
  if (/(^|\.)(\d+|0x[\da-f]*)\.?$/.test(host)) {
    host = host.replace(/\.$/, '');
    if (!/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.|$)){4}$/.test(host)) return unsure(null);
  }
  return /(^|\.)xn--/.test(host) ? unsure([host, port]) : [host, port];
}

let lastBase: string | undefined;
let lastParts: Parts | null | undefined;
let lastURL: unknown;

/**
 * `input` resolved against `base` as `fetch` would: its parts when it is an http(s) URL, null when it is not
 * (another scheme, or not a URL at all), undefined when only the platform's `URL` can tell (see {@link urlWorks}).
 */
export function parse(input: string, base?: string): Parts | null | undefined {
  // Leading and trailing C0 controls and spaces go, and tabs and newlines anywhere.
  let s = input.replace(/^[\0- ]+|[\0- ]+$/g, '').replace(/[\t\n\r]/g, '');
  const m = /^([a-z][a-z\d+.-]*):/i.exec(s);
  let scheme = m ? m[1]!.toLowerCase() : '';
  let b: Parts | null | undefined = null;
  if (base !== undefined) {
    // The base is the same string call after call (the page, or baseUrl): parsed once.
    if (base !== lastBase || lastParts === undefined || lastURL !== globalThis.URL) {
      lastBase = base;
      lastURL = globalThis.URL;
      lastParts = parse(base);
    }
    if ((b = lastParts) === undefined) return undefined;
  }
  if (m) s = s.slice(m[0].length);
  if (m && scheme !== b?.scheme) {
    if (!/^https?$/.test(scheme)) return null;
    s = s.replace(/^[/\\]*/, '');
  } else {
    // No scheme, or the base's (special schemes resolve `https:x` against an https base): relative.
    if (!b) return null;
    if (!/^[/\\]{2}/.test(s)) {
      const path = b.rest.replace(/[?#].*/, '');
      return {
        ...b,
        rest: /^[/\\]/.test(s) ? fixPath(s) : s[0] === '?' ? path + s : !s || s[0] === '#' ? b.rest.replace(/#.*/, '') + s : fixPath(path.replace(/[^/]*$/, '') + s),
      };
    }
    // `//host`, `\\host`, `/\host`…: protocol-relative.
    scheme = b.scheme;
    s = s.replace(/^[/\\]+/, '');
  }
  const end = s.search(/[/\\?#]/);
  const host = hostOf(end < 0 ? s : s.slice(0, end), scheme);
  if (!host) return host;
  return { scheme, host: host[0], port: host[1], origin: `${scheme}://${host[0]}${host[1] && ':'}${host[1]}`, rest: fixPath(end < 0 ? '' : s.slice(end)) };
}

/** A special URL's path reads `\` as `/` and is never empty. */
const fixPath = (rest: string) => rest.replace(/^[^?#]*/, (path) => `/${path.replace(/\\/g, '/').replace(/^\//, '')}`);

/** The origin `fetch` contacts for `input` against `base`, or null when it is no http(s) URL. */
export function originOf(input: string, base?: string): string | null {
  const parts = parse(input, base);
  if (parts !== undefined) return parts && parts.origin;
  try {
    const url = new URL(input, base);
    return /^https?:$/.test(url.protocol) ? url.origin : null;
  } catch {
    return null;
  }
}

/** `new URL(input, base).href` for an http(s) URL (no slash appended), null for anything else. */
export function resolve(input: string, base: string): string | null {
  const parts = urlWorks() ? undefined : parse(input, base);
  if (parts !== undefined) return parts && parts.origin + parts.rest;
  try {
    const url = new URL(input, base);
    return /^https?:$/.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A `URL` for an http(s) `input`, else null. Where the platform's `URL` is partial, an object with the same
 * fields (its path, query and fragment as written, not normalised).
 */
export function toURL(input: string, base: string): URL | null {
  if (urlWorks()) {
    try {
      const url = new URL(input, base);
      return /^https?:$/.test(url.protocol) ? url : null;
    } catch {
      return null;
    }
  }
  const p = parse(input, base);
  if (!p) return null;
  const href = p.origin + p.rest;
  const [, pathname, search, hash] = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(p.rest)!;
  const host = p.origin.slice(p.scheme.length + 3);
  return {
    href,
    origin: p.origin,
    protocol: `${p.scheme}:`,
    host,
    hostname: p.host,
    port: p.port,
    pathname,
    search: search && search.length > 1 ? search : '',
    hash: hash && hash.length > 1 ? hash : '',
    username: '',
    password: '',
    toString: () => href,
  } as unknown as URL;
}
