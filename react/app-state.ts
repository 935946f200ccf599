import { useEffect } from 'react';
import { bindAppState, type AppStateLike } from './bind-app-state';
import { useAuthClient } from './provider';

/**
 * {@link bindAppState} for the nearest {@link AuthProvider}'s client, for the
 * life of the calling component. Call it once, near the root.
 *
 * @example
 * import { AppState } from 'react-native';
 * function Root() {
 *   useAppStateResume(AppState);
 *   return <Navigation />;
 * }
 */
export function useAppStateResume(appState: AppStateLike): void {
  const client = useAuthClient();
  useEffect(() => bindAppState(client, appState), [client, appState]);
}
