'use client';
import { createAuthClient } from 'keycard';
import { AuthProvider, useAuth } from 'keycard/react';

// The app's own origin in the browser (app/auth/refresh answers there); the prerender on the server never calls it.
const auth = createAuthClient({
  baseUrl: typeof location === 'undefined' ? 'https://auth.example.com' : location.origin,
});

function Status() {
  const { status } = useAuth();
  return <p id="status">{status}</p>;
}

export default function AuthStatus() {
  // AuthProvider calls restore() once mounted: after hydration, so the server's "initializing" is what hydrates.
  return (
    <AuthProvider client={auth}>
      <Status />
    </AuthProvider>
  );
}
