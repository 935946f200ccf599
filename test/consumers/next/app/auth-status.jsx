'use client';
import { createAuthClient } from 'keycard';
import { AuthProvider, useAuth } from 'keycard/react';

const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });

function Status() {
  const { status } = useAuth();
  return <p id="status">{status}</p>;
}

export default function AuthStatus() {
  return (
    <AuthProvider client={auth}>
      <Status />
    </AuthProvider>
  );
}
