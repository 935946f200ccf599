// @vitest-environment jsdom
import { cleanup, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { AuthProvider, useAppStateResume, type AppStateLike } from 'keycard/react';

let auth: AuthClient;
afterEach(() => {
  cleanup();
  auth.dispose();
});

describe('useAppStateResume', () => {
  it("calls the provider's client resume() on 'active' while mounted", () => {
    auth = createAuthClient({ baseUrl: 'https://auth.test', channel: false, fetch: vi.fn() });
    const resume = vi.spyOn(auth, 'resume');
    const listeners = new Set<(state: string) => void>();
    const AppState: AppStateLike = {
      addEventListener: (_type, listener) => {
        listeners.add(listener);
        return { remove: () => void listeners.delete(listener) };
      },
    };
    const { unmount, rerender } = renderHook(() => useAppStateResume(AppState), {
      wrapper: ({ children }) => <AuthProvider client={auth}>{children}</AuthProvider>,
    });
    rerender();
    expect(listeners.size).toBe(1);
    for (const l of listeners) l('background');
    expect(resume).not.toHaveBeenCalled();
    for (const l of listeners) l('active');
    expect(resume).toHaveBeenCalledTimes(1);

    unmount();
    expect(listeners.size).toBe(0);
  });
});
