// The browser claims of engine.suite.ts in Chromium (Playwright, with Chromium's back-forward cache turned back on:
// Playwright turns it off). tabs.chromium.test.ts and origins.chromium.test.ts hold what only Chromium is asked.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';
import { describeEngine, type Engine, type Tab } from './engine.suite';

async function launchChromium(): Promise<Engine> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'keycard-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // evil.example, the allow-list test's foreign server (its port kept), resolves to this machine, as an attacker's
    // name would.
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP evil.example 127.0.0.1'],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
  // Playwright's evaluate takes one argument: the function and its arguments go as source and JSON.
  const tab = (page: Page): Tab => ({
    run: (fn, ...args) => page.evaluate(`(${fn}).apply(null, ${JSON.stringify(args)})`) as never,
    goto: async (to) => void (await page.goto(to)),
    reload: async () => void (await page.reload()),
    back: async () => void (await page.goBack({ waitUntil: 'commit' })), // no load event from the cache
    close: () => page.close(),
  });
  return {
    async open(url) {
      const page = await context.newPage();
      await page.goto(url);
      return tab(page);
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('Chromium', () => {
  describeEngine({ name: 'Chromium', launch: launchChromium, evicts: true, foreignHost: 'evil.example' });
});
