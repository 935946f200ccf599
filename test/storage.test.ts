import { beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage, type TokenStorage } from 'keycard';
import { createRefreshTokenStore } from '../src/storage';

const KEY = 'keycard.refresh_token';

describe("drop(): another tab's news ended the session", () => {
  it('a TokenStorage the tabs share: each forgets only the refresh token it last read or wrote, and resolves with it', async () => {
    const shared = memoryStorage();
    const [a, b] = [createRefreshTokenStore(shared), createRefreshTokenStore(shared)];
    await a.set('rt-old');
    expect(await b.get()).toBe('rt-old');
    await a.set('rt-new'); // a login after the news b has not heard yet
    expect(await b.drop()).toBe('rt-old');
    expect(shared.get(KEY)).toBe('rt-new');
    // Once b holds the storage's token, it is b's to forget.
    expect(await b.get()).toBe('rt-new');
    expect(await b.drop()).toBe('rt-new');
    expect(shared.size).toBe(0);
    // A tab that never read or wrote one forgets nothing.
    await a.set('rt-a');
    expect(await createRefreshTokenStore(shared).drop()).toBeNull();
    expect(shared.get(KEY)).toBe('rt-a');
  });

  it('a tab that never read or wrote one removes nothing, though a read would find the storage empty and another tab stores one just after', async () => {
    const map = new Map<string, string>();
    // Reads what is there when asked, answers a turn of the event loop later (IndexedDB, chrome.storage).
    const slow: TokenStorage = {
      get: (key) => new Promise((resolve) => setTimeout(resolve, 0, map.get(key) ?? null)),
      set: (key, value) => void map.set(key, value),
      remove: (key) => void map.delete(key),
    };
    const [a, b] = [createRefreshTokenStore(slow), createRefreshTokenStore(slow)];
    const dropped = b.drop();
    await a.set('rt-login'); // another tab's login, while b's read (of an empty storage) is out
    expect(await dropped).toBeNull();
    expect(map.get(KEY)).toBe('rt-login'); // the storage model's seed 20261141 (history 1,184): it was removed
  });

  it("memory mode: the tab's own refresh token, forgotten; cookie mode: nothing to forget", async () => {
    const memory = createRefreshTokenStore('memory');
    await memory.set('rt-mine');
    expect(await memory.drop()).toBe('rt-mine');
    expect(await memory.get()).toBeNull();
    expect(await createRefreshTokenStore('cookie').drop()).toBeUndefined();
  });
});

describe('a TokenStorage read that fails (a locked keychain, a slow one): never taken for "no session"', () => {
  beforeEach(() => void vi.spyOn(console, 'warn').mockImplementation(() => {}));
  const failing = (map: Map<string, string>, fail: () => boolean): TokenStorage => ({
    get: (key) => {
      if (fail()) throw new Error('locked');
      return map.get(key) ?? null;
    },
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
  });

  it('stands in the refresh token this tab last read or wrote; with none, rejects with a network AuthError', async () => {
    let locked = true;
    const store = createRefreshTokenStore(failing(new Map([[KEY, 'rt-stored']]), () => locked));
    await expect(store.get()).rejects.toMatchObject({ code: 'network', cause: { name: 'Error' } });
    locked = false;
    expect(await store.get()).toBe('rt-stored');
    locked = true;
    expect(await store.get()).toBe('rt-stored');
    await store.set('rt-rotated');
    expect(await store.get()).toBe('rt-rotated');
  });

  it("drop() removes nothing it could not read: the token left is one the server ended, which its next reader's refusal clears", async () => {
    let locked = false;
    const map = new Map<string, string>();
    const [a, b] = [
      createRefreshTokenStore(failing(map, () => locked)),
      createRefreshTokenStore(failing(map, () => false)),
    ];
    await a.set('rt-old');
    await b.set('rt-login'); // another tab's login, unheard by a, whose read then fails
    locked = true;
    expect(await a.drop()).toBe('rt-old');
    expect(map.get(KEY)).toBe('rt-login');
  });

  it("after a failed write, get() writes this tab's token again rather than read the stale one; drop() ends that", async () => {
    const map = new Map([[KEY, 'rt-stale']]);
    let [reads, writes] = [false, true]; // which calls fail
    const plain = failing(map, () => reads);
    const lockable: TokenStorage = {
      ...plain,
      set: (k, v) => (writes ? Promise.reject(new Error('locked')) : plain.set(k, v)),
    };
    const a = createRefreshTokenStore(lockable);
    await a.set('rt-rotated');
    expect(map.get(KEY)).toBe('rt-stale');
    writes = false;
    expect(await a.get()).toBe('rt-rotated');
    expect(map.get(KEY)).toBe('rt-rotated');
    // Once another tab's news ended the session, this tab's token is worthless: never written over another tab's.
    writes = true;
    await a.set('rt-ended');
    map.set(KEY, 'rt-login'); // another tab's login
    reads = true;
    expect(await a.drop()).toBe('rt-ended');
    [reads, writes] = [false, false];
    expect(await a.get()).toBe('rt-login');
    expect(map.get(KEY)).toBe('rt-login');
  });

  it("adopting another tab's session ends the debt of a failed write: that tab stored its own token", async () => {
    const map = new Map<string, string>();
    let writes = true;
    const plain = failing(map, () => false);
    const a = createRefreshTokenStore({
      ...plain,
      set: (k, v) => (writes ? Promise.reject(new Error('no')) : plain.set(k, v)),
    });
    await a.set('rt-rotated'); // fails
    map.set(KEY, 'rt-login'); // another tab's login, stored before its news, which this tab adopts
    a.adopt();
    writes = false;
    expect(await a.get()).toBe('rt-login');
    expect(map.get(KEY)).toBe('rt-login');
  });
});
