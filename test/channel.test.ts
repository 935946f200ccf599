// @vitest-environment jsdom
// The default cross-tab channel is named after the session it carries (API.md Cross-tab): two clients for different
// backends on one page never adopt each other's tokens or logouts; two for the same backend (two tabs) still share.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { createOAuthClient } from 'keycard/oauth';
import { jwt } from './helpers';

const clients: AuthClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
});

/** An auth server at `origin` behind an injected fetch; tokens name their issuer. */
function backend(origin: string) {
  let n = 0;
  const seen: Array<string | null> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname.startsWith('/auth/') && url.pathname !== '/auth/logout') {
      const iat = Math.floor(Date.now() / 1000);
      return Response.json({
        access_token: jwt({ iss: origin, sub: 'alice', iat, exp: iat + 300, n: ++n }),
        expires_in: 300,
        refresh_token: `rt-${origin}-${n}`,
      });
    }
    if (url.pathname === '/token')
      return Response.json({
        access_token: jwt({ iss: origin, sub: 'bob', n: ++n }),
        expires_in: 300,
        refresh_token: 'rt-oauth',
      });
    seen.push(new Headers(init?.headers).get('authorization'));
    return new Response(null, { status: 204 });
  };
  return { fetch, seen };
}
const make = (origin: string, fetch: typeof globalThis.fetch, extra: Record<string, unknown> = {}) => {
  const auth = createAuthClient({ baseUrl: origin, fetch, refreshToken: 'memory', ...extra });
  clients.push(auth);
  return auth;
};
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('default channel (in a browser page, no channel option)', () => {
  it('is on, and shared by clients of the same auth server (tabs): a login signs the other in', async () => {
    expect(typeof BroadcastChannel).toBe('function');
    const server = backend('https://a.test');
    const [one, two] = [make('https://a.test', server.fetch), make('https://a.test', server.fetch)];
    await one!.login({ username: 'alice' });
    await vi.waitFor(() => expect(two!.getState().status).toBe('authenticated'));
  });

  it('two clients for different backends never adopt each other’s login, tokens or logout', async () => {
    const a = backend('https://a.test');
    const b = backend('https://b.test');
    const clientA = make('https://a.test', a.fetch);
    const clientB = make('https://b.test', b.fetch);
    await clientA.login({ username: 'alice' });
    await clientA.refresh();
    await settle();
    expect(clientB.getState().status).not.toBe('authenticated');
    expect(await clientB.getAccessToken()).toBeNull();
    await clientB.fetch('https://b.test/api/x');
    expect(b.seen).toEqual([null]); // A's token never went to B's origin
    await clientB.login({ username: 'alice' });
    await clientA.logout();
    await settle();
    expect(clientB.getState().status).toBe('authenticated');
    expect(clientB.getState().user).toMatchObject({ iss: 'https://b.test' });
  });

  it('nor do two on one server with different refresh endpoints', async () => {
    const a = backend('https://a.test');
    const one = make('https://a.test', a.fetch, {
      endpoints: { refresh: '/auth/v1/refresh', login: '/auth/v1/login' },
    });
    const two = make('https://a.test', a.fetch, {
      endpoints: { refresh: '/auth/v2/refresh', login: '/auth/v2/login' },
    });
    await one.login({ username: 'alice' });
    await settle();
    expect(two.getState().status).not.toBe('authenticated');
  });

  // Their refresh tokens live in different places: a memory-mode login's tokens would leave a cookie-mode tab with no
  // cookie to refresh them with; its "no session" would then end the memory-mode session too.
  it('nor do two on one server whose refresh tokens live in different places (cookie, memory, a TokenStorage)', async () => {
    const a = backend('https://a.test');
    const stored = new Map<string, string>();
    const storage = {
      get: (k: string) => stored.get(k) ?? null,
      set: (k: string, v: string) => void stored.set(k, v),
      remove: (k: string) => void stored.delete(k),
    };
    const [memory, cookie, inStorage] = [
      make('https://a.test', a.fetch),
      make('https://a.test', a.fetch, { refreshToken: 'cookie' }),
      make('https://a.test', a.fetch, { refreshToken: storage }),
    ];
    await memory.login({ username: 'alice' });
    await settle();
    expect([cookie.getState().status, inStorage.getState().status]).toEqual(['initializing', 'initializing']);
    await cookie.logout();
    await settle();
    expect(memory.getState().status).toBe('authenticated');
  });

  it('a core client next to a keycard/oauth client: neither adopts the other’s session', async () => {
    const a = backend('https://a.test');
    const core = make('https://a.test', a.fetch);
    const oauth = createOAuthClient({
      tokenEndpoint: 'https://a.test/token',
      clientId: 'spa',
      redirectUri: 'https://app.test/cb',
      fetch: a.fetch,
      navigate: () => {},
    });
    clients.push(oauth);
    await oauth.login({ code: 'c', code_verifier: 'v' });
    await settle();
    expect(core.getState().status).not.toBe('authenticated');
    await core.login({ username: 'alice' });
    await settle();
    expect(oauth.getState().user).toMatchObject({ sub: 'bob' });
  });

  it('an explicit channel name still joins clients on purpose, and false turns it off', async () => {
    const a = backend('https://a.test');
    const b = backend('https://b.test');
    const one = make('https://a.test', a.fetch, { channel: 'shared-on-purpose' });
    const two = make('https://b.test', b.fetch, { channel: 'shared-on-purpose' });
    const off = make('https://a.test', a.fetch, { channel: false });
    await one.login({ username: 'alice' });
    await vi.waitFor(() => expect(two.getState().status).toBe('authenticated'));
    expect(off.getState().status).toBe('initializing');
  });
});
