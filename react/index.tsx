'use client';
/**
 * React bindings for keycard: a provider that restores the session once, and
 * hooks over `useSyncExternalStore`. Works with React 18 and 19, on the
 * server (`renderToString`) and in React Native (no DOM globals).
 *
 * @packageDocumentation
 */
export { AuthProvider, useAuthClient } from './provider';
export type { AuthProviderProps } from './provider';
export { useAuth, useAuthState } from './use-auth';
export type { UseAuthResult } from './use-auth';
export { bindAppState, useAppStateResume } from './app-state';
export type { AppStateLike } from './app-state';
export { sameUser } from './equality';
