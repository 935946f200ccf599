// One OAuth client wired to the test provider, with everything a test wants to
// look at: where it navigated, what it posted, and where it kept its tokens.
import { memoryStorage, type AuthEvent } from 'keycard';
import { createOAuthClient, type OAuthClientOptions } from 'keycard/oauth';
import { CLIENT_ID, POST_LOGOUT_REDIRECT_URI, REDIRECT_URI, createBrowser, type TestProvider } from './provider';

export const RT_KEY = 'keycard.refresh_token';

/** A client of a provider with no discovery (no ID tokens: no openid scope), as a React Native app's redirect URI. */
export const NO_DISCOVERY = {
  clientId: 'app',
  redirectUri: 'com.example.app:/callback',
  discovery: false,
  authorizationEndpoint: 'https://id.test/authorize',
  tokenEndpoint: 'https://id.test/token',
  scope: 'offline_access',
} satisfies OAuthClientOptions;

export interface SentRequest {
  method: string;
  url: string;
  body: URLSearchParams;
  contentType: string | null;
}

/** Rewrites one JSON response on its way to the client (a man in the middle for negative tests). */
export type Tamper = (url: string, body: Record<string, unknown>) => Record<string, unknown> | undefined;

export function setup(op: TestProvider, options: Partial<OAuthClientOptions> & { tamper?: Tamper } = {}) {
  const { tamper, ...overrides } = options;
  const browser = createBrowser();
  const navigations: string[] = [];
  const refreshStore = memoryStorage();
  const transient = memoryStorage();
  const sent: SentRequest[] = [];
  const events: AuthEvent[] = [];

  const spyFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers);
    sent.push({
      method: init?.method ?? 'GET',
      url,
      body: new URLSearchParams(typeof init?.body === 'string' ? init.body : ''),
      contentType: headers.get('content-type'),
    });
    const response = await fetch(input, init);
    if (!tamper || !response.headers.get('content-type')?.includes('json')) return response;
    const body = (await response.json()) as Record<string, unknown>;
    return Response.json(tamper(url, body) ?? body, {
      status: response.status,
      headers: { date: response.headers.get('date') ?? '' },
    });
  };

  const auth = createOAuthClient({
    issuer: op.issuer,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    postLogoutRedirectUri: POST_LOGOUT_REDIRECT_URI,
    scope: 'openid offline_access profile email api:read',
    // oidc-provider grants offline_access (a refresh token) only with prompt=consent (OIDC Core §11).
    authorizationParams: { prompt: 'consent' },
    apiOrigins: [new URL(op.api).origin],
    refreshToken: refreshStore,
    transientStorage: transient,
    navigate: (url) => void navigations.push(url),
    fetch: spyFetch,
    channel: false,
    ...overrides,
  });
  auth.onEvent((event) => events.push(event));

  /** Redirects to the provider, signs in and consents as `login`, returns the callback URL (not yet handled). */
  async function authorize(login = 'alice', appState?: unknown): Promise<string> {
    await auth.loginWithRedirect({ appState });
    return browser.visit(navigations.at(-1) as string, { login });
  }

  return {
    auth,
    browser,
    navigations,
    refreshStore,
    transient,
    sent,
    events,
    authorize,
    /** The whole login: redirect, provider pages, callback. */
    signIn: async (login = 'alice') => auth.handleRedirectCallback(await authorize(login)),
    refreshToken: () => refreshStore.get(RT_KEY) as string | null,
    sentTo: (path: string) => sent.filter((request) => new URL(request.url).pathname === path),
  };
}

/** What an attacker holding a refresh token would do: post it to the token endpoint directly. */
export async function redeem(op: TestProvider, refreshToken: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, error: body.error };
}
