// keycard/oauth in Chromium, Firefox ESR and WebKitGTK against Django OAuth Toolkit (dot_server.py, with
// django-cors-headers for the app's origin): what django-oauth-toolkit.test.ts shows in Node, through the engine's
// fetch. Discovery meets Django's slash redirect as a browser's opaque redirect (status 0, no Location to read), and
// the access tokens are opaque. .ci/run installs the packages; without them the test skips outside CI and fails in CI.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, engineTabs } from '../engines';
import { hasPython, startPython } from '../python';
import { startApp, walkTwoTabs } from './browser-app';
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

  it.skipIf((!engine.present || !hasDot) && !process.env.CI)(
    "signs in through Django's login page, calls the API with the opaque token, shares and rotates it across tabs, and revokes it",
    async () => {
      const user = await walkTwoTabs(tabs, app.url, `${dot!.url}/api/me/`);
      expect(user).toMatchObject({ sub: '1', aud: CLIENT_ID });
    },
    60_000,
  );
});
