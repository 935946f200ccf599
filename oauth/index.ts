/**
 * `keycard/oauth`: the core client speaking OAuth 2.0 / OpenID Connect to a
 * real provider (discovery, authorization code + PKCE by redirect, ID token
 * validation, refresh rotation, revocation, end-session).
 *
 * @example
 * import { createOAuthClient } from 'keycard/oauth';
 * const auth = createOAuthClient({ issuer: 'https://id.example.com', clientId: 'my-spa', redirectUri: `${location.origin}/callback` });
 * if (auth.isRedirectCallback()) await auth.handleRedirectCallback();
 * else await auth.loginWithRedirect();
 */
export { createOAuthClient } from './client';
export type {
  LoginWithRedirectOptions,
  LogoutWithRedirectOptions,
  OAuthClient,
  OAuthClientOptions,
  OAuthErrorResponse,
  ProviderMetadata,
  RedirectResult,
  RevocationResult,
} from './types';
