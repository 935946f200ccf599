// The entries from a CommonJS module (.cts): TypeScript must pick the `require` condition's .d.cts files.
import { AuthError, createAuthClient, type AuthState } from 'keycard';
import { sameUser } from 'keycard/react';
import { bindQueryClient } from 'keycard/query';
import { createOAuthClient } from 'keycard/oauth';

const auth = createAuthClient({ baseUrl: 'https://auth.test' });
export const state: AuthState = auth.getState();
// @ts-expect-error: code is a string union, not any
export const notANumber: number = new AuthError('network', 'offline').code;
export const same: boolean = sameUser(null, null);
export const binders = [bindQueryClient, createOAuthClient] as const;
