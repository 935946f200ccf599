import { createContext, useContext, useEffect, type ReactNode } from 'react';
import type { AuthClient } from 'keycard';

const AuthContext = createContext<AuthClient | null>(null);
AuthContext.displayName = 'KeycardAuth';

// Kept outside React on purpose: StrictMode mounts, unmounts and re-mounts
// every effect, and a provider that remounts (or a second provider over the
// same client) must not start a second restore request.
const restored = new WeakSet<AuthClient>();

/**
 * Props of {@link AuthProvider}.
 *
 * @example
 * const props: AuthProviderProps = { client: auth, children: <App /> };
 */
export interface AuthProviderProps {
  /** The client from `createAuthClient`, created once outside the component tree. */
  client: AuthClient;
  children?: ReactNode;
}

/**
 * Makes `client` available to {@link useAuth} and {@link useAuthClient}, and
 * calls `client.restore()` once on mount (once per client, StrictMode
 * included; skipped when `login()`/`logout()` already settled the state).
 * Renders on the server without touching `window`: effects don't run there,
 * so no request goes out.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
 * createRoot(el).render(<AuthProvider client={auth}><App /></AuthProvider>);
 */
export function AuthProvider({ client, children }: AuthProviderProps) {
  useEffect(() => {
    if (restored.has(client)) return;
    restored.add(client);
    if (client.getState().status !== 'initializing') return;
    // The outcome lands in the state (status + error); a rejection here has no one to tell.
    client.restore().catch(() => {});
  }, [client]);
  return <AuthContext.Provider value={client}>{children}</AuthContext.Provider>;
}

/**
 * The `AuthClient` given to the nearest {@link AuthProvider}. Throws when
 * there is none.
 *
 * @example
 * const auth = useAuthClient();
 * useEffect(() => auth.onEvent((e) => console.debug('[auth]', e.type)), [auth]);
 */
export function useAuthClient(): AuthClient {
  const client = useContext(AuthContext);
  if (!client) {
    throw new Error('keycard: useAuth()/useAuthClient() must be called inside <AuthProvider client={...}>');
  }
  return client;
}
