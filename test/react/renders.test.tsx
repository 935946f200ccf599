// @vitest-environment jsdom
import { Profiler } from 'react';
import { act, cleanup, render, screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient, type AuthState } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';
import { AuthProvider, sameUser, useAuth, useAuthState } from 'keycard/react';

const server = createMockAuthServer({
  users: [
    { username: 'alice', password: 'wonderland', claims: { name: 'Alice', roles: ['admin', 'dev'], org: { id: 7 } } },
    { username: 'bob', password: 'builder', claims: { name: 'Bob', roles: ['dev'] } },
  ],
});
const msw = setupServer(...server.handlers);
let auth: AuthClient;

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  vi.useRealTimers();
  cleanup();
  auth.dispose();
  server.reset();
});
afterAll(() => msw.close());

/** Signs in, then mounts `children` under a provider, counting the renders of each probe. */
async function mount(children: React.ReactNode) {
  auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false });
  await auth.login({ username: 'alice', password: 'wonderland' });
  const renders: Record<string, number> = {};
  const count = (id: string) => void (renders[id] = (renders[id] ?? 0) + 1);
  render(
    <AuthProvider client={auth}>
      <Profiler id="tree" onRender={(id) => count(id)}>
        {children}
      </Profiler>
    </AuthProvider>,
  );
  return { renders, count };
}

/** A refresh that renews the token and nothing else; resolves with the new state. */
async function plainRefresh(): Promise<AuthState> {
  const before = auth.getState();
  // iat/exp have one-second resolution: move the clock (only Date is faked) so they change too.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 5000);
  await act(() => auth.refresh());
  const after = auth.getState();
  expect(after).not.toBe(before);
  expect(after.expiresAt).not.toBe(before.expiresAt);
  expect(after.user?.jti).not.toBe(before.user?.jti);
  expect(after.user?.exp).not.toBe(before.user?.exp);
  return after;
}

describe('render counts', () => {
  it('useAuth does not re-render when a refresh leaves status, error and user equal', async () => {
    let seen: ReturnType<typeof useAuth>[] = [];
    function Probe() {
      const value = useAuth();
      seen.push(value);
      return <p data-testid="who">{String(value.user?.name)}</p>;
    }
    const { renders } = await mount(<Probe />);
    expect(screen.getByTestId('who').textContent).toBe('Alice');
    const rendersBefore = renders.tree;
    seen = [];

    await plainRefresh();
    await plainRefresh();
    expect(renders.tree).toBe(rendersBefore);
    expect(seen).toHaveLength(0);
    expect(server.stats.refreshes).toBe(2);
  });

  it('useAuth re-renders once when the user changes, and once on logout', async () => {
    const seen: Array<string> = [];
    function Probe() {
      const { status, user } = useAuth();
      seen.push(`${status}:${String(user?.name ?? '-')}`);
      return null;
    }
    await mount(<Probe />);
    expect(seen).toEqual(['authenticated:Alice']);

    await act(() => auth.login({ username: 'bob', password: 'builder' }));
    expect(seen).toEqual(['authenticated:Alice', 'authenticated:Bob']);

    await act(() => auth.logout());
    expect(seen).toEqual(['authenticated:Alice', 'authenticated:Bob', 'unauthenticated:-']);
  });

  it('a component reading expiresAt through useAuthState re-renders on each refresh, one using useAuth does not', async () => {
    const counts = { expiry: 0, auth: 0 };
    function Expiry() {
      counts.expiry++;
      return <p data-testid="exp">{useAuthState((s) => s.expiresAt)}</p>;
    }
    function Name() {
      counts.auth++;
      return <p>{String(useAuth().user?.name)}</p>;
    }
    await mount(
      <>
        <Expiry />
        <Name />
      </>,
    );
    const start = { ...counts };
    const next = await plainRefresh();
    expect(screen.getByTestId('exp').textContent).toBe(String(next.expiresAt));
    expect(counts).toEqual({ expiry: start.expiry + 1, auth: start.auth });
  });

  it('useAuthState(selector, isEqual) skips renders when the selection is equal', async () => {
    let renders = 0;
    function Roles() {
      renders++;
      const user = useAuthState((s) => s.user, sameUser);
      return <p>{(user?.roles as string[] | undefined)?.join(',')}</p>;
    }
    await mount(<Roles />);
    const start = renders;
    await plainRefresh();
    expect(renders).toBe(start);
    await act(() => auth.login({ username: 'bob', password: 'builder' }));
    expect(renders).toBe(start + 1);
  });

  it('useAuthState() without a selector returns the live state', async () => {
    let last: AuthState | undefined;
    function Raw() {
      last = useAuthState();
      return null;
    }
    await mount(<Raw />);
    expect(last).toBe(auth.getState());
    await plainRefresh();
    expect(last).toBe(auth.getState());
  });
});
