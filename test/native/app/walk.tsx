// The session the Hermes test walks, inside the React Native environment:
// the example app's own auth module (examples/react-native/auth.ts, with its
// expo-secure-store TokenStorage), keycard/react rendered by
// react-test-renderer, and AppState from React Native. Each launch of the
// app is a separate Hermes process; the keychain and the server's state carry
// over, nothing else does.

import axios from 'axios';
import { createElement, type ReactElement } from 'react';
import { create, type ReactTestRenderer } from 'react-test-renderer';
import { AuthError, parseTokens, type AuthState } from 'keycard';
import { AuthProvider, useAppStateResume, useAuth } from 'keycard/react';
// Straight from its module, as `import { AppState } from 'react-native'` would give it, without loading the renderer.
import AppStateModule from 'react-native/Libraries/AppState/AppState';
import { auth, BASE_URL } from '../../../examples/react-native/auth';
import * as device from '../host/device';
import { createServer, type ServerState } from '../host/server';
import { JWT_CORPUS } from './jwt-corpus';
import { webCrypto } from './web-crypto';
import { keychain, writes } from './keychain';

declare const __DEVICE__: { phase: 'first-launch' | 'restart'; server?: ServerState };

const AppState = ((AppStateModule as unknown as { default?: unknown }).default ??
  AppStateModule) as typeof AppStateModule;
const LIFETIME = 300;
const server = createServer({
  baseUrl: BASE_URL,
  accessTokenLifetime: LIFETIME,
  // Non-ASCII claims: the JWT payload must decode as UTF-8 without TextDecoder.
  user: { username: 'alice', password: 'wonderland', sub: 'u_alice', name: 'Zoë Ångström ✓' },
  state: __DEVICE__.server,
});
device.setServer(server);

const facts: Record<string, unknown> = {};
let latest: ReturnType<typeof useAuth> | null = null;

function Probe(): ReactElement {
  const value = useAuth();
  latest = value;
  const text = value.status === 'authenticated' ? `Hello, ${String(value.user?.name)}` : value.status;
  return createElement('Text', null, text);
}

function Resume(): null {
  useAppStateResume(AppState);
  return null;
}

function step(name: string, value?: unknown): void {
  device.emit('step', { name, value });
}

function fail(message: string): never {
  throw new Error(message);
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    fail(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

const screen = (renderer: ReactTestRenderer) => {
  const json = renderer.toJSON();
  return json && !Array.isArray(json) ? (json.children ?? []).join('') : null;
};

async function until(what: string, predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (predicate()) return;
    await device.settle();
  }
  fail(`timed out waiting for ${what}`);
}

function environment(): Record<string, unknown> {
  const g = globalThis as Record<string, unknown>;
  let urlGetters: string;
  try {
    urlGetters = new URL('https://auth.example.com/a?b=1').protocol;
  } catch (error) {
    urlGetters = `throws: ${(error as Error).message}`;
  }
  // The standard says https://evil.example (`/\` starts a protocol-relative URL).
  let urlOrigin: string;
  try {
    urlOrigin = new URL('/\\evil.example/x', 'https://auth.example.com').origin;
  } catch (error) {
    urlOrigin = `throws: ${(error as Error).message}`;
  }
  return {
    TextDecoder: typeof g.TextDecoder,
    TextEncoder: typeof g.TextEncoder,
    atob: typeof g.atob,
    URL: typeof g.URL,
    urlProtocol: urlGetters,
    urlOrigin,
    fetch: typeof g.fetch,
    fetchIsReactNatives: typeof g.XMLHttpRequest === 'function' && String(g.fetch).indexOf('native code') < 0,
    XMLHttpRequest: typeof g.XMLHttpRequest,
    AbortController: typeof g.AbortController,
    BroadcastChannel: typeof g.BroadcastChannel,
    locks: typeof (g.navigator as { locks?: unknown } | undefined)?.locks,
    navigatorProduct: (g.navigator as { product?: string } | undefined)?.product,
    document: typeof g.document,
    windowIsGlobal: g.window === globalThis,
    bridgeless: g.RN$Bridgeless === true,
    setTimeout: typeof g.setTimeout,
    print: typeof g.print,
  };
}

/**
 * How parseTokens reads a token here (as test/jwt-reference.ts writes jose's answer): claims, opaque or broken. As
 * `escape`d JSON, which is ASCII: the way out to the test (stdout, UTF-8) would turn a lone surrogate into U+FFFD.
 */
function decoded(token: string): string {
  let answer: unknown;
  try {
    answer = { claims: parseTokens({ access_token: token }, Date.now(), null).claims };
  } catch (error) {
    answer =
      error instanceof AuthError && error.code === 'invalid_response' ? { broken: true } : { threw: String(error) };
  }
  return escape(JSON.stringify(answer));
}

async function firstLaunch(): Promise<void> {
  facts.environment = environment();
  step('environment', facts.environment);

  step(
    'hostile JWTs decode as jose decodes them',
    JWT_CORPUS.map(([name, token]) => [name, decoded(token)]),
  );

  const renderer = create(createElement(AuthProvider, { client: auth }, createElement(Resume), createElement(Probe)));
  await until('restore to settle', () => latest?.status === 'unauthenticated');
  expectEqual(screen(renderer), 'unauthenticated', 'screen after restore with nothing stored');
  expectEqual(server.stats.refreshes, 0, 'refresh requests without a stored token');
  step('restore with nothing stored');

  const wrong = await latest!
    .login({ username: 'alice', password: 'nope', refresh_token_in_body: true })
    .catch((error: unknown) => error);
  expectEqual(
    [wrong instanceof AuthError, (wrong as AuthError).code, (wrong as Error).message],
    [true, 'invalid_credentials', (wrong as Error).message],
    'a wrong password',
  );
  const state: AuthState = await latest!.login({
    username: 'alice',
    password: 'wonderland',
    refresh_token_in_body: true,
  });
  expectEqual(state.status, 'authenticated', 'login');
  expectEqual(state.user?.name, 'Zoë Ångström ✓', 'user.name decoded from the JWT');
  await until('the screen to show the user', () => screen(renderer) === 'Hello, Zoë Ångström ✓');
  const stored = Object.values(keychain);
  expectEqual(stored.length, 1, 'refresh tokens in the keychain after login');
  step('login', { user: state.user?.sub, screen: screen(renderer) });

  const response = await latest!.fetch(`${BASE_URL}/api/items`);
  const body = (await response.json()) as { items: Array<{ name: string }> };
  expectEqual(
    [response.status, body.items.length, server.stats.apiWithToken],
    [200, 2, 1],
    'an API call with the token',
  );
  step('request with the token');

  // Where each request really goes, as keycard's React Native build reads it: by its own reader on 0.74 (whose URL
  // getters throw), by URL on newer versions. A relative path (here one resolved against the base's directory) is
  // the server's and gets the token; `/\host` is protocol-relative (another origin) and gets none.
  const relative = await latest!.fetch('api/items');
  const elsewhere = await latest!.fetch('/\\elsewhere.example/items');
  const last = device.networkLog[device.networkLog.length - 1];
  expectEqual(
    [relative.status, server.stats.apiWithToken, elsewhere.status, last?.url, server.stats.elsewhereWithToken],
    [200, 2, 404, 'https://elsewhere.example/items', 0],
    'a relative path and a protocol-relative one',
  );
  step('the allow-list reads where requests go');

  const before = Object.values(keychain)[0];
  await device.advance((LIFETIME - 60) * 1000 + 1000);
  await until('the proactive refresh', () => server.stats.refreshes === 1);
  expectEqual(auth.getState().status, 'authenticated', 'state after the proactive refresh');
  const after = Object.values(keychain)[0];
  if (after === before) fail('the rotated refresh token was not stored');
  step('proactive refresh', { refreshes: server.stats.refreshes });

  server.revokeAccessTokens();
  const replayed = await latest!.fetch(`${BASE_URL}/api/items`);
  expectEqual([replayed.status, server.stats.api401, server.stats.refreshes], [200, 1, 2], '401 → refresh → replay');
  step('401 replay');

  // README "axios" on React Native: axios's fetch adapter (axios's React Native build, Metro's pick) hands
  // auth.fetch a Request, whatwg-fetch's here; keycard attaches the token to it, and after the 401 replays it.
  await device.advance(1000); // past keycard's one-refresh-a-second guard: the last refresh was just now
  server.revokeAccessTokens();
  const api = axios.create({ adapter: 'fetch', env: { fetch: auth.fetch } });
  const viaAxios = await api.get<{ items: unknown[] }>(`${BASE_URL}/api/items`);
  expectEqual(
    [viaAxios.status, viaAxios.data.items.length, server.stats.api401, server.stats.refreshes],
    [200, 2, 2, 3],
    'axios through auth.fetch: 401 → refresh → replay',
  );
  step('axios through auth.fetch: 401 → refresh → replay');

  // Suspended past the token's expiry: timers don't run; coming back to the foreground refreshes at once.
  device.setAppState('background');
  await device.settle();
  const suspendedAt = server.stats.refreshes;
  device.clock.now += 2 * LIFETIME * 1000;
  device.setAppState('active');
  await until('the refresh on resume', () => server.stats.refreshes === suspendedAt + 1);
  expectEqual(auth.getState().status, 'authenticated', 'state after resume');
  step('resume from the background refreshes at once');

  // 0.74's URL can't read the redirect back: the README's answer, react-native-url-polyfill, installed as its own
  // README says (its auto entry, first thing in the app; here once the core's steps have run on the URL 0.74 has).
  if ((await oauthLoads()) !== 'true') require('react-native-url-polyfill/auto');
  await oauthFlow();

  // The app is killed here: no logout, no dispose. Only the keychain and the server remember.
  facts.keychainWrites = writes.length;
  device.emit('persist', { keychain, server: server.state });
}

/**
 * keycard/oauth, as Metro resolves it, on this engine with these globals. It loads jose only to verify an ID token,
 * because jose makes a TextDecoder as it loads: 0.74's Hermes has none, and jose's own import throws there (a
 * ReferenceError that would stop an app importing keycard/oauth at start-up). React Native has no WebCrypto: the PKCE
 * challenge can't be made, and loginWithRedirect says what to install. The redirect back is read with the URL React
 * Native has: 0.74's throws on every getter (README: a complete URL is needed there). Returns what reading it gave.
 */
async function oauthLoads(): Promise<string> {
  const textDecoder = typeof TextDecoder;
  const { createOAuthClient } = require('keycard/oauth') as typeof import('keycard/oauth');
  const client = (options: Partial<import('keycard/oauth').OAuthClientOptions>) =>
    createOAuthClient({
      clientId: 'app',
      redirectUri: 'com.example.app:/callback',
      scope: 'offline_access',
      navigate: () => fail('navigated without a PKCE challenge'),
      channel: false,
      ...options,
    });
  /** What loginWithRedirect gave: it navigated, or its error. */
  const attempt = (oauth: import('keycard/oauth').OAuthClient) =>
    oauth.loginWithRedirect().then(
      () => 'navigated',
      (error: Error) => `${error.name}: ${error.message}`,
    );
  const oauth = client({
    discovery: false,
    authorizationEndpoint: `${BASE_URL}/authorize`,
    tokenEndpoint: `${BASE_URL}/oauth/token`,
  });
  const withoutCrypto = await attempt(oauth);
  let callback: string;
  try {
    callback = String(oauth.isRedirectCallback('com.example.app:/callback?code=c&state=s'));
  } catch (error) {
    callback = `throws: ${(error as Error).message}`;
  }
  oauth.dispose();
  // With discovery, the endpoints the provider names are read with that URL too: 0.74's can't read a protocol, and
  // the error says so (not that the provider named no http(s) URL); 0.88's can, and the missing WebCrypto is next.
  const discovering = client({ issuer: BASE_URL });
  const withDiscovery = await attempt(discovering);
  discovering.dispose();
  let jose: string;
  try {
    require('jose');
    jose = 'loads';
  } catch (error) {
    jose = `throws: ${(error as Error).name}: ${(error as Error).message}`;
  }
  step('keycard/oauth loads; without WebCrypto, loginWithRedirect says what to install', {
    textDecoder,
    jose,
    withoutCrypto,
    callback,
    withDiscovery,
  });
  return callback;
}

/**
 * With a WebCrypto (what react-native-quick-crypto gives, here in plain JavaScript) and a URL that reads the redirect
 * back (0.88's own; on 0.74 react-native-url-polyfill's), the whole flow through React Native's fetch: the
 * authorization URL with its PKCE challenge, the code exchange (a form POST), an API call, a rotation, revocation.
 */
async function oauthFlow(): Promise<void> {
  Object.assign(globalThis, { crypto: webCrypto });
  const { createOAuthClient } = require('keycard/oauth') as typeof import('keycard/oauth');
  const navigations: string[] = [];
  const flow = createOAuthClient({
    clientId: 'app',
    redirectUri: 'com.example.app:/callback',
    discovery: false,
    authorizationEndpoint: `${BASE_URL}/authorize`,
    tokenEndpoint: `${BASE_URL}/oauth/token`,
    revocationEndpoint: `${BASE_URL}/oauth/revoke`,
    scope: 'offline_access',
    navigate: (url) => void navigations.push(url),
    channel: false,
  });
  await flow.loginWithRedirect({ appState: { to: 'orders' } });
  const query = (url: string, name: string) =>
    decodeURIComponent(new RegExp(`[?&]${name}=([^&#]*)`).exec(url)?.[1] ?? '');
  const authorize = navigations[0] ?? fail('loginWithRedirect navigated nowhere');
  const { authState, appState } = await flow.handleRedirectCallback(
    `com.example.app:/callback?code=the-code&state=${encodeURIComponent(query(authorize, 'state'))}`,
  );
  const verifier = new TextEncoder().encode(server.codeVerifier() ?? '');
  const digest = new Uint8Array(await webCrypto.subtle.digest('SHA-256', verifier));
  const challenge = btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  const api = (await flow.fetch(`${BASE_URL}/api/items`)).status;
  const firstExpiry = flow.getState().expiresAt;
  device.clock.now += 1000;
  const refreshed = await flow.refresh();
  const revocation = await flow.logout();
  flow.dispose();
  step('keycard/oauth signs in by redirect (PKCE), refreshes and revokes', {
    url: (globalThis as { REACT_NATIVE_URL_POLYFILL?: string }).REACT_NATIVE_URL_POLYFILL ?? 'its own',
    authorizeTo: authorize.split('?')[0],
    method: query(authorize, 'code_challenge_method'),
    pkce: challenge === query(authorize, 'code_challenge'),
    status: authState.status,
    appState,
    api,
    refreshed: refreshed.status === 'authenticated' && refreshed.expiresAt! > firstExpiry!,
    revocation,
    tokenRequests: server.stats.oauthTokens,
  });
}

async function restart(): Promise<void> {
  facts.environment = environment();
  const storedBefore = Object.values(keychain).length;
  const renderer = create(createElement(AuthProvider, { client: auth }, createElement(Resume), createElement(Probe)));
  await until('restore from the keychain', () => latest?.status !== 'initializing' && latest?.status !== undefined);
  expectEqual(
    [storedBefore, latest!.status, screen(renderer)],
    [1, 'authenticated', 'Hello, Zoë Ångström ✓'],
    'restore from TokenStorage',
  );
  step('app restart restores from TokenStorage');

  const response = await latest!.fetch(`${BASE_URL}/api/items`);
  expectEqual(response.status, 200, 'an API call after the restart');

  await latest!.logout();
  await until('the login screen', () => screen(renderer) === 'unauthenticated');
  expectEqual(
    [Object.keys(keychain).length, server.stats.logouts, server.liveFamilies()],
    [0, 1, 0],
    'after logout: keychain, server',
  );
  step('logout empties the storage');

  renderer.unmount();
  auth.dispose();
  await device.settle();
  expectEqual(device.pendingTimers(), 0, 'native timers left after dispose()');
  step('dispose leaves no timer');
}

(__DEVICE__.phase === 'first-launch' ? firstLaunch() : restart()).finally(device.finish).then(
  () =>
    device.emit('done', {
      facts,
      exceptions: device.exceptions,
      missingModules: device.missingModules,
      network: device.networkLog,
    }),
  (error: Error) =>
    device.emit('fail', {
      message: error.message,
      stack: String(error.stack),
      logs: device.logs.slice(-20),
      network: device.networkLog,
    }),
);
