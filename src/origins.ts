import { inBrowser, pageOrigin, warnOnce } from './env';

export type OriginRule = Array<string | RegExp> | ((url: URL) => boolean);

const LOCAL = /^(localhost|127(\.\d+){3}|\[::1\])$/;

const warnIfPlainHttp = (url: URL) => {
  if (url.protocol === 'http:' && !LOCAL.test(url.hostname)) {
    warnOnce(`${url.origin} is plain http: tokens sent there can be read on the network; use https`);
  }
};

/** The origin of a string the user gave, or a TypeError naming it. */
function originOf(value: string, what: string): string {
  try {
    const url = new URL(value);
    warnIfPlainHttp(url);
    return url.origin;
  } catch {
    throw new TypeError(`keycard: ${what} "${value}" is not an absolute URL`);
  }
}

/** A request input resolved to where it will really go: `{ url, href }`, or null when it can't be parsed. */
export function resolveUrl(input: string | URL, baseUrl: string): URL | null {
  try {
    return new URL(input, inBrowser() ? location.href : baseUrl);
  } catch {
    return null;
  }
}

/**
 * Decides which URLs may receive the token. Default: `baseUrl`'s origin and,
 * in a browser, the page's own; `apiOrigins` replaces that list. The common
 * case (an absolute or root-relative string against a string list) is
 * answered without parsing a URL, since it runs on every `auth.fetch`.
 */
export function createOriginPolicy(rule: OriginRule | undefined, baseUrl: string) {
  const base = originOf(baseUrl, 'baseUrl');
  if (typeof rule === 'function') return (url: string | URL): boolean => {
    const parsed = typeof url === 'string' ? resolveUrl(url, baseUrl) : url;
    return parsed !== null && rule(parsed) === true;
  };
  const page = pageOrigin();
  if (page && !rule) warnIfPlainHttp(new URL(page)); // the page gets the token by default too
  const strings = rule ? rule.filter((r): r is string => typeof r === 'string').map((r) => originOf(r, 'apiOrigins entry')) : page ? [base, page] : [base];
  const patterns = rule ? rule.filter((r): r is RegExp => r instanceof RegExp) : [];

  const byOrigin = (origin: string) => strings.includes(origin) || patterns.some((p) => (p.lastIndex = 0, p.test(origin)));

  return (url: string | URL): boolean => {
    if (typeof url === 'string') {
      if (url.charCodeAt(0) === 47 /* / */ && url.charCodeAt(1) !== 47 && inBrowser()) {
        const here = pageOrigin();
        if (here !== null) return byOrigin(here);
      }
      for (const origin of strings) {
        if (url.startsWith(origin)) {
          // The next character must end the origin, or "https://api.x.com.evil.com" would pass.
          const next = url.charCodeAt(origin.length);
          if (Number.isNaN(next) || next === 47 || next === 63 || next === 35) return true;
        }
      }
    }
    const parsed = typeof url === 'string' ? resolveUrl(url, baseUrl) : url;
    return parsed !== null && byOrigin(parsed.origin);
  };
}
