// @vitest-environment node
// React Native has no DOM: the client and the foreground wiring must run without one.
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthClient, memoryStorage, type AuthClient } from 'keycard';
import { createMockAuthServer } from 'keycard/testing';
import { bindAppState, type AppStateLike } from 'keycard/react';

const server = createMockAuthServer({ refreshTokenMode: 'body', accessTokenLifetime: 300 });
const msw = setupServer(...server.handlers);
let auth: AuthClient;

beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  vi.useRealTimers();
  auth?.dispose();
  server.reset();
});
afterAll(() => msw.close());

/** React Native's AppState, as far as keycard uses it (RN >= 0.65: addEventListener returns a subscription). */
function fakeAppState() {
  const listeners = new Set<(state: string) => void>();
  const appState = {
    addEventListener: vi.fn((_type: 'change', listener: (state: string) => void) => {
      listeners.add(listener);
      return { remove: () => void listeners.delete(listener) };
    }),
  } satisfies AppStateLike;
  return {
    appState,
    listeners,
    emit: (state: string) => {
      for (const l of listeners) l(state);
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('React Native foreground wiring', () => {
  it('runs the due refresh at once when the app comes back to the foreground', async () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    // Timers stay real (and far off); only the wall clock jumps, as on a device that was suspended.
    vi.useFakeTimers({ toFake: ['Date'] });
    auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false, refreshToken: memoryStorage() });
    await auth.login({ username: 'alice', password: 'wonderland' });
    const firstExpiry = auth.getState().expiresAt as number;

    const { appState, emit, listeners } = fakeAppState();
    const unbind = bindAppState(auth, appState);
    expect(appState.addEventListener).toHaveBeenCalledWith('change', expect.any(Function));

    emit('active'); // not due yet: nothing to do
    await settle();
    expect(server.stats.refreshes).toBe(0);

    vi.setSystemTime(Date.now() + 10 * 60_000); // ten minutes in the background
    emit('background');
    emit('inactive');
    await settle();
    expect(server.stats.refreshes).toBe(0);

    emit('active');
    await vi.waitFor(() => expect(auth.getState().expiresAt).toBeGreaterThan(firstExpiry));
    expect(server.stats.refreshes).toBe(1);
    expect(auth.getState().status).toBe('authenticated');

    unbind();
    expect(listeners.size).toBe(0);
  });

  it('stops resuming once unbound', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false, refreshToken: 'memory' });
    await auth.login({ username: 'alice', password: 'wonderland' });
    const { appState, emit } = fakeAppState();
    bindAppState(auth, appState)();
    vi.setSystemTime(Date.now() + 10 * 60_000);
    emit('active');
    await settle();
    expect(server.stats.refreshes).toBe(0);
  });

  it('supports the pre-0.65 AppState API (removeEventListener)', () => {
    const resume = vi.fn();
    const listeners = new Set<(state: string) => void>();
    const legacy: AppStateLike = {
      addEventListener: (_type, listener) => void listeners.add(listener),
      removeEventListener: (_type, listener) => void listeners.delete(listener),
    };
    const unbind = bindAppState({ resume }, legacy);
    for (const l of listeners) l('active');
    expect(resume).toHaveBeenCalledTimes(1);
    unbind();
    expect(listeners.size).toBe(0);
  });
});
