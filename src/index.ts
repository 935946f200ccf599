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
