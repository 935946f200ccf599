// Type tests for the public API of API.md, checked by `tsc --noEmit` in `npm test`.
import { expectTypeOf } from 'vitest';
import {
  AuthError,
  createAuthClient,
  memoryStorage,
  type AuthClient,
  type AuthClientOptions,
  type AuthErrorCode,
  type AuthEvent,
  type AuthState,
  type TokenStorage,
} from 'keycard';

const auth = createAuthClient({ baseUrl: 'https://auth.test' });
expectTypeOf(auth).toEqualTypeOf<AuthClient>();
expectTypeOf(auth.getState()).toEqualTypeOf<AuthState>();
expectTypeOf(auth.getState().status).toEqualTypeOf<'initializing' | 'authenticated' | 'unauthenticated'>();
expectTypeOf(auth.getState().user).toEqualTypeOf<Record<string, unknown> | null>();
expectTypeOf(auth.getState().expiresAt).toEqualTypeOf<number | null>();
expectTypeOf(auth.getState().error).toEqualTypeOf<AuthError | null>();
expectTypeOf(auth.subscribe).parameter(0).toEqualTypeOf<(state: AuthState) => void>();
expectTypeOf(auth.subscribe(() => {})).toEqualTypeOf<() => void>();
expectTypeOf(auth.restore()).toEqualTypeOf<Promise<AuthState>>();
expectTypeOf(auth.login).parameter(0).toEqualTypeOf<Record<string, unknown>>();
expectTypeOf(auth.login({})).toEqualTypeOf<Promise<AuthState>>();
expectTypeOf(auth.logout()).toEqualTypeOf<Promise<void>>();
expectTypeOf(auth.refresh()).toEqualTypeOf<Promise<AuthState>>();
expectTypeOf(auth.getAccessToken()).toEqualTypeOf<Promise<string | null>>();
expectTypeOf(auth.fetch('https://x.test', { method: 'POST', auth: false })).toEqualTypeOf<Promise<Response>>();
expectTypeOf(auth.fetch(new Request('https://x.test'))).toEqualTypeOf<Promise<Response>>();
expectTypeOf(auth.fetch(new URL('https://x.test'))).toEqualTypeOf<Promise<Response>>();
expectTypeOf(auth.dispose()).toEqualTypeOf<void>();

// Options of API.md, each accepted in every documented form.
const storage: TokenStorage = memoryStorage();
const options: AuthClientOptions[] = [
  { baseUrl: 'x', endpoints: { login: '/l', refresh: '/r', logout: '/o' } },
  { baseUrl: 'x', refreshToken: 'cookie' },
  { baseUrl: 'x', refreshToken: 'memory' },
  { baseUrl: 'x', refreshToken: storage, refreshLeadTime: 30 },
  { baseUrl: 'x', apiOrigins: ['https://api.test', /\.test$/] },
  { baseUrl: 'x', apiOrigins: (url) => url.hostname === 'api.test' },
  { baseUrl: 'x', fetch: globalThis.fetch, channel: 'mine' },
  { baseUrl: 'x', channel: false },
];
void options;
// @ts-expect-error baseUrl is required
createAuthClient({});
// @ts-expect-error refreshToken modes are fixed
createAuthClient({ baseUrl: 'x', refreshToken: 'localStorage' });

// Async and sync TokenStorage adapters both fit.
expectTypeOf<{
  get: (k: string) => Promise<string | null>;
  set: (k: string, v: string) => Promise<void>;
  remove: (k: string) => Promise<void>;
}>().toMatchTypeOf<TokenStorage>();
expectTypeOf<{
  get: (k: string) => string | null;
  set: (k: string, v: string) => void;
  remove: (k: string) => void;
}>().toMatchTypeOf<TokenStorage>();

// Errors like jose: one class, a closed set of codes.
const error = new AuthError('network', 'x', { status: 503 });
expectTypeOf(error).toMatchTypeOf<Error>();
expectTypeOf(error.code).toEqualTypeOf<AuthErrorCode>();
expectTypeOf<AuthErrorCode>().toEqualTypeOf<
  'invalid_credentials' | 'session_expired' | 'network' | 'invalid_response' | 'unauthenticated'
>();
expectTypeOf(error.status).toEqualTypeOf<number | undefined>();
// @ts-expect-error unknown codes don't compile
new AuthError('nope', 'x');

// Events are a discriminated union.
auth.onEvent((e: AuthEvent) => {
  if (e.type === 'refresh_failed') expectTypeOf(e.error).toEqualTypeOf<AuthError>();
  if (e.type === 'logout') expectTypeOf(e.reason).toEqualTypeOf<'user' | 'session_expired' | 'tab'>();
});
