/**
 * A browser cookie jar for the one refresh-token cookie, emulated so cookie
 * mode behaves in Node tests as it does in a browser.
 *
 * Why not msw's own cookie store: in Node (msw 2.15) it replays a stored
 * `Set-Cookie` to every later request for the URL whatever its `credentials`
 * (even `'omit'`), never forgets it (one store per process, shared by all
 * tests), and appends the attributes (`Path`, `Secure`...) to the `Cookie`
 * header. So the mock server answers with plain `Response`s, which msw does
 * not record, and keeps its own jar: one value, stored from a response and
 * sent back only when the request's `credentials` would let a browser do so
 * (`'include'`, or `'same-origin'` on the page's own origin; with msw 3 in Node,
 * which can't tell, any request).
 *
 * @example
 * const jar = createCookieJar('keycard_rt', 'https://auth.test', '/auth');
 * jar.store(request, token);   // after a login or refresh response
 * jar.read(nextRequest);       // the token, if that request carries cookies
 */
export function createCookieJar(name: string, origin: string, path: string) {
  let value: string | null = null;

  const withCredentials = (request: Request): boolean =>
    request.credentials === 'include' ||
    (request.credentials !== 'omit' &&
      // 'same-origin' (fetch's default) counts on a page of the same origin (jsdom, happy-dom, a browser)...
      ((typeof location !== 'undefined' && location.origin === new URL(request.url).origin) ||
        // ...and where msw can't say: msw 3 in Node intercepts on the wire and rebuilds the request from it, its
        // `credentials` always 'same-origin'. Node's fetch put Sec-Fetch-Mode there; msw 2 hands over the caller's
        // own Request, and a browser adds it only after a service worker saw it. Lenient, not strict: a rebuilt
        // request is taken to carry the cookie, as a page on the auth server's own origin would send it.
        request.headers.has('sec-fetch-mode')));

  const inScope = (url: URL): boolean =>
    url.origin === origin && (path === '/' || url.pathname === path || url.pathname.startsWith(`${path}/`));

  return {
    /** The `Set-Cookie` header value that sets (or, with null, deletes) the cookie. */
    setCookie(token: string | null): string {
      const attributes = `HttpOnly; Secure; SameSite=Strict; Path=${path}`;
      return token === null ? `${name}=; Max-Age=0; ${attributes}` : `${name}=${token}; ${attributes}`;
    },

    /** Records a `Set-Cookie` the server sends in answer to `request`, as a browser would. */
    store(request: Request, token: string | null): void {
      if (withCredentials(request)) value = token;
    },

    /** The cookie `request` carries: an explicit `Cookie` header (possible in Node) wins over the jar. */
    read(request: Request): string | null {
      const header = request.headers.get('cookie') ?? '';
      const explicit = new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(header)?.[1];
      if (explicit) return decodeURIComponent(explicit);
      return withCredentials(request) && inScope(new URL(request.url)) ? value : null;
    },

    /** Seeds the jar directly, like a browser that signed in before the test started. */
    put(token: string | null): void {
      value = token;
    },
  };
}
