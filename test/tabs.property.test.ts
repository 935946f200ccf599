// Whatever arrives on a tab's channel (a rogue script, a tab of another keycard version, a broken sender): any kind of
// message, stamps of any value (huge, Infinity, NaN, strings), sessions, tokens and fields of any shape. Over
// hundreds of such streams the tab never throws in its message handler (vitest fails the run on an uncaught error),
// keeps a state that holds together, and its own logout and login still work afterwards.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthClient, type AuthClient } from 'keycard';
import { mockBackend, BASE, useMsw } from './helpers';
import { PROPERTY_SEED } from './resilience/support';

useMsw();

const clients: AuthClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
});
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
const alice = { username: 'alice', password: 'wonderland' };

const anything = fc.oneof(
  fc.constantFrom(undefined, null, true, '', 'x', [], {}, Number.NaN, Infinity, -Infinity, 1e20, 2 ** 42, -1, 0),
  fc.double(),
  fc.integer({ min: 0, max: 2 ** 43 }),
  fc.constant(Date.now()),
  fc.integer({ min: -3_600_000, max: 3_600_000 }).map((d) => Date.now() + d),
);
const tokens = fc.oneof(
  anything,
  fc.record(
    {
      accessToken: fc.oneof(anything, fc.constantFrom('x.y.z', 'opaque', 'a\r\nb')),
      refreshToken: fc.oneof(anything, fc.constant('rt')),
      receivedAt: anything,
      lifetime: fc.oneof(anything, fc.constantFrom(null, 300_000)),
      claims: fc.oneof(anything, fc.constant({ sub: 'mallory' })),
    },
    { requiredKeys: [] },
  ),
);
const message = fc.oneof(
  fc.constantFrom(undefined, null, 'logout', 42, []),
  fc.record(
    {
      // Every kind there is, and some there isn't; a lane "on" (without Web Locks) would only hold logins up for
      // the lock timeout, a documented limit, so releases only.
      type: fc.constantFrom('tokens', 'logout', 'sync', 'kept', 'ping', 'pong', 'busy', 'refreshed', 'toString', 5),
      at: anything,
      session: anything,
      login: anything,
      expired: fc.oneof(fc.boolean(), anything),
      tokens,
      out: anything,
      to: anything,
      by: fc.oneof(anything, fc.string()),
      on: fc.constant(false),
    },
    { requiredKeys: ['type'] },
  ),
);

describe("whatever arrives on a tab's channel", () => {
  it('the tab never throws, its state holds together, and its own logout and login work after it (300 streams)', async () => {
    mockBackend();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 12 }), fc.boolean(), async (stream, signedIn) => {
        const channel = `tabs-property-${++n}`;
        const tab = createAuthClient({ baseUrl: BASE, channel, refreshToken: signedIn ? 'memory' : 'cookie' });
        clients.push(tab);
        await tab.restore();
        if (signedIn) await tab.login(alice);
        const rogue = new BroadcastChannel(channel);
        for (const m of stream) rogue.postMessage(m);
        await settle();
        rogue.close();
        const state = tab.getState();
        expect(state.expiresAt === null || Number.isFinite(state.expiresAt)).toBe(true);
        expect(state.user === null || typeof state.user === 'object').toBe(true);
        const token = await tab.getAccessToken().catch(() => null);
        expect(token === null || typeof token === 'string').toBe(true);
        await tab.logout();
        expect(tab.getState().status).toBe('unauthenticated');
        expect((await tab.login(alice)).status).toBe('authenticated');
        tab.dispose();
      }),
      { numRuns: 300, seed: PROPERTY_SEED },
    );
  }, 120_000);
});
