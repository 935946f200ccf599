// README "axios" in Chromium, Firefox and WebKit: axios bundled for the browser as an app's bundler takes it (its
// "browser" export), its fetch adapter calling keycard's auth.fetch, against the reference server in cookie mode. A 401 on each of several requests, one
// refresh for all, each replayed with its body; the token to no other origin.
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { servePage } from '../chromium';
import { describeEngines, engineTabs } from '../engines';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script><script src="/axios.js"></script>
<script>
window.auth = keycard.createAuthClient({ baseUrl: location.origin });
window.api = axios.create({ adapter: 'fetch', env: { fetch: auth.fetch } });
window.replays = 0;
auth.onEvent((e) => e.type === 'replay' && replays++);
window.restored = auth.restore();
</script>`;

let url: string;
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  const bundled = await build({
    stdin: { contents: "import axios from 'axios'; window.axios = axios;", resolveDir: import.meta.dirname },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  const axiosJs = Buffer.from(bundled.outputFiles[0]!.contents);
  ({ url, close } = await servePage(PAGE, { refreshTokenMode: 'cookie' }, { 'axios.js': axiosJs }));
}, 60_000);
afterAll(() => close?.());

describeEngines('axios through auth.fetch, in %s', (engine) => {
  const skip = !engine.present && !process.env.CI;
  const open = engineTabs(engine, !skip);

  it.skipIf(skip)(
    'a 401 on each of several axios requests: one refresh for all, each replayed with its body',
    async () => {
      const tab = await open(`${url}/`);
      const result = await tab.run(async () => {
        await restored;
        await auth.login({ username: 'alice', password: 'wonderland' });
        await fetch('/admin/reset-stats', { method: 'POST' });
        await fetch('/admin/revoke-access-tokens', { method: 'POST' });
        const blob = new Blob(['{"blob":true}'], { type: 'application/json' });
        const bodies = [{ n: 1 }, { n: 2, s: 'é ✓' }, { list: [3] }, blob];
        const replies = await Promise.all(bodies.map((body) => api.post('/api/echo', body)));
        const stats = await (await fetch('/admin/stats')).json();
        return { echoed: replies.map((r) => r.data), refreshes: stats.refreshes, replays };
      });
      expect(result).toEqual({
        echoed: [{ n: 1 }, { n: 2, s: 'é ✓' }, { list: [3] }, { blob: true }].map((body) => ({ sub: 'alice', body })),
        refreshes: 1,
        replays: 4,
      });
    },
  );
});

declare const auth: import('../../src/types').AuthClient;
declare const api: import('axios').AxiosInstance;
declare const restored: Promise<unknown>;
declare const replays: number;
