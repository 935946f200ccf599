// @vitest-environment jsdom
import { afterEach, expect, it, vi } from 'vitest';
import { createAuthClient } from 'keycard';
import { API, BASE, mockBackend, useMsw } from './helpers';

useMsw();
afterEach(() => vi.restoreAllMocks());

it('nothing is written to localStorage, sessionStorage, document.cookie or the URL', async () => {
  const writes: string[] = [];
  for (const store of [localStorage, sessionStorage]) {
    vi.spyOn(store, 'setItem').mockImplementation((k) => void writes.push(`storage:${k}`));
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => '',
    set: (v: string) => void writes.push(`cookie:${v.split('=')[0]}`),
  });
  const href = location.href;

  for (const mode of ['cookie', 'memory'] as const) {
    const backend = mockBackend();
    const auth = createAuthClient({ baseUrl: BASE, refreshToken: mode, channel: `storage-${mode}` });
    await auth.login({ username: 'alice', password: 'wonderland' });
    await auth.refresh();
    backend.valid.clear();
    expect((await auth.fetch(`${API}/me`)).status).toBe(200);
    await auth.logout();
    auth.dispose();
  }
  expect(writes).toEqual([]);
  expect(location.href).toBe(href);
  // msw (the test's network mock) keeps its own cookie store in localStorage; nothing else may be there.
  const keys = [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => !k.startsWith('__msw'));
  expect(keys).toEqual([]);
  Object.defineProperty(document, 'cookie', cookie);
});

it('in a browser the page origin is allowed by default and root-relative URLs get the token', async () => {
  const backend = mockBackend();
  const { http, HttpResponse } = await import('msw');
  const { server } = await import('./helpers');
  let auth: string | null = 'unset';
  server.use(
    http.get(`${location.origin}/api/here`, ({ request }) =>
      HttpResponse.json((auth = request.headers.get('authorization'))),
    ),
  );
  const client = createAuthClient({ baseUrl: BASE, channel: false });
  await client.login({ username: 'alice', password: 'wonderland' });
  await client.fetch('/api/here');
  expect(auth).toMatch(/^Bearer /);
  expect(backend.logins).toBe(1);
  client.dispose();
});
