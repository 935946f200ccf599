// How every browser test starts Debian's Chromium (the flags are shared with the tabs benchmark), or Firefox, and
// serves the page they load.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS } from '../bench/lib/chromium.mjs';

export { CHROMIUM_ARGS };
export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A new temporary directory holding `page` as `index.html`. */
export function pageDir(page: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-page-'));
  writeFileSync(join(dir, 'index.html'), page);
  return dir;
}

/**
 * Writes the core, bundled from src/, into `dir` as `keycard.js` (global `keycard`), with `also`'s exports beside it
 * (a module of this repo, e.g. a README recipe, whose `keycard` imports are that same core).
 */
export async function writeCore(dir: string, also?: { module: string; names: string[] }): Promise<void> {
  await build({
    stdin: {
      contents: `export * from 'keycard';${also ? ` export { ${also.names.join(', ')} } from '${also.module}';` : ''}`,
      resolveDir: ROOT,
      loader: 'ts',
    },
    alias: { keycard: join(ROOT, 'src/index.ts') },
    bundle: true,
    format: 'iife',
    globalName: 'keycard',
    platform: 'browser',
    outfile: join(dir, 'keycard.js'),
    logLevel: 'silent',
  });
}

/**
 * The reference server, started with `server` options, serving `page` (as `/`), the core bundled from src/ (as
 * `/keycard.js`, global `keycard`) and `files` (name → contents). `close()` stops it and removes the files.
 */
export async function servePage(page: string, server: Record<string, unknown>, files: Record<string, Buffer> = {}) {
  const dir = pageDir(page);
  await writeCore(dir);
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
  const { createServer } = await import(pathToFileURL(join(ROOT, 'examples/server/index.mjs')).href);
  const running = await createServer({ ...server, staticDir: dir });
  return {
    url: running.url as string,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One Chromium profile whose tabs load {@link servePage}'s page. `close()` stops both and removes their files. */
export async function openBrowser(page: string, server: Record<string, unknown>) {
  const served = await servePage(page, server);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'keycard-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    url: served.url,
    context,
    async close() {
      await context.close();
      await served.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
