/**
 * ky integration for keycard: a ky instance whose requests go through
 * `auth.fetch` (token attached, one refresh + replay on a 401).
 *
 * @packageDocumentation
 */
import ky, { type KyInstance, type Options, type RetryOptions } from 'ky';
import type { AuthClient } from 'keycard';

/**
 * ky's options minus `fetch`, which keycard owns: give a custom fetch to
 * `createAuthClient({ fetch })` instead.
 *
 * @example
 * const options: AuthKyOptions = { baseUrl: 'https://api.example.com/', retry: { limit: 3 } };
 */
export type AuthKyOptions = Omit<Options, 'fetch'>;

// Duck-typed rather than `isHTTPError`, which ky 1 lacks (both majors are supported peers).
const is401 = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'HTTPError' &&
  (error as Error & { response?: Response }).response?.status === 401;

// A 401 that reaches ky is final: auth.fetch already refreshed and replayed
// once. Retrying it would send the same dead token again, so 401 is taken out
// of whatever retry options a request ends up with.
function without401(retry: Options['retry']): Options['retry'] {
  if (typeof retry !== 'object' || retry === null) return retry;
  const { statusCodes, afterStatusCodes, shouldRetry } = retry;
  const guarded: RetryOptions = { ...retry };
  if (statusCodes) guarded.statusCodes = statusCodes.filter((code) => code !== 401);
  if (afterStatusCodes) guarded.afterStatusCodes = afterStatusCodes.filter((code) => code !== 401);
  if (shouldRetry) guarded.shouldRetry = (state) => (is401(state.error) ? false : shouldRetry(state));
  return guarded;
}

/**
 * A ky instance whose requests go through `auth.fetch`: the access token is
 * attached for allowed origins, and a `401` triggers one refresh (shared with
 * every other request) and one replay. ky throws `HTTPError` only for the
 * final response, and its own retry never retries a `401`, whatever `retry`
 * options say. Every other ky option and hook is passed through, and
 * `.extend()` keeps all of this.
 *
 * @example
 * const api = createAuthKy(auth, { baseUrl: 'https://api.example.com/', timeout: 15_000 });
 * const me = await api.get('me').json<{ id: string; name: string }>();
 * const todo = await api.post('todos', { json: { title: 'Ship it' } }).json();
 */
export function createAuthKy(auth: Pick<AuthClient, 'fetch'>, options: AuthKyOptions = {}): KyInstance {
  const { hooks = {} } = options;
  return ky.create({
    ...options,
    retry: without401(options.retry),
    // ky hands over a Request (its body already cloned for its own retries)
    // plus any non-standard options, so `{ auth: false }` on a call reaches auth.fetch.
    fetch: (input, init) => auth.fetch(input, init),
    hooks: {
      ...hooks,
      // Runs per request, after per-call options are merged in.
      init: [...(hooks.init ?? []), (opts) => void (opts.retry = without401(opts.retry))],
      // Last line of defence for options the init hook can't see (a later
      // `.extend()` init hook): a 401 never gets a second attempt.
      beforeRetry: [
        ({ error }) => {
          if (is401(error)) throw error;
        },
        ...(hooks.beforeRetry ?? []),
      ],
    },
  });
}
