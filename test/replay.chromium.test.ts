// A 401's replay carries the same body in Chromium (replay.page.ts; Firefox and WebKit run it in engine.suite.ts).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, servePage } from './chromium';
import { expectReplayed, replayBodies } from './replay.page';

const REPLAY_PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>
window.auth = keycard.createAuthClient({ baseUrl: location.origin });
window.replays = 0;
auth.onEvent((e) => e.type === 'replay' && replays++);
</script>`;

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('a 401 is replayed with the same body (Chromium)', () => {
  let url: string;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ url, close } = await servePage(REPLAY_PAGE, { refreshTokenMode: 'cookie' }));
  });
  afterAll(() => close?.());

  it('a string, a Request, a Request with the init’s body, a Blob, a Uint8Array, an ArrayBuffer, a URL with Headers', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/`);
      expectReplayed(await page.evaluate(replayBodies));
    } finally {
      await browser.close();
    }
  }, 30_000);
});
