// A tab in the back-forward cache is frozen: it hears nothing on the channel. Browsers evict a cached page that a
// BroadcastChannel message was sent to (Chromium and Firefox alike: test/firefox.test.ts), so a tab the user comes
// back to after another tab logged out loads afresh and restores to signed out, rather than waking up with the
// logged-out session's token. A keycard page stays eligible for the cache otherwise.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, openBrowser } from './chromium';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>
window.auth = keycard.createAuthClient({ baseUrl: location.origin });
window.restored = auth.restore();
addEventListener('pageshow', (e) => (window.fromCache = e.persisted));
</script>`;
const alice = { username: 'alice', password: 'wonderland' };

let close: (() => Promise<void>) | undefined;
let url: string;
let context: import('playwright-core').BrowserContext;

describe.skipIf(!existsSync(CHROMIUM))('the back-forward cache (Chromium)', () => {
  beforeAll(async () => {
    ({ url, context, close } = await openBrowser(
      PAGE,
      { tokenLifetime: 300, refreshTokenMode: 'cookie' },
      { backForwardCache: true },
    ));
  }, 60_000);
  afterAll(() => close?.());

  it('a signed-in tab comes back from the cache signed in, and after a logout in another tab signed out', async () => {
    const a = await context.newPage();
    await a.goto(`${url}/`);
    await a.evaluate(() => restored);
    await a.evaluate((c) => auth.login(c), alice);
    await a.waitForTimeout(1000); // the lane's news lock let go: a page holding a Web Lock is not cached
    const away = async () => {
      await a.evaluate(() => ((window as unknown as { fromCache?: boolean }).fromCache = undefined)); // pageshow sets it
      await a.goto(`${url}/admin/stats`); // another site's page, as far as keycard is concerned
    };
    const back = async () => {
      await a.goBack({ waitUntil: 'commit' }); // no load event when the page comes from the cache
      await a.waitForFunction(
        () => typeof auth === 'object' && (window as unknown as { fromCache?: boolean }).fromCache !== undefined,
      );
      await a.evaluate(() => restored);
      return a.evaluate(() => [(window as unknown as { fromCache: boolean }).fromCache, auth.getState().status]);
    };
    await away();
    expect(await back()).toEqual([true, 'authenticated']);

    await away();
    const b = await context.newPage();
    await b.goto(`${url}/`);
    await b.evaluate(() => restored);
    await b.evaluate(() => auth.logout());
    await b.close();
    expect(await back()).toEqual([false, 'unauthenticated']);
    await a.close();
  }, 30_000);
});

declare const auth: import('../src/types').AuthClient;
declare const restored: Promise<unknown>;
