// Cookie mode (keycard's default) against a server we did not write the protocol of: Flask-JWT-Extended, the
// library's "JWT in cookies" set-up (flask_jwt_extended_server.py, Debian's python3-python-flask-jwt-extended), in
// Chromium, Firefox ESR and WebKitGTK. Its refresh cookie is HttpOnly and guarded by double-submit CSRF: a refresh
// must echo the script-readable `csrf_refresh_token` cookie in `X-CSRF-TOKEN`, which keycard's default backend
// doesn't send, so the README's recipe adds it with a wrapped fetch. .ci/run installs the package; without it the
// test skips outside CI and fails in CI.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pageDir, writeCore } from '../chromium';
import { describeEngines, engineTabs, expectRefreshedOnTime, settled } from '../engines';
import { hasPython, startPython } from '../python';

const hasFlaskJwt = hasPython('flask_jwt_extended', 'python3-python-flask-jwt-extended', 'Flask-JWT-Extended');

// `#plain`: keycard's default backend, without the recipe (and off the channel, so its failure stays in its tab).
const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>
const plain = location.hash === '#plain';
// README "Recipes": Flask-JWT-Extended with its refresh token in a cookie.
const csrf = () => /(?:^|; )csrf_refresh_token=([^;]*)/.exec(document.cookie)?.[1] ?? '';
window.auth = keycard.createAuthClient({
  baseUrl: location.origin,
  channel: plain ? false : undefined,
  backend: plain
    ? undefined
    : (o) =>
        keycard.createJsonBackend({
          ...o,
          fetch: () => (input, init) => {
            const headers = new Headers(init?.headers);
            headers.set('X-CSRF-TOKEN', csrf());
            return o.fetch()(input, { ...init, headers });
          },
        }),
});
window.heard = [];
auth.onEvent((e) => e.type === 'refresh' && heard.push(e.trigger));
window.restored = auth.restore();
</script>`;

let flask: { url: string; stop(): void } | undefined;
let url: string;
let dir: string;
const stats = async () => (await fetch(`${url}/admin/stats`)).json() as Promise<{ refreshes: number; refused: number }>;

beforeAll(async () => {
  if (!hasFlaskJwt) return;
  dir = pageDir(PAGE);
  await writeCore(dir);
  // 4 s access tokens: the proactive refresh comes at 2 s (half the lifetime), within a test's time.
  flask = await startPython(new URL('./flask_jwt_extended_server.py', import.meta.url), {
    ACCESS_SECONDS: '4',
    STATIC_DIR: dir,
  });
  url = flask.url;
}, 60_000);
afterAll(() => {
  flask?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeEngines('Flask-JWT-Extended, refresh token in a cookie, in %s', (engine) => {
  const skip = (!engine.present || !hasFlaskJwt) && !process.env.CI;
  const tabs = engineTabs(engine, !skip);
  const open = (hash = '') => tabs(`${url}/${hash}`);

  it.skipIf(skip)(
    'a login kept across a reload by the HttpOnly cookie, refreshed on time with the CSRF header, and logged out',
    async () => {
      const tab = await open();
      // A first visit: no cookie, the refresh endpoint answers 204 (the recipe's optional=True), no error.
      expect(await settled(tab)).toEqual({ status: 'unauthenticated', error: null });
      await tab.run(() => auth.login({ username: 'alice', password: 'wonderland' }).then(() => {}));
      // Scripts see the CSRF cookie (that is its design) but never the refresh token, and nothing is stored.
      expect(
        await tab.run(() => ({
          csrf: document.cookie.includes('csrf_refresh_token='),
          refresh: document.cookie.includes('refresh_token_cookie'),
          stored: localStorage.length + sessionStorage.length,
        })),
      ).toEqual({ csrf: true, refresh: false, stored: 0 });

      const before = await stats();
      await tab.reload();
      expect(await settled(tab)).toEqual({ status: 'authenticated', error: null });
      expect(await tab.run(() => auth.fetch('/api/me').then((r) => r.json()))).toEqual({ username: 'alice' });

      // 4 s tokens, refreshed before they expire, at half their life; the API answers 200 throughout.
      const refreshed = await expectRefreshedOnTime(tab, () =>
        tab.run(() => auth.fetch('/api/me').then((r) => r.status)),
      );
      const after = await stats();
      expect(after.refused - before.refused).toBe(0);
      expect(after.refreshes - before.refreshes).toBe(1 + refreshed.length); // the reload's restore, then those

      // Without the recipe, the library refuses keycard's refresh (401: no CSRF token), and that session ends.
      const plain = await open('#plain');
      expect(await settled(plain)).toEqual({ status: 'unauthenticated', error: 'session_expired 401' });
      expect((await stats()).refused - after.refused).toBe(1);

      // The server's secret rotates: every token it issued fails verification. With the library's default answer
      // (422) keycard keeps the session and retries, as for any transient failure; with the recipe's
      // invalid_token_loader (401) the session ends.
      const admin = (path: string) => fetch(`${url}/admin/${path}`, { method: 'POST' });
      await admin('rotate-secret');
      await admin('invalid-status/422');
      expect(
        await tab.run(() =>
          auth.refresh().then(
            (s) => `resolved ${s.status}`,
            (e) => `${e.code} ${e.status} ${auth.getState().status}`,
          ),
        ),
      ).toBe('network 422 authenticated');
      await admin('invalid-status/401');
      expect(await tab.run(() => auth.refresh().then((s) => `${s.status} ${s.error?.code} ${s.error?.status}`))).toBe(
        'unauthenticated session_expired 401',
      );

      // Logout clears the cookies (no valid token needed), and a reload is a first visit again.
      await tab.run(() => auth.logout());
      expect(await tab.run(() => document.cookie.includes('csrf_refresh_token='))).toBe(false);
      await tab.reload();
      expect(await settled(tab)).toEqual({ status: 'unauthenticated', error: null });
    },
    60_000,
  );
});

declare const auth: import('../../src/types').AuthClient;
declare const heard: string[];
