import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, onTestFinished } from 'vitest';
import { createMockAuthServer } from 'keycard/testing';
import type { MockAuthServer, MockAuthServerOptions } from 'keycard/testing';

export const BASE = 'https://auth.test';

/** One msw server per test file; `mockServer()` swaps in a fresh mock auth server for the current test. */
export function useMsw() {
  const msw = setupServer();
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => msw.resetHandlers());
  afterAll(() => msw.close());
  return function mockServer(options?: MockAuthServerOptions): MockAuthServer {
    const server = createMockAuthServer(options);
    msw.use(...server.handlers);
    onTestFinished(() => server.reset()); // releases any request still hanging
    return server;
  };
}

/** A request the way keycard's client sends it to an auth endpoint. */
export function post(path: string, body: unknown = {}, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, BASE), {
    method: 'POST',
    ...init,
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'keycard', ...init.headers },
    body: JSON.stringify(body),
  });
}

export const login = (
  credentials: Record<string, unknown> = { username: 'alice', password: 'wonderland' },
  init?: RequestInit,
) => post('/auth/login', credentials, { credentials: 'include', ...init });

export const api = (token: string | undefined, path = '/api/me', init: RequestInit = {}) =>
  fetch(new URL(path, BASE), { ...init, headers: token ? { Authorization: `Bearer ${token}` } : {} });
