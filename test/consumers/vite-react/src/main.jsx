import { createRoot } from 'react-dom/client';
import { QueryClient } from '@tanstack/query-core';
import { createAuthClient } from 'keycard';
import { AuthProvider, useAuth } from 'keycard/react';
import { bindQueryClient } from 'keycard/query';

const auth = createAuthClient({ baseUrl: location.origin });
bindQueryClient(auth, new QueryClient());

function Status() {
  const { status, user } = useAuth();
  return <p data-status={status}>{user ? String(user.sub) : 'signed out'}</p>;
}

createRoot(document.getElementById('root')).render(
  <AuthProvider client={auth}>
    <Status />
  </AuthProvider>,
);
