// keycard/oauth in real browsers against a real provider: each engine (Chromium, Firefox ESR, WebKitGTK) loads an app
// page from one origin, the page redirects to oidc-provider on another, a user signs in and consents on the
// provider's own pages, and the page comes back to exchange the code. What the Node tests (flow.test.ts) can't show:
// PKCE and the ID token's signature through the engine's WebCrypto, CORS at the provider's token and revocation
// endpoints and at the API, sessionStorage across real navigations, the address bar's clean-up, and the rotated
// refresh token passing between tabs.
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type Engine, type EngineKind, type Tab } from '../engines';
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

/**
 * Polls `read` (run in the tab with `args`) until `ok` says yes: the tab may be between pages, where a run throws or
 * runs in the page being left, and both mean "not yet".
 */
async function until<T, A extends unknown[]>(
  tab: Tab,
  ok: (value: Awaited<T>) => boolean,
  read: (...args: A) => T | Promise<T>,
  ...args: A
): Promise<Awaited<T>> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  for (;;) {
    try {
      const value = await tab.run(read, ...args);
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`until: gave up; last saw ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Clicks the submit button of the page's form, once the page is the one `selector` finds something on. */
async function submit(tab: Tab, selector: string) {
  await until(tab, Boolean, (s) => document.querySelector(s) !== null, selector);
  await tab.run(() => (document.querySelector('button[type=submit]') as HTMLButtonElement).click());
}

let op: TestProvider;
let app: string;
let appServer: Server;

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
}, 60_000);
afterAll(async () => {
  appServer?.closeAllConnections();
  await new Promise((resolve) => appServer?.close(resolve));
  await op?.close();
});

describe.each(ENGINES.map((engine) => [engine.name, engine] as const))(
  'keycard/oauth in %s against oidc-provider',
  (_, engine: EngineKind) => {
    let browser: Engine;
    const opened: Tab[] = [];
    beforeAll(async () => {
      if (engine.present) browser = await engine.launch();
    }, 60_000);
    afterEach(async () => {
      for (const tab of opened.splice(0)) await tab.close().catch(() => {});
    });
    afterAll(() => browser?.close());

    const open = async (path: string) => {
      const tab = await browser.open(`${app}${path}`);
      opened.push(tab);
      return tab;
    };
    /** The app's state once its start-up (restore, or the callback) settled. */
    const state = (tab: Tab) =>
      tab.run(async () => {
        await ready;
        const s = auth.getState();
        return { status: s.status, name: (s.user as { name?: string } | null)?.name ?? null };
      });
    const callApi = (tab: Tab, url: string) =>
      tab.run((u) => auth.fetch(u).then(async (r) => ({ status: r.status, body: await r.json() })), url);

    it.skipIf(!engine.present && !process.env.CI)(
      'signs in by redirect, calls the API, shares the session with a second tab, rotates in both, and signs out both',
      async () => {
        op.grants.length = 0;
        op.requests.length = 0;
        op.apiCalls.length = 0;
        const first = await open('/orders?tab=open');
        expect(await state(first)).toEqual({ status: 'unauthenticated', name: null });

        // Login: to the provider and back, the verifier and state kept in sessionStorage for the trip only. The user
        // signs in and consents on the provider's own pages.
        await first.run(() => void auth.loginWithRedirect({ appState: { returnTo: '/orders?tab=open' } }));
        await until(first, Boolean, () => document.querySelector('input[name=login]') !== null);
        await first.run(() => {
          (document.querySelector('input[name=login]') as HTMLInputElement).value = 'alice';
          (document.querySelector('input[name=password]') as HTMLInputElement).value = 'any';
        });
        await submit(first, 'input[name=login]');
        await submit(first, 'input[name=prompt][value=consent]');
        await until(first, Boolean, (at) => location.origin === at && 'ready' in window, app);
        expect(await first.run(() => ready)).toEqual({ returnTo: '/orders?tab=open' });
        expect(await state(first)).toEqual({ status: 'authenticated', name: 'Alice Liddell' });
        // The code, state and iss are gone from the address bar; no token or secret is left in any page storage.
        expect(
          await first.run(() => ({
            href: location.href,
            local: localStorage.length,
            session: sessionStorage.length,
            cookie: document.cookie,
          })),
        ).toEqual({ href: `${app}/callback`, local: 0, session: 0, cookie: '' });
        expect(op.grants).toEqual(['grant.success:authorization_code']);

        // The API on a third origin: a CORS request with the token, verified there against the provider's keys.
        expect(await callApi(first, `${op.api}/me`)).toEqual({
          status: 200,
          body: { sub: 'alice', scope: 'api:read' },
        });

        // A second tab: memory mode has the refresh token in the first tab only, and asks it (no grant, no redirect).
        const second = await open('/');
        expect(await state(second)).toEqual({ status: 'authenticated', name: 'Alice Liddell' });
        expect(op.grants).toEqual(['grant.success:authorization_code']);

        // Rotation: the tabs take turns, each with the refresh token the other rotated. oidc-provider takes a
        // rotated-away token for a stolen one (it revokes the grant), so a tab sending a stale one would end it here.
        // Each waits to have heard the other's refresh first: one that hears it only while its own waits for the
        // lane takes those tokens instead of asking again (one refresh for the tabs), and would test nothing here.
        const turn = async (tab: Tab, other: Tab) => {
          const heard = await other.run(() => log.length);
          await tab.run(() => auth.refresh().then(() => {}));
          await until(
            other,
            (said: string[]) => said.includes('refresh:tab'),
            (n) => log.slice(n),
            heard,
          );
        };
        await turn(second, first);
        await turn(first, second);
        await turn(second, first);
        expect(op.grants).toEqual([
          'grant.success:authorization_code',
          'grant.success:refresh_token',
          'grant.success:refresh_token',
          'grant.success:refresh_token',
        ]);
        expect(await callApi(first, `${op.api}/me`)).toMatchObject({ status: 200 });
        expect(await callApi(second, `${op.api}/me`)).toMatchObject({ status: 200 });

        // Logout in the second tab: revocation (RFC 7009, CORS), then the provider's end-session page, then back.
        await second.run(() => void auth.logoutWithRedirect());
        await expect.poll(() => first.run(() => auth.getState().status)).toBe('unauthenticated');
        await submit(second, 'button[name=logout]'); // "Yes, sign me out"
        await until(second, Boolean, (at) => location.href === `${at}/` && 'ready' in window, app);
        expect(await state(second)).toMatchObject({ status: 'unauthenticated' });
        // Both tabs held the refresh token, and each revoked what it held (the provider answers 200 for one already
        // gone); the first revocation ended the grant at the provider.
        await expect.poll(() => first.run(() => log.slice(-2))).toEqual(['logout', 'revoked:true']);
        expect(op.requests.filter((r) => r.includes('/token/revocation'))).toEqual(
          Array(2).fill('POST /token/revocation 200'),
        );
        expect(op.grants.slice(4)).toEqual(['grant.revoked']);
        expect(op.apiCalls.map((c) => c.status)).toEqual([200, 200, 200]);
      },
      60_000,
    );
  },
);

declare const auth: import('../../oauth/types').OAuthClient;
declare const ready: Promise<unknown>;
declare const log: string[];
