// The allow-list inside Chromium, whose URL parser is the one that matters: the differential property test run
// in a page at a real http://127.0.0.1 origin (Chromium's URL as the oracle), React Native's URL reader against
// Chromium's, and real requests aimed at another origin that must arrive without the token.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';
import {
  DECISION_LISTS,
  expectAttackFoiled,
  startOriginsPages,
  type Listening,
  type OriginsApi as Api,
} from './origins.pages';

describe.skipIf(!existsSync(CHROMIUM))('the allow-list in Chromium', () => {
  let page: Listening;
  let evil: Listening;
  let close: (() => Promise<void>) | undefined;
  let browser: Browser;
  let tab: Page;

  beforeAll(async () => {
    ({ page, evil, close } = await startOriginsPages());
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        ...CHROMIUM_ARGS, // playwright gives each launch a fresh profile
        // evil.example is the foreign server (its port kept), as an attacker's name would be.
        '--host-resolver-rules=MAP evil.example 127.0.0.1',
      ],
    });
    tab = await browser.newPage();
    await tab.goto(`${page.origin}/app/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  it('the decision equals Chromium URL parser’s for the default list and an apiOrigins list (2 × 2,500 cases)', async () => {
    const results = await tab.evaluate(async (lists) => {
      const api = (window as unknown as Api).keycardOrigins;
      return [await api.decisions(lists[0]!, 2500), await api.decisions(lists[1]!, 2500)];
    }, DECISION_LISTS);
    for (const r of results) {
      expect(r.counterexample, `Chromium ${browser.version()}`).toBeNull();
      expect(r.failed).toBe(false);
      expect(r.runs).toBe(2500);
    }
    expect(results[0]!.attachedCount).toBeGreaterThan(100);
  }, 60_000);

  it('React Native’s URL reader (its build’s, where URL is partial) names Chromium’s origin and URL, or none (3,000 cases)', async () => {
    const r = await tab.evaluate(() => (window as unknown as Api).keycardOrigins.parser(3000));
    expect(r.counterexample, `Chromium ${browser.version()}`).toBeNull();
    expect(r.own).toBeGreaterThan(300);
  }, 60_000);

  it('evil.example gets no Authorization for /\\evil.example/x, tab/CR/LF variants, \\\\evil.example or an object whose .url is allowed', async () => {
    const before = evil.seen.length;
    const result = await tab.evaluate(
      (target) => (window as unknown as Api).keycardOrigins.attack(target),
      `http://evil.example:${evil.port}`,
    );
    expectAttackFoiled(result, evil.seen.slice(before), page);
  }, 60_000);
});
