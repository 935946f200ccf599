import { QueryClient } from '@tanstack/query-core';
import ky, { HTTPError } from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, type AuthErrorCode } from 'keycard';
import { isAuthError } from 'keycard/query';

const httpError = (status: number) => {
  const request = new Request('https://api.test/me');
  // ky 2: HTTPError(response, request, options)
  return new HTTPError(new Response(null, { status }), request, {} as ConstructorParameters<typeof HTTPError>[2]);
};

describe('isAuthError', () => {
  it.each<[AuthErrorCode, boolean]>([
    ['session_expired', true],
    ['unauthenticated', true],
    ['invalid_credentials', true],
    ['network', false],
    ['invalid_response', false],
  ])('AuthError %s → %s', (code, expected) => {
    expect(isAuthError(new AuthError(code, 'x'))).toBe(expected);
  });

  it('recognises an AuthError from another copy of keycard by name and code', () => {
    const foreign = Object.assign(new Error('x'), { name: 'AuthError', code: 'session_expired' });
    expect(isAuthError(foreign)).toBe(true);
  });

  it('is true for 401s: ky HTTPError, a thrown Response, anything with status 401', () => {
    expect(isAuthError(httpError(401))).toBe(true);
    expect(isAuthError(new Response(null, { status: 401 }))).toBe(true);
    expect(isAuthError({ status: 401 })).toBe(true);
    expect(isAuthError({ response: { status: 401 } })).toBe(true); // axios-style
  });

  it('is false for everything else', () => {
    expect(isAuthError(httpError(403))).toBe(false);
    expect(isAuthError(httpError(500))).toBe(false);
    expect(isAuthError(new Error('boom'))).toBe(false);
    expect(isAuthError({ status: '401' })).toBe(false);
    for (const value of [null, undefined, 401, 'unauthorized']) expect(isAuthError(value)).toBe(false);
  });
});

describe('the documented retry recipe', () => {
  let queryClient: QueryClient;
  afterEach(() => queryClient.clear());

  const attempts = async (error: unknown) => {
    queryClient = new QueryClient({
      defaultOptions: { queries: { retry: (count, err) => !isAuthError(err) && count < 3, retryDelay: 0 } },
    });
    let calls = 0;
    await queryClient
      .fetchQuery({
        queryKey: ['x'],
        queryFn: () => {
          calls++;
          throw error;
        },
      })
      .catch(() => {});
    return calls;
  };

  it('does not retry an auth failure', async () => {
    expect(await attempts(httpError(401))).toBe(1);
    expect(await attempts(new AuthError('session_expired', 'x'))).toBe(1);
  });

  it('still retries other failures', async () => {
    expect(await attempts(httpError(503))).toBe(4);
    expect(await attempts(new AuthError('network', 'x'))).toBe(4);
  });

  it('works with a ky request that ends in a 401', async () => {
    const error = await ky('https://api.test/me', {
      fetch: async () => new Response(null, { status: 401 }),
      retry: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect(isAuthError(error)).toBe(true);
  });
});
