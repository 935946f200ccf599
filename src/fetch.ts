import type { AuthRequestInit } from './types';
import { abortable } from './scheduler';

export interface FetchDeps {
  fetch: () => typeof fetch;
  /** Is this URL allowed to receive the token? */
  allowed: (url: string) => boolean;
  /** A token to use now; `undefined` means "ask `waitForToken`" (due, or a refresh is running). */
  tokenNow: () => string | null | undefined;
  waitForToken: () => Promise<string | null>;
  /**
   * After a 401 sent with `used`: the token to replay with (one shared refresh), or null to return the 401.
   * `mayRefresh` false: this request already waited for a refresh; it may join one, never start another, and
   * gets `used` back when there is nothing newer.
   */
  tokenAfter401: (used: string, mayRefresh: boolean) => Promise<string | null>;
  onReplay: (method: string, url: string) => void;
  /** The string `fetch` is given for `input`: relative ones resolved where the platform can't (Node, React Native). */
  absolute: (input: string) => string;
}

/** A record's own keys, as `fetch` reads them, or a `Headers` (`authFetch` reads every other init into one). */
const hasAuthorization = (headers: HeadersInit | undefined): boolean =>
  headers instanceof Headers
    ? headers.has('authorization')
    : Object.keys(headers ?? {}).some((key) => key.toLowerCase() === 'authorization');

const withBearer = (headers: HeadersInit | undefined, token: string): HeadersInit => {
  const value = `Bearer ${token}`;
  if (headers instanceof Headers) {
    const copy = new Headers(headers);
    copy.set('Authorization', value);
    return copy;
  }
  // Key first: on V8 adding a key after a spread costs ~1 µs, before it ~50 ns. hasAuthorization() ruled out a clash.
  return { Authorization: value, ...headers };
};

/**
 * The URL a Request holds, as fetch reads it: by the platform's own getter, not a `url` a subclass or an own property
 * says instead (a token would go where the Request really points). A polyfill's Request (React Native's whatwg-fetch)
 * has no getter, and its fetch reads the property. A Proxy of a Request that the getter refuses (a browser's), fetch
 * reads as it reads any other object: undefined, and the caller goes by `String(input)`.
 */
function requestUrl(request: Request): string | undefined {
  try {
    return (Reflect.get(Request.prototype, 'url', request) as string | undefined) ?? request.url;
  } catch {
    return undefined;
  }
}

/**
 * Builds `auth.fetch`: the `fetch` contract (HTTP errors resolve, only
 * network errors and aborts reject) plus the token for allowed origins and
 * one shared refresh + one replay on a 401.
 *
 * The fast path (string or URL input, a reusable body) adds no Request
 * construction and no clone; `Request` inputs and stream bodies are copied
 * before the first send so the replay carries the same body.
 */
export function createAuthFetch(deps: FetchDeps) {
  return async function authFetch(input: RequestInfo | URL, init?: AuthRequestInit): Promise<Response> {
    let options: RequestInit | undefined = init;
    if (init && 'auth' in init) {
      const { auth, ...rest } = init;
      options = rest;
      if (auth === false) return deps.fetch()(input, options);
    }
    // fetch reads anything but a Request (a URL, any object) as `String(input)`, whatever `.url` it has: that
    // string is what is judged and sent.
    const held = typeof Request === 'function' && input instanceof Request ? requestUrl(input) : undefined;
    const request = held === undefined ? undefined : (input as Request);
    const url = held ?? deps.absolute(String(input));
    const target: RequestInfo | URL = request ?? url;
    if (!deps.allowed(url)) return deps.fetch()(target, options);
    // The headers sent: the init's (any but undefined, `null` too) replace a Request's own. An object without an
    // iterator is a record, read by its own keys (the fast path: no `Headers` built); anything else (a `Headers`,
    // pairs, a `Map`, a generator) is a list, read once into a `Headers`, which throws where fetch would (`null`, a
    // string), and every send from here on gets it (a generator has nothing left for a second reading).
    let headers = options?.headers !== undefined ? options.headers : request?.headers;
    if (headers !== undefined && (Object(headers) !== headers || Symbol.iterator in headers))
      options = { ...options, headers: (headers = new Headers(headers)) };
    // A caller who set Authorization knows what it wants sent.
    if (hasAuthorization(headers)) return deps.fetch()(target, options);

    const signal = options?.signal ?? request?.signal;
    const now = deps.tokenNow();
    const waited = now === undefined;
    const token = waited ? await abortable(deps.waitForToken(), signal) : now;
    if (token === null) return deps.fetch()(target, options);

    // Keep a replayable copy before the first send consumes the body (`!== null`: React Native's Request, from
    // whatwg-fetch, has no `body` property at all, and is cloned whatever it holds).
    let first = options;
    let again: RequestInfo | URL = target;
    let againOptions = options;
    const body = options?.body as unknown; // the init's, if any, replaces a Request's (which is then never read)
    if (request && body == null) {
      if (request.body !== null) again = request.clone();
    } else if (
      typeof ReadableStream !== 'undefined' &&
      (body instanceof ReadableStream || Object(body)[Symbol.asyncIterator])
    ) {
      // A stream body, or what Node's fetch reads as one (an async iterable: a generator, a file's Readable), needs
      // `duplex: 'half'` (Fetch spec) and a fresh stream for each send.
      const stream: ReadableStream =
        body instanceof ReadableStream
          ? body
          : (ReadableStream as unknown as { from(x: unknown): ReadableStream }).from(body);
      [first, againOptions] = stream.tee().map((copy) => ({ ...options, body: copy, duplex: 'half' }) as RequestInit);
    }
    const sendWith = (bearer: string, to: RequestInfo | URL, init: RequestInit | undefined) =>
      deps.fetch()(to, { ...init, headers: withBearer(headers, bearer) });

    const response = await sendWith(token, target, first);
    // A 401 from where a redirect led (another origin: the platform dropped the token on the way) is not ours to fix.
    if (response.status !== 401 || (response.redirected && !deps.allowed(response.url))) return response;

    const fresh = await abortable(deps.tokenAfter401(token, !waited), signal);
    // The same token again: replayed only by a request whose token came from a refresh it waited for.
    if (fresh === null || (fresh === token && !waited)) return response;

    // The first 401's body is never read; release its connection.
    response.body?.cancel().catch(() => {});
    deps.onReplay(request ? request.method : (options?.method ?? 'GET').toUpperCase(), url);
    return sendWith(fresh, again, againOptions);
  };
}
