// keycard/oauth in Chromium, Firefox ESR and WebKitGTK against Django OAuth Toolkit (dot_server.py, with
// django-cors-headers for the app's origin): what django-oauth-toolkit.test.ts shows in Node, through the engine's
// fetch. Discovery meets Django's slash redirect as a browser's opaque redirect (status 0, no Location to read), and
// the access tokens are opaque. .ci/run installs the packages; without them the test skips outside CI and fails in CI.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, engineTabs } from '../engines';
import { hasPython, startPython } from '../python';
import { appState, callApi, refreshIn, startApp, submit, until } from './browser-app';
import { CLIENT_ID } from './provider';

const hasDot = hasPython(
  'oauth2_provider, jwcrypto, corsheaders',
  'python3-django-oauth-toolkit or python3-django-cors-headers',
  'Django OAuth Toolkit (browsers)',
);

let app: Awaited<ReturnType<typeof startApp>>;
let dot: { url: string; stop(): void } | undefined;

beforeAll(async () => {
  if (!hasDot) return;
  app = await startApp();
  dot = await startPython(new URL('./dot_server.py', import.meta.url), { APP_ORIGIN: app.url });
  // The README's Django OAuth Toolkit set-up.
  await app.serve({
    issuer: `${dot.url}/o`,
    clientId: CLIENT_ID,
    scope: 'openid read',
    revocationEndpoint: `${dot.url}/o/revoke_token/`,
    apiOrigins: [dot.url],
  });
}, 60_000);
afterAll(async () => {
  dot?.stop();
  await app?.close();
});

describeEngines('keycard/oauth in %s against Django OAuth Toolkit', (engine) => {
  const tabs = engineTabs(engine);
  const open = (path: string) => tabs(`${app.url}${path}`);

  it.skipIf((!engine.present || !hasDot) && !process.env.CI)(
    "signs in through Django's login page, calls the API with the opaque token, shares and rotates it across tabs, and revokes it",
    async () => {
      const first = await open('/');
      expect(await appState(first)).toEqual({ status: 'unauthenticated', name: null });

      await first.run(() => void auth.loginWithRedirect());
      await until(first, Boolean, () => document.querySelector('input[name=username]') !== null);
      await first.run(() => {
        (document.querySelector('input[name=username]') as HTMLInputElement).value = 'alice';
        (document.querySelector('input[name=password]') as HTMLInputElement).value = 'wonderland';
      });
      await submit(first, 'input[name=username]');
      await until(first, Boolean, (at) => location.origin === at && 'ready' in window, app.url);
      expect(await appState(first)).toMatchObject({ status: 'authenticated' });
      expect(await first.run(() => auth.getState().user?.sub)).toBe('1');
      expect(await callApi(first, `${dot!.url}/api/me/`)).toEqual({ status: 200, body: { username: 'alice' } });

      const second = await open('/');
      expect(await appState(second)).toMatchObject({ status: 'authenticated' });
      // Each with the refresh token the other rotated: a stale one is refused (invalid_grant) and ends the session.
      await refreshIn(second, first);
      await refreshIn(first, second);
      expect(await callApi(first, `${dot!.url}/api/me/`)).toMatchObject({ status: 200 });
      expect(await callApi(second, `${dot!.url}/api/me/`)).toMatchObject({ status: 200 });

      expect(await second.run(() => auth.logout())).toEqual({ revoked: true });
      await expect.poll(() => first.run(() => auth.getState().status)).toBe('unauthenticated');
    },
    60_000,
  );
});

declare const auth: import('../../oauth/types').OAuthClient;
