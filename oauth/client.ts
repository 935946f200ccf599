import { AuthError, createAuthClient, type AuthClient } from 'keycard';
import { createOAuthBackend } from './backend';
import { createMetadata, otherIssuer } from './discovery';
import { randomString, s256 } from './pkce';
import {
  cleanAddressBar,
  createPendingStore,
  defaultTransientStorage,
  isAuthorizationResponse,
  parseUrl,
  withParams,
} from './redirect';
import type { OAuthClient, OAuthClientOptions, OAuthErrorResponse, RedirectResult, RevocationResult } from './types';

function currentUrl(): string {
  if (typeof location === 'undefined')
    throw new TypeError('keycard/oauth: pass the redirect URL to handleRedirectCallback outside a browser');
  return location.href;
}

function browserNavigate(url: string): void {
  if (typeof location === 'undefined' || typeof location.assign !== 'function') {
    throw new TypeError('keycard/oauth: pass options.navigate to open the provider outside a browser');
  }
  location.assign(url);
}

/**
 * Creates an OAuth 2.0 / OpenID Connect client: login by redirect with the
 * authorization code flow and PKCE, ID token validation, refresh with
 * rotation, revocation and end-session on logout. Everything else (the
 * in-memory access token, scheduling, `auth.fetch`, tabs, state) is the core
 * client's.
 *
 * @example
 * const auth = createOAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: `${location.origin}/callback`,
 *   apiOrigins: ['https://api.example.com'],
 * });
 * if (auth.isRedirectCallback()) await auth.handleRedirectCallback();
 * const res = await auth.fetch('https://api.example.com/orders');
 */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const { issuer, clientId, redirectUri } = options ?? {};
  if (typeof clientId !== 'string' || typeof redirectUri !== 'string')
    throw new TypeError('keycard/oauth: createOAuthClient needs clientId and redirectUri');
  const discovery = (options.discovery ?? true) && issuer !== undefined;
  if (!discovery && !options.tokenEndpoint)
    throw new TypeError('keycard/oauth: give an issuer (for discovery) or a tokenEndpoint');
  if ((options.refreshToken as string | undefined) === 'cookie')
    throw new TypeError(
      "keycard/oauth: refreshToken is 'memory' or a TokenStorage; the provider hands the refresh token to JavaScript",
    );
  const scope = options.scope ?? (issuer ? 'openid offline_access' : undefined);
  const scopes = new Set(scope?.split(' '));
  if (scopes.has('openid') && !issuer)
    throw new TypeError('keycard/oauth: the openid scope needs an issuer, to verify ID tokens');
  const getFetch = () => options.fetch ?? globalThis.fetch;
  const timeoutMs = Math.max(0.001, options.timeout ?? 10) * 1000;
  const navigate = options.navigate ?? browserNavigate;
  const lifetime = new AbortController();

  const metadata = createMetadata({
    issuer,
    discovery,
    explicit: {
      authorization_endpoint: options.authorizationEndpoint,
      token_endpoint: options.tokenEndpoint,
      revocation_endpoint: options.revocationEndpoint,
      end_session_endpoint: options.endSessionEndpoint,
      jwks_uri: options.jwksUri,
    },
    fetch: getFetch,
    timeoutMs,
    signal: lifetime.signal,
  });

  // The backend reads the signed-in user from the client it serves, created just below.
  let core: AuthClient | undefined;
  const signedInUser = () => (core?.getState().status === 'authenticated' ? core.getState().user : null);
  const listeners = new Set<(result: RevocationResult) => void>();
  let revocations = 0;
  let lastRevocation: RevocationResult = { revoked: false, reason: 'no_token' };
  const backend = createOAuthBackend({
    clientId,
    redirectUri,
    resource: options.resource,
    openid: scopes.has('openid'),
    offlineAccess: scopes.has('offline_access'),
    metadata,
    currentUser: signedInUser,
    // The default cross-tab channel is this provider's and this app's: never shared with another client on the page.
    session: `oauth ${issuer ?? options.tokenEndpoint} ${clientId}`,
    onRevocation(result) {
      revocations++;
      lastRevocation = result;
      for (const listener of [...listeners]) {
        try {
          listener(result);
        } catch (error) {
          // As the core's listeners: one that throws must not silence the others (logged, not rethrown).
          console.error('[keycard] a listener threw', error);
        }
      }
    },
    fetch: getFetch,
    timeoutMs,
  });
  const auth = createAuthClient({
    baseUrl: options.baseUrl ?? issuer ?? (options.tokenEndpoint as string),
    refreshToken: options.refreshToken ?? 'memory',
    backend,
    refreshLeadTime: options.refreshLeadTime,
    apiOrigins: options.apiOrigins,
    fetch: options.fetch,
    channel: options.channel,
    timeout: options.timeout,
    storageKey: options.storageKey,
  });
  core = auth;
  // The raw ID token (kept for id_token_hint) goes when the session does, however it ends.
  auth.subscribe((state) => {
    if (state.status !== 'authenticated') backend.forgetIdToken();
  });

  const pending = createPendingStore(
    options.transientStorage ?? defaultTransientStorage(),
    `keycard.oauth:${clientId}`,
  );
  let lastCallback: { state: string; result: Promise<RedirectResult> } | null = null;

  async function completeLogin(url: URL): Promise<RedirectResult> {
    const params = url.searchParams;
    const state = params.get('state');
    cleanAddressBar(state);
    const saved = await pending.take();
    if (!saved || state === null || saved.state !== state) {
      // A URL with no origin (javascript:, data:) is named by its scheme: its "path" is the rest of it.
      const where = url.origin === 'null' ? url.protocol : `${url.origin}${url.pathname}`;
      throw new AuthError(
        'invalid_response',
        `the redirect to ${where} does not answer a login started here (state mismatch)`,
      );
    }
    const meta = await metadata();
    const iss = params.get('iss');
    // RFC 9207: `iss` in the redirect defends against mix-up attacks between providers, in an error response too (one
    // from another provider must not pass for this one refusing the login).
    if (
      meta.issuer &&
      (iss !== null || meta.authorization_response_iss_parameter_supported === true) &&
      iss !== meta.issuer
    ) {
      throw otherIssuer('the redirect', iss, meta.issuer);
    }
    const error = params.get('error');
    if (error !== null) {
      const cause: OAuthErrorResponse = { error };
      for (const name of ['error_description', 'error_uri'] as const)
        if (params.has(name)) cause[name] = params.get(name) as string;
      throw new AuthError('invalid_credentials', `the provider refused the login (${error.slice(0, 64)})`, { cause });
    }
    const code = params.get('code');
    if (!code) throw new AuthError('invalid_response', 'the redirect carries neither a code nor an error');
    const authState = await auth.login({
      code,
      code_verifier: saved.codeVerifier,
      redirect_uri: saved.redirectUri,
      nonce: saved.nonce,
    });
    return { authState, appState: saved.appState };
  }

  /** The core awaits the backend's logout (the revocation) before it resolves; one that made no call (disposed) revoked nothing. */
  async function revokingLogout(): Promise<RevocationResult> {
    const before = revocations;
    await auth.logout();
    return revocations === before ? { revoked: false, reason: 'no_token' } : lastRevocation;
  }
  const logout = revokingLogout as OAuthClient['logout'];

  return {
    ...auth,

    logout,

    onRevocation(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async loginWithRedirect({ params, appState } = {}) {
      const meta = await metadata();
      if (!meta.authorization_endpoint)
        throw new AuthError('invalid_response', 'the provider has no authorization_endpoint');
      const state = randomString();
      const codeVerifier = randomString();
      const nonce = scopes.has('openid') ? randomString() : undefined;
      const url = withParams(meta.authorization_endpoint, {
        resource: options.resource,
        ...options.authorizationParams,
        ...params,
        // Protocol parameters last: extra params can't weaken them.
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        scope,
        state,
        nonce,
        code_challenge: await s256(codeVerifier),
        code_challenge_method: 'S256',
      });
      await pending.save({ state, codeVerifier, nonce, redirectUri, appState });
      await navigate(url);
    },

    isRedirectCallback: (url) => isAuthorizationResponse(url ?? currentUrl()),

    handleRedirectCallback(url) {
      let parsed: URL | undefined;
      try {
        parsed = parseUrl(url ?? currentUrl());
      } catch (error) {
        return Promise.reject(error);
      }
      const state = parsed?.searchParams.get('state') ?? null;
      // React StrictMode runs effects twice: the second call for one redirect, while the first is under way, shares its
      // result. Once settled the redirect is handled: a later call is refused (its result would be a state since gone).
      if (lastCallback && state !== null && lastCallback.state === state) return lastCallback.result;
      // No redirect at all (a path, or not a string): refused as any redirect that answers no login started here,
      // without quoting it (it may hold the code), and leaving the pending login for the real one.
      const result = (
        parsed
          ? completeLogin(parsed)
          : Promise.reject(new AuthError('invalid_response', 'the redirect handed to handleRedirectCallback is no URL'))
      ).catch(async (error: unknown) => {
        // A refused redirect must not leave the app 'initializing': settle it as any startup would.
        if (auth.getState().status === 'initializing') await auth.restore().catch(() => {});
        throw error;
      });
      if (state !== null) {
        const call = (lastCallback = { state, result });
        const settled = () => void (lastCallback === call && (lastCallback = null));
        result.then(settled, settled);
      }
      return result;
    },

    async logoutWithRedirect({ postLogoutRedirectUri = options.postLogoutRedirectUri, params } = {}) {
      const idTokenHint = backend.idTokenFor(signedInUser());
      await logout();
      const endSession = await metadata().then(
        (meta) => meta.end_session_endpoint,
        () => undefined,
      );
      if (!endSession) return;
      await navigate(
        withParams(endSession, {
          ...params,
          // OIDC RP-Initiated Logout 1.0 §2: client_id lets the provider honour the redirect without a hint.
          client_id: clientId,
          id_token_hint: idTokenHint,
          post_logout_redirect_uri: postLogoutRedirectUri,
        }),
      );
    },

    metadata,

    dispose() {
      lifetime.abort();
      listeners.clear();
      auth.dispose();
    },
  };
}
