// Whatever a discovery document names as its authorization endpoint (a hostile or broken provider: script URLs, other
// schemes, relative paths, garbage, non-strings), loginWithRedirect either navigates to an http(s) URL on that
// endpoint, or rejects with AuthError('invalid_response') and navigates nowhere: never a TypeError, never another
// scheme. Which of the two is exactly the platform URL parser's answer (an absolute http(s) URL or not).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from 'keycard';
import { createOAuthClient } from 'keycard/oauth';
import { PROPERTY_SEED } from '../resilience/support';

const ISSUER = 'https://id.test';

/** Endpoint values: near-misses of an http(s) URL, other schemes, and anything JSON can hold. */
const endpoint: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          'https://',
          'http://',
          'HTTPS://',
          'javascript:',
          'data:',
          'https:',
          'https:/',
          '//',
          '/',
          ' https://',
          'https:\\\\',
          'ftp://',
          '',
        ),
        fc.constantFrom('id.test', '', 'exa mple.test', '[::1]', 'id.test:99999', 'a@b', '%00', 'id.test/authorize'),
        fc.string({ maxLength: 8 }),
      )
      .map((parts) => parts.join('')),
  },
  fc.string(),
  fc.jsonValue(),
);

/** What the URL parser says: an absolute http(s) URL, or not. */
const isHttpUrl = (value: unknown) => {
  if (typeof value !== 'string') return false;
  try {
    return /^https?:$/.test(new URL(value).protocol);
  } catch {
    return false;
  }
};

describe('whatever authorization endpoint a discovery document names', () => {
  it('navigates only to an http(s) URL, or refuses it as invalid_response (1,000 documents)', async () => {
    const seen = { navigated: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(endpoint, async (value) => {
        const navigations: string[] = [];
        const auth = createOAuthClient({
          issuer: ISSUER,
          clientId: 'app',
          redirectUri: 'com.example.app:/callback',
          scope: 'offline_access',
          channel: false,
          transientStorage: { get: () => null, set: () => {}, remove: () => {} },
          navigate: (url) => void navigations.push(url),
          fetch: async () =>
            Response.json({ issuer: ISSUER, authorization_endpoint: value, token_endpoint: `${ISSUER}/t` }),
        });
        try {
          const outcome = await auth.loginWithRedirect().then(
            () => 'navigated',
            (error: unknown) => error,
          );
          // Exactly the parser's answer: navigated (to an http(s) URL) iff the endpoint is one.
          expect(outcome === 'navigated').toBe(isHttpUrl(value));
          seen[outcome === 'navigated' ? 'navigated' : 'refused']++;
          if (outcome === 'navigated') {
            expect(navigations).toHaveLength(1);
            expect(isHttpUrl(navigations[0])).toBe(true);
          } else {
            expect(outcome).toBeInstanceOf(AuthError);
            expect(outcome).toMatchObject({ code: 'invalid_response' });
            expect(navigations).toEqual([]);
          }
        } finally {
          auth.dispose();
        }
      }),
      { numRuns: 1000, seed: PROPERTY_SEED },
    );
    // Both answers, often: a property that only ever saw one of them would prove little.
    expect(seen.navigated).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  });
});
