import { inBrowser, pageOrigin, warnOnce } from './env';
import { toURL } from './url';

export type OriginRule = Array<string | RegExp> | ((url: URL) => boolean);

const warnIfPlainHttp = (origin: string) => {
  if (/^http:\/\/(?!(localhost|127(\.\d+){3}|\[::1\])(:\d+)?$)/.test(origin)) {
    warnOnce(`${origin} is plain http: tokens sent there can be read on the network; use https`);
  }
};

/** The origin of an http(s) URL the user gave, or a TypeError naming it. */
function checked(value: string, what: string): string {
  const origin = toURL(value)?.origin;
  if (!origin) throw new TypeError(`keycard: ${what} "${value}" is not an absolute http(s) URL`);
  warnIfPlainHttp(origin);
  return origin;
}

/**
 * What `fetch` gets for a string: in a browser the string itself (the page resolves it); elsewhere, a relative
 * one resolved against `baseUrl` (Node's fetch refuses it, React Native's resolves nothing).
 */
export const absolute = (input: string, baseUrl: string): string =>
  // `scheme://…` reads the same with or without a base: no need to resolve (the common case, kept fast).
  inBrowser() || /^[a-z][a-z\d+.-]*:\/\//i.test(input) ? input : (toURL(input, baseUrl)?.href ?? input);

/**
 * Decides which URLs may receive the token: the one `fetch` will contact for this string (see {@link absolute}),
 * resolved as the URL standard does (`/\evil.example` is protocol-relative). Default: `baseUrl`'s origin and,
 * in a browser, the page's own; `apiOrigins` replaces that list.
 */
export function createOriginPolicy(rule: OriginRule | undefined, baseUrl: string) {
  const base = checked(baseUrl, 'baseUrl');
  // In a browser fetch resolves against the document's base URL (a <base> element moves it off the page).
  const against = () => (inBrowser() ? document.baseURI : baseUrl);
  if (typeof rule === 'function')
    return (url: string): boolean => {
      const parsed = toURL(url, against());
      return parsed !== null && rule(parsed) === true;
    };
  const page = pageOrigin();
  const strings: string[] = [];
  const patterns: RegExp[] = [];
  // The defaults are checked too: the page gets the token by default, and is warned about if it is plain http. A rule
  // that is no array (a bare string, a Set) fails as a bad entry would (`null`), not on keycard's internals.
  for (const r of Array.isArray(rule) ? rule : rule ? [null] : page ? [base, page] : [base])
    if (r instanceof RegExp) patterns.push(r);
    else if (typeof r === 'string') strings.push(checked(r, 'apiOrigins entry'));
    else throw new TypeError('keycard: apiOrigins must be a function or an array of origin strings and RegExps');

  return (url: string): boolean => {
    // Fast path (every `auth.fetch` of an absolute URL): the exact origin then `/`, `?`, `#` or the end.
    // (At the end `charAt` is '', which every string includes.)
    for (const origin of strings) if (url.startsWith(origin) && '/?#'.includes(url.charAt(origin.length))) return true;
    const origin = toURL(url, against())?.origin;
    return !!origin && (strings.includes(origin) || patterns.some((p) => ((p.lastIndex = 0), p.test(origin!))));
  };
}
