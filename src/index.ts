export { createAuthClient } from './client';
export { AuthError } from './errors';
export type { AuthErrorCode } from './errors';
export { memoryStorage } from './memory-storage';
export type {
  AuthClient,
  AuthClientOptions,
  AuthEvent,
  AuthRequestInit,
  AuthState,
  AuthStatus,
  RefreshTrigger,
  TokenResponse,
  TokenStorage,
} from './types';
export { createJsonBackend, readTokens, send as sendAuthRequest } from './backend';
export type { AuthBackend, JsonBackendOptions, JsonFields, Reply, SendOptions } from './backend';
export { parseTokens } from './tokens';
export type { Tokens } from './tokens';
