// keycard/oauth in real browsers against a real provider: each engine (Chromium, Firefox ESR, WebKitGTK) loads an app
// page from one origin, the page redirects to oidc-provider on another, a user signs in and consents on the
// provider's own pages, and the page comes back to exchange the code. What the Node tests (flow.test.ts) can't show:
// PKCE and the ID token's signature through the engine's WebCrypto, CORS at the provider's token and revocation
// endpoints and at the API, sessionStorage across real navigations, the address bar's clean-up, and the rotated
// refresh token passing between tabs.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, engineTabs } from '../engines';
import { appState, callApi, refreshIn, startApp, submit, until } from './browser-app';
import { CLIENT_ID, startProvider, type TestProvider } from './provider';

let op: TestProvider;
let app: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  app = await startApp();
  op = await startProvider({ app: app.url });
  await app.serve({
    issuer: op.issuer,
    clientId: CLIENT_ID,
    scope: 'openid offline_access profile email api:read',
    authorizationParams: { prompt: 'consent' },
    apiOrigins: [new URL(op.api).origin],
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await op?.close();
});

describeEngines('keycard/oauth in %s against oidc-provider', (engine) => {
  const tabs = engineTabs(engine);
  const open = (path: string) => tabs(`${app.url}${path}`);

  it.skipIf(!engine.present && !process.env.CI)(
    'signs in by redirect, calls the API, shares the session with a second tab, rotates in both, and signs out both',
    async () => {
      op.grants.length = 0;
      op.requests.length = 0;
      op.apiCalls.length = 0;
      const first = await open('/orders?tab=open');
      expect(await appState(first)).toEqual({ status: 'unauthenticated', name: null });

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
      await until(first, Boolean, (at) => location.origin === at && 'ready' in window, app.url);
      expect(await first.run(() => ready)).toEqual({ returnTo: '/orders?tab=open' });
      expect(await appState(first)).toEqual({ status: 'authenticated', name: 'Alice Liddell' });
      // The code, state and iss are gone from the address bar; no token or secret is left in any page storage.
      expect(
        await first.run(() => ({
          href: location.href,
          local: localStorage.length,
          session: sessionStorage.length,
          cookie: document.cookie,
        })),
      ).toEqual({ href: `${app.url}/callback`, local: 0, session: 0, cookie: '' });
      expect(op.grants).toEqual(['grant.success:authorization_code']);

      // The API on a third origin: a CORS request with the token, verified there against the provider's keys.
      expect(await callApi(first, `${op.api}/me`)).toEqual({
        status: 200,
        body: { sub: 'alice', scope: 'api:read' },
      });

      // A second tab: memory mode has the refresh token in the first tab only, and asks it (no grant, no redirect).
      const second = await open('/');
      expect(await appState(second)).toEqual({ status: 'authenticated', name: 'Alice Liddell' });
      expect(op.grants).toEqual(['grant.success:authorization_code']);

      // Rotation: the tabs take turns, each with the refresh token the other rotated. oidc-provider takes a
      // rotated-away token for a stolen one (it revokes the grant), so a tab sending a stale one would end it here.
      // (refreshIn waits until the other tab heard each refresh, so each asks the provider with its rotated token.)
      await refreshIn(second, first);
      await refreshIn(first, second);
      await refreshIn(second, first);
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
      await until(second, Boolean, (at) => location.href === `${at}/` && 'ready' in window, app.url);
      expect(await appState(second)).toMatchObject({ status: 'unauthenticated' });
      // Both tabs held the refresh token, and each revoked what it held (the provider answers 200 for one already
      // gone); the revocation ended the grant at the provider (once, or twice when both arrived at once).
      await expect.poll(() => first.run(() => log.slice(-2))).toEqual(['logout', 'revoked:true']);
      expect(op.requests.filter((r) => r.includes('/token/revocation'))).toEqual(
        Array(2).fill('POST /token/revocation 200'),
      );
      expect(new Set(op.grants.slice(4))).toEqual(new Set(['grant.revoked']));
      expect(op.apiCalls.map((c) => c.status)).toEqual([200, 200, 200]);
    },
    60_000,
  );
});

declare const auth: import('../../oauth/types').OAuthClient;
declare const ready: Promise<unknown>;
declare const log: string[];
