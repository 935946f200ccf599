import type { AuthState } from './types';
import { createEmitter } from './emitter';

const shallowEqual = (a: Record<string, unknown> | null, b: Record<string, unknown> | null): boolean =>
  a === b ||
  (!!a && !!b && Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.is(a[k], b[k])));

/** The one immutable `AuthState`: replaced on change, never mutated; equal states don't notify. */
export function createStore(initial: AuthState) {
  let state = Object.freeze(initial);
  const emitter = createEmitter<AuthState>();
  return {
    get: () => state,
    set(next: AuthState): void {
      // Every field the same object, the user's claims the same values.
      if (shallowEqual({ ...state, user: null }, { ...next, user: null }) && shallowEqual(state.user, next.user))
        return;
      state = Object.freeze(next);
      emitter.emit(state);
    },
    subscribe: emitter.on,
    clear: emitter.clear,
  };
}
