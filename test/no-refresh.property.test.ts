// A server that issues no refresh token (NestJS's documented set-up), and three tabs on one channel doing anything in
// any order: logins, logouts, refresh(), getAccessToken(), auth.fetch, time passing (up to past several token
// lifetimes), in memory mode or with a TokenStorage the tabs share. Over hundreds of histories:
// - nothing is ever asked of the refresh endpoint;
// - no tab hands out a token past its expiry (the server's exp, plus the second its `iat` may have been floored by);
// - a tab that says it is signed in has a token that hasn't expired yet, give or take one lane turn;
// - once the tabs are quiet, they agree: every tab is signed in with the latest login's token, or every tab is out;
// - a tab signed out by the token's expiry says so (`session_expired`); one signed out by a logout has no error.
// The code before 0bf3186 fails it at once (a login, then 301 s: signed out at 240 s with no error). More histories:
// KEYCARD_RUNS=3000 (23 s), KEYCARD_SEED=random; replay a failure with the seed and KEYCARD_PATH it prints.
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { afterEach, expect, it, vi } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { alice, BASE, mockBackend, settle, useMsw } from './helpers';
import { PROPERTY_SEED } from './resilience/support';

useMsw();

const LIFETIME_S = 300;
/** Fake time passing in steps, messages delivered between them (as they would be, being much faster than a step). */
const pass = async (ms: number) => {
  for (let left = ms; left > 0; left -= 5_000) {
    await vi.advanceTimersByTimeAsync(Math.min(left, 5_000));
    await settle();
  }
};
/** Awaits `promise` while fake time goes on (a call may wait on the lane, whose waits are timers), up to a minute. */
async function drive<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const settled = promise.finally(() => {
    done = true;
  });
  for (let i = 0; i < 600 && !done; i++) {
    await vi.advanceTimersByTimeAsync(100);
    await settle();
  }
  return settled;
}
const expOf = (token: string) => decodeJwt(token).exp!;

type Op = { kind: 'login' | 'logout' | 'refresh' | 'token' | 'fetch'; tab: number } | { kind: 'wait'; ms: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('login', 'logout', 'refresh', 'token', 'fetch'),
    tab: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({
    kind: fc.constant('wait'),
    ms: fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.constantFrom(150_000, 299_000, 301_000, 700_000)),
  }),
) as fc.Arbitrary<Op>;

const clients: AuthClient[] = [];
let n = 0;
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
  vi.useRealTimers();
});

it('a server with no refresh token: three tabs, any history, never ask it to refresh and never hand out an expired token (300 histories)', async () => {
  // How the histories ended (the fixed seed's 300: 74 signed in, 30 expired, 93 logged out, 103 never signed in): a
  // property that rarely saw one of them would prove little about it.
  const seen = { token: 0, expired: 0, logout: 0, never: 0 };
  await fc.assert(
    fc.asyncProperty(
      process.env.NR_ONE ? fc.constant(JSON.parse(process.env.NR_ONE)[0]) : fc.constantFrom('memory', 'storage'),
      process.env.NR_ONE
        ? fc.constant(JSON.parse(process.env.NR_ONE)[1])
        : fc.array(op, { minLength: 1, maxLength: 25 }),
      async (mode, ops) => {
        vi.useFakeTimers();
        const backend = mockBackend({ lifetime: LIFETIME_S, refresh: false });
        const shared = new Map<string, string>();
        const storage = {
          get: (k: string) => shared.get(k) ?? null,
          set: (k: string, v: string) => void shared.set(k, v),
          remove: (k: string) => void shared.delete(k),
        };
        const channel = `no-refresh-${++n}`;
        const tabs = [0, 1, 2].map(() =>
          createAuthClient({ baseUrl: BASE, channel, refreshToken: mode === 'memory' ? 'memory' : storage }),
        );
        clients.push(...tabs);
        /** The outcome the tabs must agree on once quiet: the latest login's token, or signed out (and why). */
        let expected: { token: string; until: number } | { out: 'logout' | 'expired' | 'never' } = { out: 'never' };
        const pending: Promise<unknown>[] = [];
        /** Tabs whose refresh() came after the session ended: theirs found no session, which says no error. */
        const askedAfter = new Set<number>();
        try {
          for (const step of ops) {
            if (step.kind === 'wait') await pass(step.ms);
            else {
              const tab = tabs[step.tab]!;
              if (step.kind === 'login') {
                const state = await drive(tab.login(alice));
                if (state.status === 'authenticated')
                  expected = { token: (await drive(tab.getAccessToken()))!, until: state.expiresAt! };
                askedAfter.clear();
              } else if (step.kind === 'logout') {
                await drive(tab.logout());
                expected = { out: 'logout' };
              } else if (step.kind === 'refresh') {
                if ('out' in expected) askedAfter.add(step.tab);
                pending.push(tab.refresh());
              } else if (step.kind === 'token') {
                const token = await drive(tab.getAccessToken());
                if (token !== null) expect(expOf(token) * 1000 + 1_000).toBeGreaterThan(Date.now());
              } else pending.push(tab.fetch(`${BASE}/api/me`).then((r) => r.status));
              await settle();
            }
            expect(backend.refreshes).toBe(0);
            // Signed in means a token not past its expiry, give or take the lane turn that ends it (a few seconds).
            for (const tab of tabs) {
              const state = tab.getState();
              if (state.status === 'authenticated') expect(state.expiresAt! + 5_000).toBeGreaterThan(Date.now());
            }
            // Its expiry as the tabs measure it: from when the login's answer arrived.
            if ('token' in expected && expected.until <= Date.now()) expected = { out: 'expired' };
          }
          await drive(Promise.all(pending));
          await pass(1_000);
          if ('token' in expected && expected.until <= Date.now()) expected = { out: 'expired' };
          seen['token' in expected ? 'token' : expected.out]++;
          for (const [i, tab] of tabs.entries()) {
            const state = tab.getState();
            if ('token' in expected) {
              expect(state.status).toBe('authenticated');
              expect(await drive(tab.getAccessToken())).toBe(expected.token);
            } else {
              expect(state.status).not.toBe('authenticated');
              if (expected.out === 'expired' && !askedAfter.has(i)) expect(state.error?.code).toBe('session_expired');
              if (expected.out === 'logout') expect(state.error).toBeNull();
            }
          }
          expect(backend.refreshes).toBe(0);
        } finally {
          for (const c of clients.splice(0)) c.dispose();
          vi.useRealTimers();
        }
      },
    ),
    { numRuns: Number(process.env.KEYCARD_RUNS ?? 300), seed: PROPERTY_SEED, path: process.env.KEYCARD_PATH },
  );
  if (!process.env.KEYCARD_PATH) for (const count of Object.values(seen)) expect(count).toBeGreaterThan(10);
}, 120_000);
