// Cookie mode (keycard's default) against Better Auth, the real library (better-auth-server.ts), in Chromium,
// Firefox ESR and WebKitGTK: the README's recipe (better-auth.ts), bundled with the core into the page. Better
// Auth's session cookie is HttpOnly and plays the refresh token; its jwt() plugin's `GET /api/auth/token` is the
// refresh; the page and the server share an origin, as Better Auth's docs deploy it.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pageDir, writeCore } from '../chromium';
import { describeEngines, engineTabs, expectRefreshedOnTime, settled, type Tab } from '../engines';
import { ALICE, startBetterAuth, type BetterAuthApp } from './better-auth-server';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>
window.auth = keycard.createAuthClient({ baseUrl: location.origin, backend: keycard.betterAuth() });
window.heard = [];
auth.onEvent((e) => e.type === 'refresh' && heard.push(e.trigger));
window.restored = auth.restore();
</script>`;

let server: BetterAuthApp;
let lasting: BetterAuthApp; // 60 s tokens: no timer refreshes within a test
let dir: string;

beforeAll(async () => {
  dir = pageDir(PAGE);
  await writeCore(dir, { module: './test/backends/better-auth', names: ['betterAuth'] }); // the recipe beside the core
  // 4 s tokens: the proactive refresh comes at 2 s (half the lifetime), within a test's time.
  server = await startBetterAuth(4, { staticDir: dir });
  lasting = await startBetterAuth(60, { staticDir: dir });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await lasting?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeEngines('Better Auth, its session cookie as the refresh token, in %s', (engine) => {
  const skip = !engine.present && !process.env.CI;
  const open = engineTabs(engine, !skip);
  const me = (tab: Tab) => tab.run(() => auth.fetch('/api/me').then((r) => r.status));

  it.skipIf(skip)(
    'a first visit, a sign-in kept across a reload by the HttpOnly cookie, refreshed on time, ended on the server, signed out',
    async () => {
      const tab = await open(`${server.url}/`);
      // A first visit: Better Auth's 401 (no session cookie came) is "no session", with no error.
      expect(await settled(tab)).toEqual({ status: 'unauthenticated', error: null });
      await tab.run((email, password) => auth.login({ email, password }).then(() => {}), ALICE.email, ALICE.password);
      expect(
        await tab.run(() => ({ cookies: document.cookie, stored: localStorage.length + sessionStorage.length })),
      ).toEqual({ cookies: '', stored: 0 });

      await tab.reload();
      expect(await settled(tab)).toEqual({ status: 'authenticated', error: null });
      expect(await tab.run(() => auth.fetch('/api/me').then((r) => r.json()))).toEqual({ email: ALICE.email });

      // 4 s tokens, refreshed before they expire; the API, verifying against the JWKS, answers 200 throughout.
      const before = server.tokens();
      const refreshed = await expectRefreshedOnTime(tab, () => me(tab));
      expect(server.tokens() - before).toBe(refreshed.length);

      // Every session ended on the server ("sign out everywhere"): this page had one, so the 401 is session_expired.
      server.revokeAll();
      expect(await tab.run(() => auth.refresh().then((s) => `${s.status} ${s.error?.code} ${s.error?.status}`))).toBe(
        'unauthenticated session_expired 401',
      );

      // Signing out ends the session on the server and clears the cookie: a reload is a first visit again.
      await tab.run((email, password) => auth.login({ email, password }).then(() => {}), ALICE.email, ALICE.password);
      expect(await me(tab)).toBe(200);
      await tab.run(() => auth.logout());
      await tab.reload();
      expect(await settled(tab)).toEqual({ status: 'unauthenticated', error: null });
    },
    60_000,
  );

  it.skipIf(skip)(
    'two tabs: a sign-in in one signs in both, its refresh reaches the other, a sign-out in the other signs out both',
    async () => {
      const [first, second] = [await open(`${lasting.url}/`), await open(`${lasting.url}/`)];
      for (const tab of [first, second]) expect(await settled(tab)).toEqual({ status: 'unauthenticated', error: null });
      await first.run((email, password) => auth.login({ email, password }).then(() => {}), ALICE.email, ALICE.password);
      await expect.poll(() => second.run(() => auth.getState().status)).toBe('authenticated');
      expect(await me(second)).toBe(200);

      // One tab's refresh is the other's too: it adopts the new token ('tab') rather than asking for its own. (A
      // second later: Better Auth's JWTs carry no jti, so two minted in the same second are the same bytes.)
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const before = lasting.tokens();
      await first.run(() => auth.refresh().then(() => {}));
      const token = await first.run(() => auth.getAccessToken());
      await expect.poll(() => second.run(() => auth.getAccessToken())).toBe(token);
      expect(await second.run(() => heard.slice())).toEqual(['tab']);
      expect(lasting.tokens() - before).toBe(1);

      await second.run(() => auth.logout());
      await expect.poll(() => first.run(() => auth.getState().status)).toBe('unauthenticated');
      await first.reload();
      expect(await settled(first)).toEqual({ status: 'unauthenticated', error: null });
    },
    60_000,
  );
});

declare const auth: import('../../src/types').AuthClient;
declare const heard: string[];
