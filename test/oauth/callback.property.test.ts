// Whatever URL the app is sent back with (a tampered or truncated redirect, another tab's, a phishing link): a login
// completes only for a redirect that answers the login started here with a code, and anything else is refused with
// an AuthError of the documented code, quoting no authorization code; the state stays coherent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from 'keycard';
import { createOAuthClient } from 'keycard/oauth';
import { NO_DISCOVERY } from './setup';
import { PROPERTY_SEED } from '../resilience/support';

const base = NO_DISCOVERY;
const CODE = 'cOdE-secret-0123456789';

const fetch: typeof globalThis.fetch = async () =>
  Response.json({ access_token: 'at-1', expires_in: 60, refresh_token: 'rt-1' });

type Edit = {
  state: 'right' | 'wrong' | 'missing' | 'twice';
  code: 'right' | 'empty' | 'missing';
  error: boolean;
  where: 'query' | 'fragment' | 'other path';
  junk: string;
};
const edit: fc.Arbitrary<Edit> = fc.record({
  state: fc.constantFrom('right', 'right', 'wrong', 'missing', 'twice'),
  code: fc.constantFrom('right', 'right', 'empty', 'missing'),
  error: fc.boolean(),
  where: fc.constantFrom('query', 'query', 'query', 'fragment', 'other path'),
  junk: fc.oneof(
    fc.constant(''),
    fc.string().map((s) => `&${encodeURIComponent(s)}=%zz${encodeURIComponent(s)}`),
  ),
});

describe('whatever redirect the app is handed', () => {
  it('completes only the login started here, with a code; anything else is an AuthError quoting no code (500 redirects)', async () => {
    const reached = new Set<string>();
    await fc.assert(
      fc.asyncProperty(edit, async (e) => {
        let opened = '';
        const auth = createOAuthClient({ ...base, fetch, navigate: (url) => void (opened = url) });
        await auth.loginWithRedirect();
        const state = new URL(opened).searchParams.get('state') as string;
        const params = new URLSearchParams();
        if (e.state === 'right' || e.state === 'twice') params.append('state', state);
        if (e.state === 'wrong') params.append('state', `${state}x`);
        if (e.state === 'twice') params.append('state', 'other');
        if (e.code !== 'missing') params.append('code', e.code === 'right' ? CODE : '');
        if (e.error) params.append('error', 'access_denied');
        const path = e.where === 'other path' ? 'com.example.app:/elsewhere' : base.redirectUri;
        const url = `${path}${e.where === 'fragment' ? '#' : '?'}${params}${e.junk}`;
        expect(typeof auth.isRedirectCallback(url)).toBe('boolean');
        const outcome = await auth.handleRedirectCallback(url).then(
          (r) => r.authState.status,
          (error: unknown) => error,
        );
        const answers = e.where !== 'fragment' && (e.state === 'right' || e.state === 'twice');
        if (!answers) expect(outcome).toMatchObject({ name: 'AuthError', code: 'invalid_response' });
        else if (e.error) expect(outcome).toMatchObject({ name: 'AuthError', code: 'invalid_credentials' });
        else if (e.code !== 'right') expect(outcome).toMatchObject({ name: 'AuthError', code: 'invalid_response' });
        else expect(outcome).toBe('authenticated');
        reached.add(outcome instanceof AuthError ? outcome.code : String(outcome));
        if (outcome instanceof AuthError) {
          expect(`${outcome.message} ${JSON.stringify(outcome.cause ?? null)}`).not.toContain(CODE);
          expect(auth.getState().status).toBe('unauthenticated');
        }
        auth.dispose();
      }),
      { numRuns: 500, seed: PROPERTY_SEED },
    );
    expect([...reached].sort()).toEqual(['authenticated', 'invalid_credentials', 'invalid_response']);
  }, 60_000);
});
