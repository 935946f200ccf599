import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { AuthClient, AuthError, AuthState, AuthStatus } from 'keycard';
import { useAuthClient } from './provider';
import { sameUser } from './equality';

/**
 * What {@link useAuth} returns. Method references are stable for the life of the client.
 *
 * @example
 * function Avatar({ auth }: { auth: UseAuthResult }) {
 *   return auth.isAuthenticated ? <img alt={String(auth.user?.name)} /> : null;
 * }
 */
export interface UseAuthResult {
  status: AuthStatus;
  /**
   * Decoded JWT claims (NOT verified; display only), or null. The object is
   * kept across refreshes that only change `iat`/`exp`/`nbf`/`jti`, so those
   * four may be stale here: read {@link useAuthState} for live values.
   */
  user: Record<string, unknown> | null;
  isAuthenticated: boolean;
  error: AuthError | null;
  login: AuthClient['login'];
  logout: AuthClient['logout'];
  refresh: AuthClient['refresh'];
  getAccessToken: AuthClient['getAccessToken'];
  fetch: AuthClient['fetch'];
}

type Methods = Pick<UseAuthResult, 'login' | 'logout' | 'refresh' | 'getAccessToken' | 'fetch'>;

/** What the server renders and the client hydrates with: nothing is known yet. */
const SERVER_STATE: AuthState = Object.freeze({ status: 'initializing', user: null, expiresAt: null, error: null });

// One entry per client, shared by every component: the functions handed to
// useSyncExternalStore stay the same (no resubscribe per render), and every
// `useAuth()` of a client returns the very same object until it changes.
interface Entry {
  subscribe: (onChange: () => void) => () => void;
  getSnapshot: () => UseAuthResult;
  getServerSnapshot: () => UseAuthResult;
}
const entries = new WeakMap<AuthClient, Entry>();

const sameView = (view: UseAuthResult, state: AuthState): boolean =>
  view.status === state.status && view.error === state.error && sameUser(view.user, state.user);

function entryOf(client: AuthClient): Entry {
  let entry = entries.get(client);
  if (entry) return entry;
  const methods: Methods = {
    login: (credentials) => client.login(credentials),
    logout: () => client.logout(),
    refresh: () => client.refresh(),
    getAccessToken: () => client.getAccessToken(),
    fetch: (input, init) => client.fetch(input, init),
  };
  const toView = (state: AuthState): UseAuthResult =>
    Object.freeze({
      status: state.status,
      user: state.user,
      isAuthenticated: state.status === 'authenticated',
      error: state.error,
      ...methods,
    });
  let lastState: AuthState | undefined;
  let lastView: UseAuthResult | undefined;
  const serverView = toView(SERVER_STATE);
  entry = {
    subscribe: (onChange) => client.subscribe(() => onChange()),
    getSnapshot() {
      const state = client.getState();
      if (state === lastState && lastView) return lastView;
      // A refresh replaces the state (new expiresAt, new iat/exp); keeping the
      // old view when nothing a component shows changed is what spares the render.
      if (!lastView || !sameView(lastView, state)) lastView = toView(state);
      lastState = state;
      return lastView;
    },
    getServerSnapshot: () => serverView,
  };
  entries.set(client, entry);
  return entry;
}

/**
 * The auth state and actions of the nearest {@link AuthProvider}'s client.
 * Re-renders only when `status`, `error` or the user changes; a refresh that
 * only renews the token (new `expiresAt`, `iat`, `exp`, `jti`) renders nothing.
 * On the server it returns the `initializing` state.
 *
 * @example
 * function Header() {
 *   const { status, user, login, logout } = useAuth();
 *   if (status === 'initializing') return <Spinner />;
 *   return user
 *     ? <button onClick={() => logout()}>Sign out {String(user.name)}</button>
 *     : <button onClick={() => login({ username: 'ada', password: 'pw' })}>Sign in</button>;
 * }
 */
export function useAuth(): UseAuthResult {
  const { subscribe, getSnapshot, getServerSnapshot } = entryOf(useAuthClient());
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}

const identity = <T>(value: T): T => value;

/**
 * Subscribes to a slice of the raw `AuthState`, zustand style: re-renders
 * when `selector`'s result changes by `isEqual` (default `Object.is`).
 * Without a selector it returns the whole state and re-renders on every
 * change, refreshes included.
 *
 * @example
 * const expiresAt = useAuthState((s) => s.expiresAt);
 * const roles = useAuthState((s) => (s.user?.roles as string[] | undefined) ?? [], (a, b) => a.join() === b.join());
 */
export function useAuthState(): AuthState;
export function useAuthState<T>(selector: (state: AuthState) => T, isEqual?: (a: T, b: T) => boolean): T;
export function useAuthState<T>(
  selector: (state: AuthState) => T = identity as (state: AuthState) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  const client = useAuthClient();
  const { subscribe } = entryOf(client);
  // Same approach as use-sync-external-store/with-selector: memoize per
  // (selector, isEqual) so a new state with an equal selection returns the
  // previous selection and React bails out.
  const committed = useRef<{ value: T } | null>(null);
  const [getSelection, getServerSelection] = useMemo(() => {
    let memo: { state: AuthState; value: T } | null = null;
    const select = (state: AuthState): T => {
      if (memo && memo.state === state) return memo.value;
      const next = selector(state);
      const previous = memo ?? committed.current;
      const value = previous && isEqual(previous.value, next) ? previous.value : next;
      memo = { state, value };
      return value;
    };
    return [() => select(client.getState()), () => select(SERVER_STATE)] as const;
  }, [client, selector, isEqual]);
  const value = useSyncExternalStore(subscribe, getSelection, getServerSelection);
  useEffect(() => {
    committed.current = { value };
  }, [value]);
  return value;
}
