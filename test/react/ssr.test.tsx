// @vitest-environment node
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { AuthProvider, useAuth, useAuthState } from 'keycard/react';

const clients: AuthClient[] = [];
afterEach(() => {
  for (const auth of clients.splice(0)) auth.dispose();
});

function App() {
  const { status, user, isAuthenticated, error } = useAuth();
  const expiresAt = useAuthState((s) => s.expiresAt);
  return <main>{`${status}|${String(user)}|${String(isAuthenticated)}|${String(error)}|${String(expiresAt)}`}</main>;
}

describe('server rendering', () => {
  it('renders the initializing snapshot with no DOM and no network', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const fetch = vi.fn<typeof globalThis.fetch>(() => Promise.reject(new Error('no network on the server')));
    const auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch });
    clients.push(auth);
    const restore = vi.spyOn(auth, 'restore');

    const html = renderToString(
      <AuthProvider client={auth}>
        <App />
      </AuthProvider>,
    );

    expect(html).toBe('<main>initializing|null|false|null|null</main>');
    expect(restore).not.toHaveBeenCalled();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('renders initializing even for a client that already holds a session, so hydration matches', async () => {
    const token = 'opaque-token';
    const fetch = vi.fn<typeof globalThis.fetch>(async () => Response.json({ access_token: token, expires_in: 300 }));
    const auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch });
    clients.push(auth);
    await auth.login({ username: 'alice', password: 'wonderland' });
    expect(auth.getState().status).toBe('authenticated');
    fetch.mockClear();

    const html = renderToString(
      <AuthProvider client={auth}>
        <App />
      </AuthProvider>,
    );
    expect(html).toBe('<main>initializing|null|false|null|null</main>');
    expect(fetch).not.toHaveBeenCalled();
  });
});
