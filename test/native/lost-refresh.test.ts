// A lost refresh response must not sign the user out (issue 14): the server
// rotated the refresh token, the answer never reached the app (suspended,
// killed, network dropped), and the next refresh presents the old token.
// keycard's servers (keycard/testing here; the reference server is tested in
// test/server) give it the same successor within the 10 s reuse grace; the
// client keeps the old token until the new one is stored, and retries.

import { createAuthClient, type AuthClient, type TokenStorage } from 'keycard';
import { bindAppState } from 'keycard/react';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { BASE, useMsw } from '../testing/helpers';

const mockServer = useMsw();
const CREDENTIALS = { username: 'alice', password: 'wonderland' };
const KEY = 'keycard.refresh_token';

/** A device's keychain: outlives the client (the app's process). */
function keychain() {
  const items = new Map<string, string>();
  const storage: TokenStorage = {
    get: async (key) => items.get(key) ?? null,
    set: async (key, value) => void items.set(key, value),
    remove: async (key) => void items.delete(key),
  };
  return { items, storage };
}

/** fetch whose next refresh reaches the server (which commits the rotation) but whose answer is lost. */
function losingFetch() {
  let lose = 0;
  const sent: string[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith('/auth/refresh')) sent.push(JSON.parse(String(init?.body ?? '{}')).refresh_token);
    const response = await fetch(input, init);
    if (url.endsWith('/auth/refresh') && lose > 0) {
      lose--;
      await response.arrayBuffer();
      throw new TypeError('Network request failed'); // what React Native's fetch rejects with
    }
    return response;
  };
  return { fetch: fetchFn, loseNextRefresh: () => void (lose = 1), sent };
}

function client(storage: TokenStorage, fetchFn: typeof fetch): AuthClient {
  const auth = createAuthClient({ baseUrl: BASE, channel: false, refreshToken: storage, fetch: fetchFn });
  onTestFinished(() => auth.dispose());
  return auth;
}

function fakeClock() {
  vi.useFakeTimers({ toFake: ['Date'] });
  onTestFinished(() => void vi.useRealTimers());
}

describe('a refresh response lost after the server committed the rotation', () => {
  it('the retry presents the old token, gets the same successor, and the session goes on', async () => {
    fakeClock();
    const server = mockServer({ refreshTokenMode: 'body' });
    const { items, storage } = keychain();
    const net = losingFetch();
    const auth = client(storage, net.fetch);
    await auth.login(CREDENTIALS);
    const first = items.get(KEY)!;

    net.loseNextRefresh();
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'network' });
    expect(auth.getState().status).toBe('authenticated'); // transient: the session is kept
    expect(items.get(KEY)).toBe(first); // nothing arrived, nothing stored

    vi.advanceTimersByTime(5_000);
    await auth.refresh();
    expect(net.sent).toEqual([first, first]);
    const successor = items.get(KEY)!;
    expect(successor).not.toBe(first);
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error: null });

    // The successor is the live token of the family: the session goes on.
    await auth.refresh();
    expect(net.sent.at(-1)).toBe(successor);
    expect(auth.getState().status).toBe('authenticated');
    expect(server.stats.refreshes).toBe(3);
  });

  it('the retry after resume (the app was suspended mid-refresh) goes at once and succeeds', async () => {
    fakeClock();
    mockServer({ refreshTokenMode: 'body' });
    const { items, storage } = keychain();
    const net = losingFetch();
    const auth = client(storage, net.fetch);
    const listeners: Array<(state: string) => void> = [];
    const appState = {
      addEventListener: (_: 'change', listener: (state: string) => void) => void listeners.push(listener),
    };
    bindAppState(auth, appState);
    await auth.login(CREDENTIALS);
    const first = items.get(KEY)!;

    net.loseNextRefresh();
    const lost = auth.refresh();
    for (const listener of listeners) listener('background'); // going to the background aborts nothing
    await expect(lost).rejects.toMatchObject({ code: 'network' });
    vi.advanceTimersByTime(8_000);
    for (const listener of listeners) listener('active');
    await vi.waitFor(() => expect(net.sent).toHaveLength(2));
    await vi.waitFor(() => expect(items.get(KEY)).not.toBe(first));
    expect(net.sent).toEqual([first, first]);
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error: null });
  });

  it('the app killed between the response and the storage write: the next launch restores with the old token', async () => {
    fakeClock();
    mockServer({ refreshTokenMode: 'body' });
    const { items, storage } = keychain();
    const net = losingFetch();
    let dying = false;
    let writeStarted = false;
    // Once `dying`, a keychain write never completes: the process is killed during it.
    const device: TokenStorage = {
      ...storage,
      set: (key, value) => (dying ? ((writeStarted = true), new Promise<void>(() => {})) : storage.set(key, value)),
    };
    const auth = client(device, net.fetch);
    await auth.login(CREDENTIALS);
    const first = items.get(KEY)!;
    const before = auth.getState();

    dying = true;
    void auth.refresh().catch(() => {});
    await vi.waitFor(() => expect(writeStarted).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(auth.getState()).toBe(before); // the new access token was neither used nor announced
    auth.dispose(); // killed

    // Next launch, 3 s later: the keychain still holds the token the server already replaced.
    vi.advanceTimersByTime(3_000);
    expect(items.get(KEY)).toBe(first);
    const relaunched = client(storage, net.fetch);
    expect(await relaunched.restore()).toMatchObject({ status: 'authenticated', error: null });
    expect(net.sent).toEqual([first, first]);
    expect(items.get(KEY)).not.toBe(first);
    await relaunched.refresh(); // and the session goes on
    expect(relaunched.getState().status).toBe('authenticated');
  });

  it('a reuse outside the window still ends the session (and empties the storage)', async () => {
    fakeClock();
    mockServer({ refreshTokenMode: 'body' });
    const { items, storage } = keychain();
    const net = losingFetch();
    const auth = client(storage, net.fetch);
    await auth.login(CREDENTIALS);

    net.loseNextRefresh();
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'network' });
    vi.advanceTimersByTime(10_000);
    await auth.refresh().catch(() => {});
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
    expect(items.has(KEY)).toBe(false);
  });
});

describe('the client stores a rotated refresh token before it uses or announces the new access token', () => {
  it('refresh: state, listeners and getAccessToken() change only once TokenStorage.set has completed', async () => {
    mockServer({ refreshTokenMode: 'body' });
    const { items, storage } = keychain();
    let release: (() => void) | null = null;
    let rotated: string | null = null;
    const slow: TokenStorage = {
      ...storage,
      set: async (key, value) => {
        if (items.has(key)) {
          rotated = value;
          await new Promise<void>((resolve) => (release = resolve));
        }
        items.set(key, value);
      },
    };
    const auth = client(slow, fetch);
    await auth.login(CREDENTIALS);
    const token = await auth.getAccessToken();
    const heard: unknown[] = [];
    auth.subscribe((state) => heard.push(state));

    const refreshing = auth.refresh();
    await vi.waitFor(() => expect(release).not.toBeNull());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard).toEqual([]);
    expect(
      await Promise.race([auth.getAccessToken(), new Promise((resolve) => setTimeout(() => resolve('waiting'), 50))]),
    ).toBe('waiting');
    release!();
    await refreshing;
    expect(items.get(KEY)).toBe(rotated);
    expect(heard).toHaveLength(1);
    expect(await auth.getAccessToken()).not.toBe(token);
  });
});
