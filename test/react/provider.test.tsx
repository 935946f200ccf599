// @vitest-environment jsdom
import { StrictMode } from 'react';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthClient, type AuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';
import { AuthProvider, useAuth, useAuthClient } from 'keycard/react';

const server = createMockAuthServer({
  users: [{ username: 'alice', password: 'wonderland', claims: { name: 'Alice' } }],
});
const msw = setupServer(...server.handlers);
const clients: AuthClient[] = [];
const newClient = () => {
  const auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false });
  clients.push(auth);
  return auth;
};

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  for (const auth of clients.splice(0)) auth.dispose();
  server.reset();
});
afterAll(() => msw.close());

function Status() {
  const { status, user, error } = useAuth();
  return (
    <p data-testid="status">
      {status}:{String(user?.name ?? '-')}:{error?.code ?? '-'}
    </p>
  );
}

describe('AuthProvider', () => {
  it('restores the session once on mount, even under StrictMode', async () => {
    await server.issueTokens('alice');
    const auth = newClient();
    const restore = vi.spyOn(auth, 'restore');
    render(
      <StrictMode>
        <AuthProvider client={auth}>
          <Status />
        </AuthProvider>
      </StrictMode>,
    );
    expect(screen.getByTestId('status').textContent).toBe('initializing:-:-');
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('authenticated:Alice:-'));
    expect(restore).toHaveBeenCalledTimes(1);
    expect(server.stats.refreshes).toBe(1);
  });

  it('does not restore again when a provider for the same client remounts', async () => {
    await server.issueTokens('alice');
    const auth = newClient();
    const restore = vi.spyOn(auth, 'restore');
    const first = render(
      <AuthProvider client={auth}>
        <Status />
      </AuthProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('authenticated:Alice:-'));
    first.unmount();
    render(
      <StrictMode>
        <AuthProvider client={auth}>
          <Status />
        </AuthProvider>
      </StrictMode>,
    );
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(screen.getByTestId('status').textContent).toBe('authenticated:Alice:-');
    expect(restore).toHaveBeenCalledTimes(1);
    expect(server.stats.refreshes).toBe(1);
  });

  it('settles as unauthenticated when there is no session to restore', async () => {
    const auth = newClient();
    const restore = vi.spyOn(auth, 'restore');
    render(
      <StrictMode>
        <AuthProvider client={auth}>
          <Status />
        </AuthProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('unauthenticated:-:-'));
    expect(restore).toHaveBeenCalledTimes(1);
    expect(server.stats.refreshes).toBe(1);
  });

  it('skips the restore when login already settled the state before mount', async () => {
    const auth = newClient();
    await auth.login({ username: 'alice', password: 'wonderland' });
    const restore = vi.spyOn(auth, 'restore');
    render(
      <StrictMode>
        <AuthProvider client={auth}>
          <Status />
        </AuthProvider>
      </StrictMode>,
    );
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(screen.getByTestId('status').textContent).toBe('authenticated:Alice:-');
    expect(restore).not.toHaveBeenCalled();
    expect(server.stats.refreshes).toBe(0);
  });

  it('restores each client once when the provider switches clients', async () => {
    const a = newClient();
    const b = newClient();
    const view = render(
      <AuthProvider client={a}>
        <Status />
      </AuthProvider>,
    );
    await waitFor(() => expect(server.stats.refreshes).toBe(1));
    view.rerender(
      <AuthProvider client={b}>
        <Status />
      </AuthProvider>,
    );
    await waitFor(() => expect(server.stats.refreshes).toBe(2));
    view.rerender(
      <AuthProvider client={a}>
        <Status />
      </AuthProvider>,
    );
    await act(() => new Promise((r) => setTimeout(r, 20)));
    expect(server.stats.refreshes).toBe(2);
  });
});

describe('useAuth', () => {
  const wrapper = (auth: AuthClient) =>
    function Wrapper({ children }: { children?: React.ReactNode }) {
      return <AuthProvider client={auth}>{children}</AuthProvider>;
    };

  it('logs in and out through the hook', async () => {
    const auth = newClient();
    const { result } = renderHook(() => useAuth(), { wrapper: wrapper(auth) });
    await waitFor(() => expect(result.current.status).toBe('unauthenticated'));
    expect(result.current.isAuthenticated).toBe(false);

    await act(() => result.current.login({ username: 'alice', password: 'wonderland' }));
    expect(result.current).toMatchObject({ status: 'authenticated', isAuthenticated: true, error: null });
    expect(result.current.user).toMatchObject({ sub: 'alice', name: 'Alice' });
    expect(server.stats.logins).toBe(1);

    const res = await result.current.fetch('https://auth.test/api/me');
    expect(await res.json()).toMatchObject({ ok: true, sub: 'alice' });
    expect(await result.current.getAccessToken()).toMatch(/^ey/);

    await act(() => result.current.logout());
    expect(result.current).toMatchObject({
      status: 'unauthenticated',
      isAuthenticated: false,
      user: null,
      error: null,
    });
    expect(server.stats.logouts).toBe(1);
  });

  it('rejects a wrong password with invalid_credentials and stays signed out', async () => {
    const auth = newClient();
    const { result } = renderHook(() => useAuth(), { wrapper: wrapper(auth) });
    await waitFor(() => expect(result.current.status).toBe('unauthenticated'));
    const failure = await act(() =>
      result.current.login({ username: 'alice', password: 'nope' }).catch((e: unknown) => e),
    );
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as AuthError).code).toBe('invalid_credentials');
    expect(result.current.status).toBe('unauthenticated');
  });

  it('keeps its methods stable across state changes and across components', async () => {
    const auth = newClient();
    const { result } = renderHook(() => [useAuth(), useAuth()] as const, { wrapper: wrapper(auth) });
    const before = result.current[0];
    await waitFor(() => expect(result.current[0].status).toBe('unauthenticated'));
    await act(() => result.current[0].login({ username: 'alice', password: 'wonderland' }));
    const [after, other] = result.current;
    expect(after).not.toBe(before);
    expect(other).toBe(after);
    for (const key of ['login', 'logout', 'refresh', 'getAccessToken', 'fetch'] as const)
      expect(after[key]).toBe(before[key]);
  });

  it('useAuthClient returns the provided client', () => {
    const auth = newClient();
    const { result } = renderHook(() => useAuthClient(), { wrapper: wrapper(auth) });
    expect(result.current).toBe(auth);
  });

  it('throws a clear error outside a provider', () => {
    // React logs the error it rethrows; keep the output clean.
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => useAuth())).toThrow(/inside <AuthProvider/);
    expect(() => renderHook(() => useAuthClient())).toThrow(/inside <AuthProvider/);
    spy.mockRestore();
  });
});
