// A hostile or broken TokenStorage (an adapter over a keychain, IndexedDB, an extension's storage), as a property:
// each call may answer right, answer something that is no refresh token (a number, an object, an empty string, a
// string it was never given), throw, reject (with an error quoting a secret, or a Proxy that throws on every read),
// hand back a thenable whose `then` throws, or never answer. Through restore, login, refresh and logout, every call
// settles, every error is an AuthError quoting no secret (nor does any console line), refresh requests carry only a
// non-empty string, and the state holds together.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthClient, type TokenStorage } from 'keycard';
import { PROPERTY_SEED, aliceJwt, reachable } from './resilience/support';

const BASE = 'https://auth.test';
const SECRET = 'sEcReT-refresh-0123456789';

type Behaviour = 'right' | 'value' | 'async value' | 'throw' | 'reject' | 'reject proxy' | 'thenable' | 'hang';
const behaviour = fc.constantFrom<Behaviour>(
  'right',
  'right',
  'right',
  'value',
  'async value',
  'throw',
  'reject',
  'reject proxy',
  'thenable',
  'hang',
);
const value = fc.constantFrom<unknown>(SECRET, '', null, undefined, 42, { token: SECRET }, [SECRET], true);

/** What a hostile call gives back instead of doing its job. */
function hostile(kind: Behaviour, v: unknown, right: () => unknown): unknown {
  const error = new Error(`keychain said: ${SECRET}`);
  switch (kind) {
    case 'right':
      return right();
    case 'value':
      return v;
    case 'async value':
      return Promise.resolve(v);
    case 'throw':
      throw error;
    case 'reject':
      return Promise.reject(error);
    case 'reject proxy':
      return Promise.reject(
        new Proxy(error, {
          get() {
            throw new Error(`proxy read: ${SECRET}`);
          },
        }),
      );
    case 'thenable':
      return {
        // biome-ignore lint/suspicious/noThenProperty: a thenable whose then getter throws is the point
        get then() {
          throw error;
        },
      };
    case 'hang':
      return new Promise(() => {});
  }
}

/** A storage whose calls follow `script` in turn (then behave), over a real map. */
function storage(script: Array<[Behaviour, unknown]>): TokenStorage {
  const map = new Map<string, string>();
  const next = <T>(right: () => T) => {
    const [kind, v] = script.shift() ?? ['right', null];
    return hostile(kind, v, right) as T;
  };
  return {
    get: (key) => next(() => map.get(key) ?? null),
    set: (key, token) => next(() => void map.set(key, token)),
    remove: (key) => next(() => void map.delete(key)),
  };
}

/** An auth server that rotates refresh tokens and refuses any it did not issue. */
function server() {
  let n = 0;
  const live = new Set<string>();
  const sent: unknown[] = [];
  const issue = () => {
    const refresh = `rt-${++n}`;
    live.add(refresh);
    return Response.json({ access_token: aliceJwt(), refresh_token: refresh });
  };
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    const body = JSON.parse(String(init?.body ?? '{}')) as { refresh_token?: unknown };
    if (path === '/auth/login') return issue();
    if (path === '/auth/logout') return new Response(null, { status: 204 });
    sent.push(body.refresh_token);
    if (body.refresh_token === undefined) return new Response(null, { status: 204 });
    if (!live.delete(body.refresh_token as string)) return Response.json({ error: 'invalid_grant' }, { status: 401 });
    return issue();
  };
  return { fetch, sent };
}

afterEach(() => vi.restoreAllMocks());

describe('whatever a TokenStorage does', () => {
  it('restore, login, refresh and logout settle, with typed errors quoting no secret and only strings sent (400 histories)', async () => {
    const logged: unknown[] = [];
    for (const method of ['warn', 'error'] as const)
      vi.spyOn(console, method).mockImplementation((...args) => void logged.push(...args));
    const reached = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(behaviour, value), { maxLength: 8 }), async (script) => {
        const { fetch, sent } = server();
        // A 20 ms timeout: a call that never answers fails that soon, as if it had thrown.
        const auth = createAuthClient({ baseUrl: BASE, refreshToken: storage(script), fetch, timeout: 0.02 });
        const errors: unknown[] = [];
        const step = async (name: string, call: () => Promise<unknown>) => {
          const outcome = await call().then(
            () => 'ok',
            (error: unknown) => (errors.push(error), error instanceof AuthError ? error.code : 'untyped'),
          );
          reached.add(`${name}:${outcome}:${auth.getState().status}:${auth.getState().error?.code ?? '-'}`);
        };
        await step('restore', () => auth.restore());
        await step('login', () => auth.login({ username: 'alice' }));
        await step('refresh', () => auth.refresh());
        await step('logout', () => auth.logout());
        for (const error of errors) expect(error).toBeInstanceOf(AuthError);
        for (const token of sent) expect(token === undefined || (typeof token === 'string' && token !== '')).toBe(true);
        const state = auth.getState();
        expect(state).toMatchObject({ status: 'unauthenticated', user: null, expiresAt: null });
        expect(await auth.getAccessToken()).toBeNull();
        for (const text of [...errors, state.error].map(reachable)) expect(text).not.toContain(SECRET);
        auth.dispose();
      }),
      { numRuns: 400, seed: PROPERTY_SEED },
    );
    // Checked over all histories at once: a call that failed after its history ended warns in the next one.
    expect(reachable(logged)).not.toContain(SECRET);
    expect(logged.length).toBeGreaterThan(0);
    // The histories reach a start-up whose read failed, a login, refreshes that succeed and that are refused.
    for (const outcome of [
      'restore:ok:unauthenticated:network',
      'login:ok:authenticated:-',
      'refresh:ok:authenticated:-',
      'refresh:ok:unauthenticated:session_expired',
    ])
      expect(reached).toContain(outcome);
  }, 120_000);
});
