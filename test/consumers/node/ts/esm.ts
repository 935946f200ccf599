// Type-checked under moduleResolution bundler, node16 and nodenext (an ES module: package.json says "type": "module").
// The @ts-expect-error lines fail the check if an entry's types resolve to `any` or go missing.
import {
  AuthError,
  createAuthClient,
  createJsonBackend,
  type AuthErrorCode,
  type AuthState,
  type JsonFields,
} from 'keycard';
import { AuthProvider, bindAppState, sameUser, useAuth, type UseAuthResult } from 'keycard/react';
import { bindQueryClient, isAuthError } from 'keycard/query';
import { createAuthKy } from 'keycard/ky';
import { createMockAuthServer } from 'keycard/testing';
import { createOAuthClient } from 'keycard/oauth';
import axios from 'axios';

const fields: JsonFields = { accessToken: 'access', refreshToken: 'refresh' };
const auth = createAuthClient({
  baseUrl: 'https://auth.test',
  refreshToken: 'memory',
  backend: (o) => createJsonBackend({ ...o, fields }),
});
export const state: AuthState = auth.getState();
export const code: AuthErrorCode = new AuthError('network', 'offline').code;
// @ts-expect-error: code is a string union, not any
export const notANumber: number = new AuthError('network', 'offline').code;
// @ts-expect-error: baseUrl is required
createAuthClient({});
export const same: boolean = sameUser(null, null);
export const provider: typeof AuthProvider = AuthProvider;
export type Result = UseAuthResult['status'];
export const hook: () => UseAuthResult = useAuth;
export const unbind: () => void = bindAppState(auth, { addEventListener: () => ({ remove() {} }) });
export const check: (error: unknown) => boolean = isAuthError;
export const binders = [bindQueryClient, createAuthKy, createMockAuthServer, createOAuthClient] as const;
// @ts-expect-error: createAuthKy needs a client
createAuthKy();
// README "axios": auth.fetch is the fetch axios's fetch adapter takes (axios 1.12.1's types).
export const api = axios.create({ adapter: 'fetch', env: { fetch: auth.fetch } });
