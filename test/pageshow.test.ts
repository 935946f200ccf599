// @vitest-environment jsdom
// A page back from the back-forward cache heard no tab while it was there: WebKit keeps it cached through channel
// messages and drops them, so another tab's logout may have ended its session. It asks again before a request goes
// out with the old token. (In real browsers: engine.suite.ts › "the back-forward cache", WebKit's run included.)
import { HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthClientOptions, AuthEvent } from 'keycard';
import { alice, API, jwt, mockBackend, useClients, useMsw } from './helpers';

useMsw();
const make = useClients();
const show = (persisted: boolean) =>
  window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }) as PageTransitionEvent);
const channels: BroadcastChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) c.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});
/** A lock manager with no other tab in it: every lock is granted at once (the lane is ordered, as with Web Locks). */
const locks = {
  request: (_name: string, _options: unknown, callback: (lock: unknown) => unknown) =>
    Promise.resolve().then(() => callback({})),
  query: async () => ({ held: [], pending: [] }),
};

describe('back from the back-forward cache', () => {
  it('cookie mode: refreshes at once, and a request made meanwhile waits for it, so a session ended elsewhere sends no token', async () => {
    const backend = mockBackend();
    const auth = make();
    await auth.login(alice);
    const events: AuthEvent[] = [];
    auth.onEvent((e) => events.push(e));
    // While the page was cached, another tab logged out: the cookie is gone.
    backend.refreshReply = () => HttpResponse.json({ error: 'invalid_grant' }, { status: 401 });
    show(true);
    const res = await auth.fetch(`${API}/items`);
    expect(backend.refreshes).toBe(1);
    expect(res.status).toBe(401);
    expect(backend.api.map((call) => call.auth)).toEqual([null]);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
    expect(events).toEqual([{ type: 'logout', reason: 'session_expired' }]);
  });

  it('cookie mode: a session still alive is refreshed (trigger restore) and kept', async () => {
    const backend = mockBackend();
    const auth = make();
    await auth.login(alice);
    const before = await auth.getAccessToken();
    const events: AuthEvent[] = [];
    auth.onEvent((e) => events.push(e));
    show(true);
    const token = await auth.getAccessToken();
    expect(backend.refreshes).toBe(1);
    expect(token).not.toBe(before);
    expect(events).toMatchObject([{ type: 'refresh', trigger: 'restore' }]);
  });

  it('a signed-out page asks too: another tab may have logged in meanwhile (the cookie is there)', async () => {
    const backend = mockBackend();
    const auth = make();
    await auth.restore();
    expect(auth.getState().status).toBe('authenticated'); // the mock's refresh always answers: a cookie
    await auth.logout();
    show(true);
    await expect.poll(() => auth.getState().status).toBe('authenticated');
    expect(backend.refreshes).toBe(2);
  });

  it('a page shown fresh (not from the cache) asks nothing, nor does a disposed client', async () => {
    const backend = mockBackend();
    const auth = make();
    await auth.login(alice);
    show(false);
    auth.dispose();
    show(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.refreshes).toBe(0);
  });

  it('dispose() stops listening on the page it listened on, though the globals are gone by then (a test environment torn down first)', async () => {
    const backend = mockBackend();
    const auth = make();
    await auth.login(alice);
    vi.stubGlobal('window', undefined);
    vi.stubGlobal('document', undefined);
    expect(() => auth.dispose()).not.toThrow();
    vi.unstubAllGlobals();
    show(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.refreshes).toBe(0);
  });

  it('memory mode: asks the open tabs for the session, and spends no refresh token (ours may be rotated away)', async () => {
    const backend = mockBackend();
    const auth = make({ refreshToken: 'memory', channel: 'keycard-pageshow' });
    await auth.login(alice);
    const heard: Array<{ type: string }> = [];
    const other = new BroadcastChannel('keycard-pageshow');
    channels.push(other);
    other.onmessage = (e) => heard.push(e.data);
    show(true);
    await expect.poll(() => heard.map((m) => m.type)).toContain('sync');
    expect(backend.refreshes).toBe(0);
  });

  it.each([
    ['pageshow alone', false],
    ['shown first (visibilitychange, then pageshow: WebKit)', true],
  ])(
    'memory mode, its token due on its return (%s): the refresh waits for the open tabs, and takes the session they hand over rather than spend its own refresh token, which the open tab rotated away',
    async (_, visible) => {
      const backend = mockBackend();
      const other = new BroadcastChannel('keycard-pageshow-due');
      channels.push(other);
      let session: unknown;
      const handed = { accessToken: jwt({ sub: 'alice', n: 2 }), refreshToken: 'rotated', claims: { sub: 'alice' } };
      // The open tab answers as a tab does: the session it holds, then the ping.
      other.onmessage = ({ data }) => {
        if (data.type === 'tokens') session = data.session; // this page's login
        if (data.type === 'sync')
          other.postMessage({
            type: 'tokens',
            at: data.at,
            session,
            tokens: { ...handed, receivedAt: Date.now(), lifetime: 300_000 },
          });
        if (data.type === 'ping') other.postMessage({ type: 'pong', at: data.at, to: data.at, by: 'other', out: -1 });
      };
      const options = { refreshToken: 'memory', channel: 'keycard-pageshow-due', locks } as Partial<AuthClientOptions>;
      const auth = make(options);
      await auth.login(alice);
      await expect.poll(() => session).toEqual(expect.any(Number));
      // Cached ten minutes: its token expired meanwhile.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 600_000 });
      if (visible) {
        vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
        document.dispatchEvent(new Event('visibilitychange')); // a due token: the wake refreshes it
      }
      show(true);
      expect(await auth.getAccessToken()).toBe(handed.accessToken);
      expect(backend.refreshes).toBe(0);
      expect(await auth.refresh()).toMatchObject({ status: 'authenticated' });
      expect(backend.lastRefreshBody).toEqual({ refresh_token: 'rotated' });
    },
  );
});
