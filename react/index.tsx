/**
 * React bindings for keycard: a provider that restores the session once, and
 * hooks over `useSyncExternalStore`. Works with React 18 and 19, on the
 * server (`renderToString`) and in React Native (no DOM globals).
 *
 * Only the components and hooks are a `'use client'` module (./client); the
 * pure helpers below are plain functions a server component may call.
 *
 * @packageDocumentation
 */
export { AuthProvider, useAuthClient, useAuth, useAuthState, useAppStateResume } from './client';
export type { AuthProviderProps, UseAuthResult } from './client';
export { bindAppState } from './bind-app-state';
export type { AppStateLike } from './bind-app-state';
export { sameUser } from './equality';
