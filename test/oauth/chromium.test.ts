// keycard/oauth in a real browser against a real provider: Chromium loads an app page from one origin, the page
// redirects to oidc-provider on another, a user signs in and consents on the provider's own pages, and the page comes
// back to exchange the code. What the Node tests (flow.test.ts) can't show: PKCE and the ID token's signature through
// the browser's WebCrypto, CORS at the provider's token and revocation endpoints and at the API, sessionStorage
// across real navigations, the address bar's clean-up, and the rotated refresh token passing between tabs.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium';
import { CLIENT_ID, startProvider, type TestProvider } from './provider';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** keycard/oauth bundled from the sources for a page (global `keycardOAuth`), jose's browser build included. */
async function bundleOAuth(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'oauth/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'keycardOAuth',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'keycard-sources',
        setup: (b) => void b.onResolve({ filter: /^keycard$/ }, () => ({ path: join(ROOT, 'src/index.ts') })),
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

/**
 * The app: every path but the script serves one page, which handles the provider's redirect back when it is one and
 * restores otherwise (as the README's SPA does). `window.ready` resolves with the callback's appState, or null.
 */
const page = (
  issuer: string,
  api: string,
) => `<!doctype html><meta charset="utf-8"><script src="/keycard-oauth.js"></script>
<script>
window.log = [];
window.auth = keycardOAuth.createOAuthClient({
  issuer: ${JSON.stringify(issuer)},
  clientId: ${JSON.stringify(CLIENT_ID)},
  redirectUri: location.origin + '/callback',
  postLogoutRedirectUri: location.origin + '/',
  scope: 'openid offline_access profile email api:read',
  authorizationParams: { prompt: 'consent' },
  apiOrigins: [${JSON.stringify(new URL(api).origin)}],
});
auth.onEvent((e) => log.push(e.type + (e.trigger ? ':' + e.trigger : '')));
auth.onRevocation((r) => log.push('revoked:' + r.revoked));
window.ready = auth.isRedirectCallback()
  ? auth.handleRedirectCallback().then((r) => r.appState)
  : auth.restore().then(() => null);
</script>`;

let op: TestProvider;
let app: string;
let appServer: Server;
let context: BrowserContext;
let profile: string;

/** Signs in as alice and consents on the provider's pages, as a user would, then waits to be back at the app. */
async function signIn(tab: Page) {
  await tab.waitForURL(`${op.issuer}/**`);
  await tab.fill('input[name=login]', 'alice');
  await tab.fill('input[name=password]', 'any');
  await tab.click('button[type=submit]');
  await tab.waitForURL(`${op.issuer}/**`);
  await tab.click('button[type=submit]'); // consent: "Continue"
  await tab.waitForURL(`${app}/callback**`);
}

const state = (tab: Page) =>
  tab.evaluate(async () => {
    await ready;
    const s = auth.getState();
    return { status: s.status, name: (s.user as { name?: string } | null)?.name };
  });
const callApi = (tab: Page, url: string) =>
  tab.evaluate((u) => auth.fetch(u).then(async (r) => ({ status: r.status, body: await r.json() })), url);

describe.skipIf(!existsSync(CHROMIUM))('keycard/oauth in Chromium against oidc-provider', () => {
  beforeAll(async () => {
    appServer = createServer();
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    app = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    op = await startProvider({ app });
    const script = await bundleOAuth();
    const html = page(op.issuer, op.api);
    appServer.on('request', (req, res) => {
      if (req.url === '/keycard-oauth.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'keycard-oauth-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    // The provider's pages import a web font; nothing outside this machine is reachable.
    await context.route(/^https:\/\//, (route) => route.abort());
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    appServer?.closeAllConnections();
    await new Promise((resolve) => appServer?.close(resolve));
    await op?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('signs in by redirect, calls the API, shares the session with a second tab, rotates in both, and signs out both', async () => {
    const first = await context.newPage();
    await first.goto(`${app}/orders?tab=open`);
    expect(await state(first)).toEqual({ status: 'unauthenticated', name: undefined });

    // Login: to the provider and back, the verifier and state kept in sessionStorage for the trip only.
    await first.evaluate(() => void auth.loginWithRedirect({ appState: { returnTo: '/orders?tab=open' } }));
    await signIn(first);
    expect(await first.evaluate(() => ready)).toEqual({ returnTo: '/orders?tab=open' });
    expect(await state(first)).toEqual({ status: 'authenticated', name: 'Alice Liddell' });
    // The code, state and iss are gone from the address bar; no token or secret is left in any page storage.
    expect(first.url()).toBe(`${app}/callback`);
    expect(
      await first.evaluate(() => ({
        local: localStorage.length,
        session: sessionStorage.length,
        cookie: document.cookie,
      })),
    ).toEqual({ local: 0, session: 0, cookie: '' });
    expect(op.grants).toEqual(['grant.success:authorization_code']);

    // The API on a third origin: a CORS request with the token, verified there against the provider's keys.
    expect(await callApi(first, `${op.api}/me`)).toEqual({ status: 200, body: { sub: 'alice', scope: 'api:read' } });

    // A second tab: memory mode has the refresh token in the first tab only, and asks it (no grant, no redirect).
    const second = await context.newPage();
    await second.goto(`${app}/`);
    expect(await state(second)).toEqual({ status: 'authenticated', name: 'Alice Liddell' });
    expect(op.grants).toEqual(['grant.success:authorization_code']);

    // Rotation: each tab refreshes in turn with the refresh token the other rotated. oidc-provider takes a rotated-away
    // token for a stolen one (it revokes the grant), so a tab sending a stale one would end the session here.
    await second.evaluate(() => auth.refresh());
    await first.evaluate(() => auth.refresh());
    await second.evaluate(() => auth.refresh());
    expect(op.grants).toEqual([
      'grant.success:authorization_code',
      'grant.success:refresh_token',
      'grant.success:refresh_token',
      'grant.success:refresh_token',
    ]);
    expect(await callApi(first, `${op.api}/me`)).toMatchObject({ status: 200 });
    expect(await callApi(second, `${op.api}/me`)).toMatchObject({ status: 200 });

    // Logout in the second tab: revocation (RFC 7009, CORS), then the provider's end-session page, then back.
    await second.evaluate(() => void auth.logoutWithRedirect());
    await second.waitForURL(`${op.issuer}/**`);
    await expect.poll(() => first.evaluate(() => auth.getState().status)).toBe('unauthenticated');
    await second.click('button[type=submit]'); // "Yes, sign me out"
    await second.waitForURL(`${app}/`);
    expect(await state(second)).toMatchObject({ status: 'unauthenticated' });
    // Both tabs held the refresh token, and each revoked what it held (the provider answers 200 for one already gone);
    // the first revocation ended the grant at the provider.
    await expect.poll(() => first.evaluate(() => log.slice(-2))).toEqual(['logout', 'revoked:true']);
    expect(op.requests.filter((r) => r.includes('/token/revocation'))).toEqual(
      Array(2).fill('POST /token/revocation 200'),
    );
    expect(op.grants.slice(4)).toEqual(['grant.revoked']);
    expect(op.apiCalls.map((c) => c.status)).toEqual([200, 200, 200]);
  }, 60_000);
});

declare const auth: import('../../oauth/types').OAuthClient;
declare const ready: Promise<unknown>;
declare const log: string[];
