import type { AuthClient } from 'keycard';

/**
 * The part of React Native's `AppState` keycard uses, so `keycard/react`
 * needs no dependency on `react-native`. React Native's `AppState` fits as is.
 *
 * @example
 * import { AppState } from 'react-native';
 * const appState: AppStateLike = AppState;
 */
export interface AppStateLike {
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void } | void;
  /** React Native < 0.65 only, where `addEventListener` returned nothing. */
  removeEventListener?(type: 'change', listener: (state: string) => void): void;
}

/**
 * Calls `auth.resume()` whenever the app returns to the foreground
 * (`AppState` becomes `'active'`), so a refresh that fell due while the app
 * was suspended (timers don't run there) happens at once. Going to the
 * background does nothing on purpose: a refresh in flight is left to finish
 * (aborting it after the server rotated the token would lose the answer).
 * Framework-free; returns the unbind.
 *
 * @example
 * import { AppState } from 'react-native';
 * const unbind = bindAppState(auth, AppState);
 */
export function bindAppState(auth: Pick<AuthClient, 'resume'>, appState: AppStateLike): () => void {
  const onChange = (state: string) => {
    if (state === 'active') auth.resume();
  };
  const subscription = appState.addEventListener('change', onChange);
  return () => {
    if (subscription) subscription.remove();
    else appState.removeEventListener?.('change', onChange);
  };
}
