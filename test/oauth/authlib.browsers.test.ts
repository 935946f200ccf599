// keycard/oauth in Chromium, Firefox ESR and WebKitGTK against Authlib's Flask provider (authlib_server.py, the page
// on its own origin and answered with CORS): what authlib.test.ts shows in Node, through the engine's fetch and
// WebCrypto, with opaque access tokens and an ID token whose aud is a list. .ci/run installs the package; without it
// the test skips outside CI and fails in CI.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines, engineTabs } from '../engines';
import { hasPython, startPython } from '../python';
import { startApp, walkTwoTabs } from './browser-app';
import { CLIENT_ID } from './provider';

const hasAuthlib = hasPython('authlib, flask', 'python3-authlib', 'Authlib (browsers)');

let app: Awaited<ReturnType<typeof startApp>>;
let op: { url: string; stop(): void } | undefined;

beforeAll(async () => {
  if (!hasAuthlib) return;
  app = await startApp();
  op = await startPython(new URL('./authlib_server.py', import.meta.url), { APP_ORIGIN: app.url });
  // The generic set-up: everything else comes from its discovery document.
  await app.serve({
    issuer: op.url,
    clientId: CLIENT_ID,
    scope: 'openid profile offline_access',
    apiOrigins: [op.url],
  });
}, 60_000);
afterAll(async () => {
  op?.stop();
  await app?.close();
});

describeEngines('keycard/oauth in %s against Authlib', (engine) => {
  const tabs = engineTabs(engine);

  it.skipIf((!engine.present || !hasAuthlib) && !process.env.CI)(
    'signs in through its login page, calls the API with the opaque token, shares and rotates it across tabs, and revokes it',
    async () => {
      // The ID token verified through the engine's WebCrypto: Authlib's UserInfo, aud a list.
      const user = await walkTwoTabs(tabs, app.url, `${op!.url}/api/me`);
      expect(user).toMatchObject({ sub: '1', name: 'alice', aud: [CLIENT_ID] });
    },
    60_000,
  );
});
