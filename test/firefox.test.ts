// The browser claims in a second engine: Debian's Firefox ESR (Gecko's own BroadcastChannel, Web Locks, cookie jar,
// back-forward cache and URL parser), driven over WebDriver BiDi by puppeteer-core (Playwright's BiDi client needs
// commands Firefox ESR lacks). The suite itself is engine.suite.ts.
//
// React Native's URL reader is not checked against Gecko's parser: Gecko departs from the URL standard that reader
// follows (Firefox ESR 153 keeps a trailing space in a fragment: "# " is "#%20", where the standard, Chromium and
// Node strip it), and Chromium's parser is that test's oracle.
import { existsSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { describe } from 'vitest';
import { FIREFOX } from './chromium';
import { describeEngine, type Engine, type Tab } from './engine.suite';

async function launchFirefox(): Promise<Engine> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // evil.example, the allow-list test's foreign server (its port kept), resolves to this machine, as an attacker's
    // name would.
    extraPrefsFirefox: { 'network.dns.localDomains': 'evil.example' },
  });
  const tab = (page: Page): Tab => ({
    run: (fn, ...args) => page.evaluate(fn as never, ...(args as unknown as never[])) as never,
    // Navigated by the page: after a page came back from the cache, Firefox's WebDriver BiDi never reports the next
    // goto's load.
    goto: async (to) => {
      await page.evaluate((next) => location.assign(next), to);
      await page.waitForFunction((next) => location.href === next && document.readyState === 'complete', {}, to);
    },
    reload: async () => void (await page.reload()),
    // No load event when the page comes from the cache: the suite waits for its pageshow instead.
    back: async () => void (await page.goBack({ timeout: 200 }).catch(() => {})),
    close: () => page.close(),
  });
  return {
    async open(url) {
      const page = await browser.newPage();
      await page.goto(url);
      return tab(page);
    },
    close: () => browser.close(),
  };
}

// Skipped where there is no Firefox, except in CI, where a missing browser must fail the run.
const hasFirefox = existsSync(FIREFOX);
if (!hasFirefox)
  console.warn(
    `[keycard firefox] No Firefox at ${FIREFOX} (apt-get install firefox-esr): ${process.env.CI ? 'FAILING, since CI is set' : 'SKIPPING the Firefox tests'}.`,
  );

describe.skipIf(!hasFirefox && !process.env.CI)('Firefox', () => {
  describeEngine({ name: 'Firefox', launch: launchFirefox, evicts: true, foreignHost: 'evil.example' });
});
