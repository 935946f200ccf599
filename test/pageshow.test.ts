// @vitest-environment jsdom
// A page back from the back-forward cache heard no tab while it was there: WebKit keeps it cached through channel
// messages and drops them, so another tab's logout may have ended its session. It asks again before a request goes
// out with the old token. (In real browsers: engine.suite.ts › "the back-forward cache", WebKit's run included.)
import { HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthEvent } from 'keycard';
import { alice, API, mockBackend, useClients, useMsw } from './helpers';

useMsw();
const make = useClients();
const show = (persisted: boolean) =>
  window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }) as PageTransitionEvent);
const channels: BroadcastChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) c.close();
});

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
});
