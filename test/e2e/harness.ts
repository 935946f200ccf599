// Shared setup for the browser tests: find Chromium, build the demo SPA once
// into a temp dir, serve it with the reference server, and drive it with
// playwright-core. No browser is ever downloaded: the system's Chromium is used.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS as ARGS } from '../chromium';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { createServer, type KeycardServer } from '../../examples/server/index.mjs';

// CHROMIUM_PATH, when set, is the only candidate (so a wrong path shows up as "no Chromium").
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium to drive, or undefined when the machine has none. */
export const executablePath = CANDIDATES.find((path) => existsSync(path));

/** Skip where there is no Chromium, except in CI, where a missing browser must fail the run. */
export const skipBrowserTests = !executablePath && !process.env.CI;

if (!executablePath) {
  console.warn(
    `[keycard e2e] No Chromium found (set CHROMIUM_PATH or install /usr/bin/chromium): ${
      process.env.CI ? 'FAILING, since CI is set' : 'SKIPPING the browser tests'
    }.`,
  );
}

export const ALICE = { username: 'alice', password: 'wonderland' };

export interface Demo {
  server: KeycardServer;
  browser: Browser;
  /** A fresh browser profile: its own cookie jar, storage, BroadcastChannel and Web Locks. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Builds the SPA, starts the server (long-lived tokens until a test says otherwise) and launches Chromium. */
export async function startDemo(): Promise<Demo> {
  if (!executablePath)
    throw new Error('[keycard e2e] Chromium is required in CI: set CHROMIUM_PATH or install /usr/bin/chromium');
  const outDir = await mkdtemp(join(tmpdir(), 'keycard-spa-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(outDir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    await build({
      configFile: fileURLToPath(new URL('../../examples/spa/vite.config.ts', import.meta.url)),
      build: { outDir, emptyOutDir: true },
      logLevel: 'silent',
    });
    const server = await createServer({ staticDir: outDir });
    cleanups.push(() => server.close());
    const browser = await chromium.launch({ executablePath, args: ARGS });
    cleanups.push(() => browser.close());
    return { server, browser, newContext: () => browser.newContext({ baseURL: server.url }), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens the demo (with `query`, e.g. '?lead=2') and waits until it has settled signed in or out. */
export async function open(context: BrowserContext, query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/${query}`);
  await page.locator('main:not([data-status="initializing"])').waitFor();
  return page;
}

/** Signs in through the demo's login form (pre-filled with alice / wonderland). */
export async function signIn(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main[data-status="authenticated"]').waitFor();
}

export const status = (page: Page) => page.locator('main').getAttribute('data-status');

/** The refresh-token cookie as the browser holds it (HttpOnly: only the context can read it). */
export async function refreshCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === 'keycard_rt');
}

/** The demo's event log entries for one event type (and trigger), oldest first. */
export async function logEntries(page: Page, type: string, trigger?: string) {
  const selector = `[data-testid="event-log"] li[data-type="${type}"]${trigger ? `[data-trigger="${trigger}"]` : ''}`;
  const entries = await page.locator(selector).evaluateAll((items) =>
    items.map((li) => ({
      at: Number(li.getAttribute('data-at')),
      count: Number(li.getAttribute('data-count')),
      text: li.textContent ?? '',
    })),
  );
  return entries.reverse();
}

/** Local epoch ms at which the page's current access token expires (the demo's countdown). */
export async function expiresAt(page: Page): Promise<number> {
  return Number(await page.getByTestId('countdown').getAttribute('data-expires-at'));
}
