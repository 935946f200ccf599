// The React Native build's reading of http(s) URLs where the global `URL` is partial: React Native 0.74's throws
// from `origin`, `host`, `pathname`… and appends a slash to `href`; 0.88's reads the string with regular
// expressions, not as the standard does. This module reads them the way the standard does
// (https://url.spec.whatwg.org) when their host is a plain ASCII name or a dotted-decimal IPv4 address, and
// rejects the others (IDNA, percent-escapes, IPv6, other IPv4 forms), which only ever withholds the token.
// Punycode (`xn--`) names are kept as written, not validated. The web and Node build has partial-url.ts instead:
// there `URL` is complete, and this reader would only be weight (rollup.config.mjs picks the file per build).

import type { readPartial as web } from './partial-url';

/** An absolute http(s) URL: fields named and valued as `URL`'s (`port` '' for the default); the rest as written. */
export interface Parts {
  protocol: string;
  hostname: string;
  port: string;
  origin: string;
  /** Path (backslashes read as slashes), query and fragment, starting with `/`: `origin + rest` is the URL. */
  rest: string;
}

/** `input` resolved against `base` as `fetch` would, by this module alone: its parts when it is an http(s) URL. */
export function parse(input: string, base?: string): Parts | null {
  // Leading and trailing C0 controls and spaces go, and tabs and newlines anywhere. A run ending the string is
  // matched only from its start (the lookbehind; likewise a base's last segment below): tried from each position of
  // a long run inside the URL, /[\0- ]+$/ took quadratic time (2 s for 50,000 spaces).
  let s = input.replace(/^[\0- ]+|(?<![\0- ])[\0- ]+$/g, '').replace(/[\t\n\r]/g, '');
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
              : fixPath(/^[/\\]/.test(s) ? s : path.replace(/(?<=\/)[^/]*$/, '') + s),
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
 * `toURL` where `URL` is partial: an object with `URL`'s fields (its path, query and fragment as written, not
 * normalised; `href` with no slash appended), or null when `input` is no http(s) URL this module reads.
 */
export const readPartial: typeof web = (input, base) => {
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
};
