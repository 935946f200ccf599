// A provider may refuse RFC 7009 revocation (some accept it only from confidential clients): logout still completes
// locally, and the app learns the refresh token was NOT revoked, from logout()'s result and from onRevocation.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RevocationResult } from 'keycard/oauth';
import { startProvider, type TestProvider } from './provider';
import { redeem, setup } from './setup';

let op: TestProvider;
beforeAll(async () => {
  op = await startProvider();
});
afterAll(() => op?.close());

/** The real provider, except that its revocation endpoint answers `answer` (or the network fails). */
const refusing =
  (answer: () => Promise<Response>): typeof fetch =>
  async (input, init) =>
    new URL(input instanceof Request ? input.url : String(input)).pathname === '/token/revocation'
      ? answer()
      : fetch(input, init);

describe('revocation outcome', () => {
  it('revoked: logout() resolves { revoked: true } and the provider refuses the refresh token afterwards', async () => {
    const { auth, signIn, refreshToken } = setup(op);
    const told: RevocationResult[] = [];
    auth.onRevocation((r) => told.push(r));
    await signIn();
    const held = refreshToken() as string;
    expect(await auth.logout()).toEqual({ revoked: true });
    expect(told).toEqual([{ revoked: true }]);
    expect(await redeem(op, held)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  const REFUSALS: Array<[string, () => Promise<Response>, Partial<Record<string, unknown>>]> = [
    [
      '401 (revocation only for confidential clients)',
      async () => Response.json({ error: 'invalid_client' }, { status: 401 }),
      { reason: 'refused', status: 401 },
    ],
    [
      '400',
      async () => Response.json({ error: 'unsupported_token_type' }, { status: 400 }),
      { reason: 'refused', status: 400 },
    ],
    ['503', async () => new Response('down', { status: 503 }), { reason: 'refused', status: 503 }],
    [
      'a network failure',
      () => Promise.reject(new TypeError('fetch failed')),
      { reason: 'failed', error: expect.objectContaining({ name: 'AuthError', code: 'network' }) },
    ],
    [
      'a redirect',
      async () => new Response(null, { status: 307, headers: { Location: 'https://evil.test/revoke' } }),
      { reason: 'failed', error: expect.objectContaining({ code: 'invalid_response', status: 307 }) },
    ],
  ];

  it.each(REFUSALS)(
    'refused with %s: logout completes locally, and the app is told the token was NOT revoked',
    async (_name, answer, expected) => {
      const { auth, signIn, refreshToken } = setup(op, { fetch: refusing(answer) });
      const told: RevocationResult[] = [];
      auth.onRevocation((r) => told.push(r));
      await signIn();
      const held = refreshToken() as string;
      const result = await auth.logout();
      expect(result).toEqual({ revoked: false, ...expected });
      expect(told).toEqual([result]);
      expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null, error: null });
      expect(refreshToken()).toBeNull();
      // What the app is warned about is true: the refresh token still works at the provider.
      expect((await redeem(op, held)).status).toBe(200);
    },
  );

  // logout() revokes the refresh token it holds; a refresh in flight may have rotated it at the provider already. The
  // rotated one, in the answer that comes after the logout, is revoked then (a black-box test of keycard/oauth from
  // API.md: the app was told revoked while the rotated token still worked).
  it('a refresh in flight at logout(): the refresh token it rotated is revoked when its answer comes', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let rotated: string | undefined;
    const holding: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(init?.body ?? '').includes('grant_type=refresh_token')) return response;
      rotated = ((await response.clone().json()) as { refresh_token?: string }).refresh_token;
      await released;
      return response;
    };
    const { auth, signIn, refreshToken } = setup(op, { fetch: holding });
    const told: RevocationResult[] = [];
    auth.onRevocation((r) => told.push(r));
    await signIn();
    const held = refreshToken() as string;
    const refreshing = auth.refresh().catch(() => {});
    await vi.waitFor(() => expect(rotated).toEqual(expect.any(String)));
    expect(await auth.logout()).toEqual({ revoked: true }); // the held token: already rotated away (RFC 7009 §2.2)
    release();
    await refreshing;
    expect(told).toEqual([{ revoked: true }, { revoked: true }]);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null });
    for (const token of [held, rotated as string]) expect((await redeem(op, token)).status).toBe(400);
  });

  it('with nothing to revoke (signed out) logout() says so', async () => {
    const { auth } = setup(op);
    expect(await auth.logout()).toEqual({ revoked: false, reason: 'no_token' });
  });
});

it('a throwing onRevocation listener neither silences the others nor changes what logout() resolves', async () => {
  const { auth, signIn } = setup(op);
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const told: RevocationResult[] = [];
  auth.onRevocation(() => {
    throw new Error('listener bug');
  });
  auth.onRevocation((r) => told.push(r));
  await signIn();
  expect(await auth.logout()).toEqual({ revoked: true });
  expect(told).toEqual([{ revoked: true }]);
  expect(errors).toHaveBeenCalledWith(
    '[keycard] a listener threw',
    expect.objectContaining({ message: 'listener bug' }),
  );
  errors.mockRestore();
});
