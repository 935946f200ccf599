// How every browser test starts Debian's Chromium; the flags are shared with the tabs benchmark.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS } from '../bench/lib/chromium.mjs';

export { CHROMIUM_ARGS };
export const CHROMIUM = '/usr/bin/chromium';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * One Chromium profile whose tabs load `page` (as `/`) and the core bundled from src/ (as `/keycard.js`, global
 * `keycard`) from the reference server, started with `server` options. `close()` stops both and removes their files.
 */
export async function openBrowser(page: string, server: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-page-'));
  await build({
    entryPoints: [join(ROOT, 'src/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'keycard',
    platform: 'browser',
    outfile: join(dir, 'keycard.js'),
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'index.html'), page);
  const { createServer } = await import(pathToFileURL(join(ROOT, 'examples/server/index.mjs')).href);
  const running = await createServer({ ...server, staticDir: dir });
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'keycard-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    url: running.url as string,
    context,
    async close() {
      await context.close();
      await running.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
