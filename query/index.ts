/**
 * TanStack Query integration for keycard: drop cached data when the user
 * signs out or changes, and keep `retry` away from auth failures.
 *
 * @packageDocumentation
 */
import type { QueryClient } from '@tanstack/query-core';
import { AuthError, type AuthClient, type AuthState } from 'keycard';

const subOf = (state: AuthState): unknown => state.user?.sub;

/**
 * Clears `queryClient` (queries and mutations; in-flight queries are
 * cancelled) on every `logout()` (here or in another tab, signed in or not),
 * when the session ends (`authenticated` → `unauthenticated`, e.g. a refresh
 * the server refused) and when a different user signs in (`user.sub`
 * changes, e.g. a login in another tab). A plain refresh keeps the cache.
 * Returns the unbind.
 *
 * A restore that finds no session clears nothing: if you persist the cache
 * (`persistQueryClient`), drop it yourself when `restore()` ends
 * `unauthenticated`.
 *
 * Works with any TanStack Query v5 adapter (`@tanstack/react-query`,
 * `vue-query`, …): they all hand you a `query-core` `QueryClient`.
 *
 * @example
 * const queryClient = new QueryClient({
 *   defaultOptions: { queries: { retry: (count, err) => !isAuthError(err) && count < 3 } },
 * });
 * const unbind = bindQueryClient(auth, queryClient);
 */
export function bindQueryClient(
  auth: Pick<AuthClient, 'getState' | 'subscribe'> & Partial<Pick<AuthClient, 'onEvent'>>,
  queryClient: QueryClient,
): () => void {
  let previous = auth.getState();
  // A logout() with no session (e.g. before restore() settled) changes no state worth clearing on, but is one.
  const stopEvents = auth.onEvent?.((event) => {
    if (event.type === 'logout' && event.reason !== 'session_expired') queryClient.clear();
  });
  const stopState = auth.subscribe((state) => {
    const before = previous;
    previous = state;
    // Only a session that existed can leave data behind: a restore that finds
    // no session (initializing → unauthenticated) keeps server-rendered,
    // hydrated public data instead of refetching it on every anonymous visit.
    const signedOut = state.status === 'unauthenticated' && before.status === 'authenticated';
    const switchedUser =
      state.status === 'authenticated' && before.status === 'authenticated' && subOf(state) !== subOf(before);
    // clear() also cancels what is in flight: removing a query destroys it,
    // so a late answer for the previous user has nowhere to land.
    if (signedOut || switchedUser) queryClient.clear();
  });
  return () => {
    stopState();
    stopEvents?.();
  };
}

const AUTH_CODES = new Set(['session_expired', 'unauthenticated', 'invalid_credentials']);

const statusOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? (value as { status?: unknown }).status : undefined;

/**
 * True for errors that retrying cannot fix because the user isn't (or is no
 * longer) signed in: a keycard `AuthError` with code `session_expired`,
 * `unauthenticated` or `invalid_credentials`, anything with `status === 401`
 * (a thrown `Response`, your own error class), and anything whose `response`
 * has status 401 (ky's `HTTPError`, axios errors). `auth.fetch` already
 * refreshed and replayed once before such a 401 reached you.
 *
 * @example
 * useQuery({
 *   queryKey: ['me'],
 *   queryFn: ({ signal }) => api.get('me', { signal }).json(),
 *   retry: (count, err) => !isAuthError(err) && count < 3,
 * });
 */
export function isAuthError(error: unknown): boolean {
  if (error instanceof AuthError || (error instanceof Error && error.name === 'AuthError')) {
    // The name check covers a second copy of keycard in the bundle.
    return AUTH_CODES.has((error as AuthError).code);
  }
  if (statusOf(error) === 401) return true;
  return typeof error === 'object' && error !== null && statusOf((error as { response?: unknown }).response) === 401;
}
