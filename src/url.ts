// Where an http(s) request really goes, without WHATWG `URL` getters where they are broken: React Native
// 0.74's `URL` throws from `origin`, `host`, `pathname`… and appends a slash to `href`. Where the global
// `URL` is complete (browsers, Node, newer React Native) it is the parser; elsewhere this module reads URLs
// the way the standard does (https://url.spec.whatwg.org) when their host is a plain ASCII name or a
// dotted-decimal IPv4 address, and rejects the others (IDNA, percent-escapes, IPv6, other IPv4 forms), which
// only ever withholds the token. Punycode (`xn--`) names are kept as written, not validated.

/** An absolute http(s) URL: fields named and valued as `URL`'s (`port` '' for the default); the rest as written. */
export interface Parts {
  protocol: string;
  hostname: string;
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
      complete = new U('b', 'http://a/').origin === 'http://a';
    } catch {
      complete = false;
    }
  }
  return complete;
}

/** `input` resolved against `base` as `fetch` would, by this module alone: its parts when it is an http(s) URL. */
export function parse(input: string, base?: string): Parts | null {
  // Leading and trailing C0 controls and spaces go, and tabs and newlines anywhere.
  let s = input.replace(/^[\0- ]+|[\0- ]+$/g, '').replace(/[\t\n\r]/g, '');
  let protocol = (/^[a-z][a-z\d+.-]*:/i.exec(s)?.[0] ?? '').toLowerCase();
  // A base this module can't read (it only ever is one a complete URL reads) leaves nothing readable.
  const b = base === undefined ? base : parse(base);
  if (b === null) return null;
  s = s.slice(protocol.length);
  if (protocol && protocol !== b?.protocol) {
    if (!/^https?:$/.test(protocol)) return null;
  } else {
    // No scheme, or the base's (`https:x` against an https base is relative): relative to the base unless it
    // starts with two slashes, either way round (`//host`, `\\host`, `/\host`: protocol-relative).
    if (!b) return null;
    if (!/^[/\\]{2}/.test(s)) {
      const path = b.rest.replace(/[?#][\s\S]*/, '');
      return {
        ...b,
        rest:
          s[0] === '?'
            ? path + s
            : !s || s[0] === '#'
              ? b.rest.replace(/#[\s\S]*/, '') + s
              : fixPath(/^[/\\]/.test(s) ? s : path.replace(/[^/]*$/, '') + s),
      };
    }
    protocol = b.protocol;
  }
  // Slashes, then the authority up to `/`, `\`, `?` or `#`: the host follows its last `@`; the port is digits.
  const m = /^[/\\]*([^/\\?#]*@)?([^:/\\?#@]*)(?::(\d*))?([/\\?#][\s\S]*)?$/.exec(s);
  const host = m?.[2]?.toLowerCase();
  // Only plain ASCII names and dotted-decimal IPv4 (a name ending in a number is an IPv4 address) are read here:
  // IDNA, percent-escapes, IPv6 and other IPv4 forms are left to a complete `URL`.
  if (
    !host ||
    +m![3]! > 65535 ||
    /[^\w.-]/.test(host) ||
    (/(^|\.)(\d+|0x[\da-f]*)\.?$/.test(host) && !/^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.\b|$)){4}$/.test(host))
  )
    return null;
  const port = m![3] && +m![3] !== (protocol === 'https:' ? 443 : 80) ? `:${+m![3]}` : '';
  return {
    protocol,
    hostname: host,
    port: port.slice(1),
    origin: `${protocol}//${host}${port}`,
    rest: fixPath(m![4] ?? ''),
  };
}

/** A special URL's path reads `\` as `/` and is never empty. */
const fixPath = (rest: string) => rest.replace(/^[^?#]*/, (path) => path.replace(/\\/g, '/').replace(/^\/?/, '/'));

/**
 * `new URL(input, base)` when it is an http(s) URL, else null. Where the platform's `URL` is partial, an object
 * with the same fields (its path, query and fragment as written, not normalised; `href` with no slash appended).
 */
export function toURL(input: string, base?: string): URL | null {
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
  const [, pathname, search, hash] = /([^?#]*)(\?[^#]*|)([\s\S]*)/.exec(p.rest)!;
  return {
    ...p,
    href,
    host: p.origin.slice(p.protocol.length + 2),
    pathname,
    search: search!.length > 1 ? search : '',
    hash: hash!.length > 1 ? hash : '',
    toString: () => href,
  } as unknown as URL;
}
