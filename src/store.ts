import type { AuthState } from './types';
import { createEmitter } from './emitter';

const shallowEqual = (a: Record<string, unknown> | null, b: Record<string, unknown> | null): boolean =>
  a === b ||
  (!!a && !!b && Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.is(a[k], b[k])));

// Two errors that say the same (a second refresh refused like the first): one change, not two.
const sameError = (a: AuthState['error'], b: AuthState['error']): boolean =>
  a === b || (!!a && !!b && a.code === b.code && a.status === b.status && a.message === b.message);

/** The one immutable `AuthState`: replaced on change, never mutated; equal states don't notify. */
export function createStore(initial: AuthState) {
  let state = Object.freeze(initial);
  const emitter = createEmitter<AuthState>();
  return {
    get: () => state,
    set(next: AuthState): void {
      // Every field the same object, the user's claims the same values, the error saying the same.
      if (
        shallowEqual({ ...state, user: null, error: null }, { ...next, user: null, error: null }) &&
        shallowEqual(state.user, next.user) &&
        sameError(state.error, next.error)
      )
        return;
      state = Object.freeze(next);
      emitter.emit(state);
    },
    subscribe: emitter.on,
    clear: emitter.clear,
  };
}
