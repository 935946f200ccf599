// Whatever an app passes to createAuthClient (a typo, an unset environment variable, a value of the wrong type):
// either a TypeError from createAuthClient that names keycard, or a client that works: its restore settles, a login
// either signs in or rejects with an AuthError, and auth.fetch answers. Never another error, a crash later, or a hang.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, createAuthClient, memoryStorage, type AuthClientOptions } from 'keycard';
import { PROPERTY_SEED, aliceJwt } from './resilience/support';

const fetchStub = async (input: RequestInfo | URL) => {
  const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
  if (path.endsWith('login')) return Response.json({ access_token: aliceJwt(), refresh_token: 'rt' });
  if (path.endsWith('refresh')) return new Response(null, { status: 204 });
  return new Response('{}', { status: path.endsWith('logout') ? 204 : 200 });
};
const odd = fc.constantFrom<unknown>(undefined, null, '', 'x', 0, -1, Number.NaN, Infinity, true, {}, [], () => 1);
const url = fc.constantFrom<unknown>(
  'https://auth.test',
  'https://auth.test/base/',
  'http://localhost:3000',
  'auth.test',
  '/relative',
  'ftp://auth.test',
  'https://',
  new URL('https://auth.test'),
);
/** Mostly what the option takes (or left out), sometimes anything. */
const mostly = (valid: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown> = odd) =>
  fc.oneof(
    { arbitrary: valid, weight: 6 },
    { arbitrary: fc.constant(undefined), weight: 3 },
    { arbitrary: bad, weight: 1 },
  );
const options = fc.record(
  {
    baseUrl: fc.oneof(
      {
        arbitrary: fc.constantFrom('https://auth.test', 'https://auth.test/base/', 'http://localhost:3000'),
        weight: 8,
      },
      { arbitrary: fc.oneof(url, odd), weight: 2 },
    ),
    endpoints: mostly(
      fc.record(
        { login: fc.oneof(odd, fc.constantFrom('/in', 'https://auth.test/in')), refresh: odd, logout: odd },
        { requiredKeys: [] },
      ),
    ),
    refreshToken: fc.oneof(
      odd,
      fc.constantFrom<unknown>('cookie', 'memory', 'Memory', 'localStorage'),
      fc.constant(null),
    ),
    refreshLeadTime: fc.oneof(odd, fc.double(), fc.constantFrom(60, '60')),
    apiOrigins: fc.oneof(
      odd,
      fc.constantFrom<unknown>(
        'https://api.test',
        ['https://api.test', /x/],
        [new URL('https://api.test')],
        [42],
        new Set(),
      ),
    ),
    channel: fc.oneof(odd, fc.constantFrom<unknown>('name', false)),
    timeout: fc.oneof(odd, fc.double(), fc.constantFrom(10, 1e-9, 1e12)),
    storageKey: fc.oneof(odd, fc.constant('key')),
    backend: fc.oneof(fc.constant(undefined), odd, fc.constant({ login: 1 })),
  },
  { requiredKeys: [] },
);

afterEach(() => vi.restoreAllMocks());

describe('whatever options an app passes', () => {
  it('createAuthClient throws a TypeError naming keycard, or gives a client that works (2,000 option sets)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    let made = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(options, fc.boolean(), async (o, storage) => {
        const given = { ...o, fetch: fetchStub } as unknown as AuthClientOptions;
        if (storage) given.refreshToken = memoryStorage();
        let auth: ReturnType<typeof createAuthClient>;
        try {
          auth = createAuthClient(given);
        } catch (error) {
          refused++;
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(/^keycard: /);
          return;
        }
        made++;
        const settled = await auth.restore();
        expect(['authenticated', 'unauthenticated']).toContain(settled.status);
        await auth.login({ username: 'alice' }).catch((error: unknown) => expect(error).toBeInstanceOf(AuthError));
        const res = await auth.fetch('https://api.test/x');
        expect(res.status).toBe(200);
        await auth.logout();
        expect(auth.getState().status).toBe('unauthenticated');
        auth.dispose();
      }),
      { numRuns: 2000, seed: PROPERTY_SEED },
    );
    expect(made).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  }, 120_000);
});
