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
 * (`'include'`, or `'same-origin'` on the page's own origin).
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
    // 'same-origin' (fetch's default) only counts on a page of the same origin (jsdom, happy-dom, a browser).
    (request.credentials !== 'omit' &&
      typeof location !== 'undefined' &&
      location.origin === new URL(request.url).origin);

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
