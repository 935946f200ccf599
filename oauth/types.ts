import type { AuthClient, AuthClientOptions, AuthError, AuthState, TokenStorage } from 'keycard';

/**
 * The provider's metadata (OpenID Connect Discovery 1.0 / RFC 8414 names):
 * discovered from `{issuer}/.well-known/openid-configuration`, with explicit
 * options taking precedence.
 *
 * @example
 * const { userinfo_endpoint } = await auth.metadata();
 */
export interface ProviderMetadata {
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  jwks_uri?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  userinfo_endpoint?: string;
  /** RFC 9207: the provider adds `iss` to its redirects, and the client checks it. */
  authorization_response_iss_parameter_supported?: boolean;
  [name: string]: unknown;
}

/**
 * Options for {@link createOAuthClient}: the provider, the app's registration,
 * and the core client options that still apply.
 *
 * @example
 * const options: OAuthClientOptions = {
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: 'https://app.example.com/callback',
 *   apiOrigins: ['https://api.example.com'],
 * };
 */
export interface OAuthClientOptions
  extends Pick<AuthClientOptions, 'refreshLeadTime' | 'apiOrigins' | 'fetch' | 'channel' | 'timeout' | 'storageKey'> {
  /** The provider's issuer URL: enables discovery and is the `iss` ID tokens must carry. */
  issuer?: string;
  /** `false` skips discovery: give the endpoints (and `jwksUri` to verify ID tokens) yourself. Default `true` when `issuer` is set. */
  discovery?: boolean;
  /** Explicit endpoints win over discovered ones. `tokenEndpoint` is required without discovery. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  revocationEndpoint?: string;
  endSessionEndpoint?: string;
  jwksUri?: string;
  /** The app's registration at the provider: a public client, no secret. */
  clientId: string;
  redirectUri: string;
  /** Space-separated. Default `'openid offline_access'` with an `issuer`, none without. `openid` turns on ID token validation and makes `state.user` the ID token's claims. */
  scope?: string;
  /** RFC 8707 resource indicator sent on the authorization and token requests (the API the access token is for). */
  resource?: string;
  /** Extra authorization request parameters for every login, e.g. `{ prompt: 'consent', audience: '…' }`. */
  authorizationParams?: Record<string, string>;
  /** Where the provider sends the browser after `logoutWithRedirect()`; must be registered with the provider. */
  postLogoutRedirectUri?: string;
  /** Where the refresh token lives. Default `'memory'`; cookie mode doesn't exist here (the provider issues the token to JS). */
  refreshToken?: 'memory' | TokenStorage;
  /**
   * Holds the PKCE verifier, `state` and `nonce` for the length of one
   * redirect (deleted by the callback). Default `sessionStorage`, else memory
   * (Node, React Native, where the app stays alive while the browser is open).
   */
  transientStorage?: TokenStorage;
  /** Opens a URL for `loginWithRedirect` / `logoutWithRedirect`. Default `location.assign` in a browser; required elsewhere. */
  navigate?: (url: string) => void | Promise<void>;
  /** Where the app's API lives, for relative `auth.fetch` URLs outside a browser and the default allowed origin. Default `issuer`. */
  baseUrl?: string;
}

/**
 * Per-call options of {@link OAuthClient.loginWithRedirect}.
 *
 * @example
 * await auth.loginWithRedirect({ params: { login_hint: 'alice@example.com' }, appState: { returnTo: '/orders' } });
 */
export interface LoginWithRedirectOptions {
  /** Extra authorization request parameters for this login (`prompt`, `login_hint`, `ui_locales`, …). */
  params?: Record<string, string>;
  /** Any JSON value handed back by `handleRedirectCallback`, e.g. the route to return to. */
  appState?: unknown;
}

/**
 * Per-call options of {@link OAuthClient.logoutWithRedirect}.
 *
 * @example
 * await auth.logoutWithRedirect({ postLogoutRedirectUri: 'https://app.example.com/bye' });
 */
export interface LogoutWithRedirectOptions {
  postLogoutRedirectUri?: string;
  /** Extra end-session parameters, e.g. `{ ui_locales: 'fr' }`. */
  params?: Record<string, string>;
}

/**
 * What {@link OAuthClient.handleRedirectCallback} resolves with.
 *
 * @example
 * const { appState } = await auth.handleRedirectCallback();
 * router.replace((appState as { returnTo?: string })?.returnTo ?? '/');
 */
export interface RedirectResult {
  authState: AuthState;
  /** The `appState` given to `loginWithRedirect`, or undefined. */
  appState: unknown;
}

/**
 * The `cause` of the `AuthError` thrown when the provider redirects back with
 * `error=` (RFC 6749 §4.1.2.1), e.g. `access_denied` or, after
 * `prompt=none`, `login_required`.
 *
 * @example
 * catch (e) { if ((e.cause as OAuthErrorResponse)?.error === 'login_required') showSignInButton() }
 */
export interface OAuthErrorResponse {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/**
 * How a logout's RFC 7009 revocation of the refresh token went. The local logout completes whatever happened; when
 * `revoked` is false the refresh token may still be valid at the provider (until it expires), so the app can warn,
 * or fall back to `logoutWithRedirect()` (the provider's end-session endpoint ends the grant there).
 *
 * - `refused`: the provider answered non-2xx (`status`), e.g. a 401 from one that accepts revocation only from
 *   confidential clients;
 * - `failed`: the request failed (network, timeout, a redirect) — `error` says how;
 * - `unsupported`: the provider has no `revocation_endpoint`;
 * - `no_token`: no refresh token was held, so there was nothing to revoke.
 *
 * @example
 * const result = await auth.logout();
 * if (!result.revoked && result.reason !== 'no_token') await auth.logoutWithRedirect();
 */
export type RevocationResult =
  | { revoked: true }
  | { revoked: false; reason: 'refused'; status: number }
  | { revoked: false; reason: 'failed'; error: AuthError }
  | { revoked: false; reason: 'unsupported' | 'no_token' };

/**
 * The core {@link AuthClient} (fetch, refresh, tabs, state) plus the OAuth
 * redirect flow. `login(credentials)` still works: it posts the fields to the
 * token endpoint (`grant_type` defaults to `authorization_code`).
 *
 * @example
 * const auth = createOAuthClient({ issuer, clientId, redirectUri });
 * if (auth.isRedirectCallback()) await auth.handleRedirectCallback();
 * else if (auth.getState().status !== 'authenticated') await auth.loginWithRedirect();
 */
export interface OAuthClient extends AuthClient {
  /** Starts a login: builds the authorization URL (PKCE S256, `state`, `nonce`), saves them for the callback, and navigates. */
  loginWithRedirect(options?: LoginWithRedirectOptions): Promise<void>;
  /** True when `url` (default `location.href`) is the provider's redirect back: it has `state` and a `code` or an `error`. */
  isRedirectCallback(url?: string): boolean;
  /**
   * Completes a login from the redirect URL (default `location.href`): checks
   * `state` and `iss`, exchanges the code, validates the ID token, and cleans
   * the URL. A second call for the same redirect (React StrictMode) gets the
   * same result.
   */
  handleRedirectCallback(url?: string): Promise<RedirectResult>;
  /**
   * Ends the session locally at once (always), then revokes the refresh token at the provider (RFC 7009) and
   * resolves with how that went: `{ revoked: false, … }` when the provider refused or could not be reached.
   */
  logout(): Promise<void> & Promise<RevocationResult>; // awaits as RevocationResult; still fits where an AuthClient goes
  /**
   * Calls `listener` after each revocation attempt: a `logout()` here, or one that another tab's logout made this tab
   * start. `revoked: false` means the refresh token may still be valid at the provider. Returns the unsubscribe.
   */
  onRevocation(listener: (result: RevocationResult) => void): () => void;
  /** `logout()` (local + token revocation), then navigates to the provider's end-session endpoint when it has one. */
  logoutWithRedirect(options?: LogoutWithRedirectOptions): Promise<void>;
  /** The provider metadata in use (discovered once, explicit options winning). */
  metadata(): Promise<ProviderMetadata>;
}
