'use client';
// The components and hooks: a client module for React Server Components. The pure helpers stay out of it
// (see index.tsx), so a server component can call them.
export { AuthProvider, useAuthClient } from './provider';
export type { AuthProviderProps } from './provider';
export { useAuth, useAuthState } from './use-auth';
export type { UseAuthResult } from './use-auth';
export { useAppStateResume } from './app-state';
