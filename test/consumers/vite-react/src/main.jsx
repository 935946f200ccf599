import { createRoot } from 'react-dom/client';
import { QueryClient } from '@tanstack/query-core';
import { createAuthClient } from 'keycard';
import { AuthProvider, useAuth } from 'keycard/react';
import { bindQueryClient } from 'keycard/query';
import { createOAuthClient } from 'keycard/oauth';

const auth = createAuthClient({ baseUrl: location.origin });
bindQueryClient(auth, new QueryClient());

// keycard/oauth (with jose) in the same build; the test drives it from the page (window.oauth).
window.oauth = createOAuthClient({
  clientId: 'app',
  redirectUri: `${location.origin}/callback`,
  discovery: false,
  authorizationEndpoint: `${location.origin}/authorize`,
  tokenEndpoint: `${location.origin}/token`,
  scope: 'openid offline_access',
  jwksUri: `${location.origin}/jwks`,
  issuer: location.origin,
  channel: false,
  navigate: (url) => void (window.navigatedTo = url),
});

function Status() {
  const { status, user } = useAuth();
  return <p data-status={status}>{user ? String(user.sub) : 'signed out'}</p>;
}

createRoot(document.getElementById('root')).render(
  <AuthProvider client={auth}>
    <Status />
  </AuthProvider>,
);
