// The three browser engines the tests drive, each behind one small `Tab`, all Debian's own: Chromium (Playwright),
// Firefox ESR (puppeteer-core over WebDriver BiDi: Playwright's BiDi client needs commands Firefox ESR lacks) and
// WebKitGTK, Safari's engine (test/webkit.ts over WebDriver). `present` says whether one is installed here.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, FIREFOX } from './chromium';
import { launchWebKit, MINIBROWSER, WEBKIT_DRIVER, XVFB } from './webkit';

/** One window of a browser. */
export interface Tab {
  /** Runs `fn` in the page with `args` (JSON), awaiting a promise it returns; a throw rejects with its message. */
  run<T, A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<Awaited<T>>;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  back(): Promise<void>;
  close(): Promise<void>;
}

/** One profile of a running browser: its windows share cookies, channels and locks. */
export interface Engine {
  /** A new tab at `url`. */
  open(url: string): Promise<Tab>;
  close(): Promise<void>;
}

export interface EngineKind {
  /** Its name in test titles. */
  name: 'Chromium' | 'Firefox' | 'WebKit';
  /** Installed here. */
  present: boolean;
  /** The Debian packages that install it. */
  packages: string;
  launch: () => Promise<Engine>;
  /** Whether it evicts a cached page that a channel message was sent to (Chromium and Firefox do; WebKit drops it). */
  evicts: boolean;
  /** A host of another origin that reaches this machine (the allow-list test's foreign server, its port added). */
  foreignHost: string;
}

/** With Chromium's back-forward cache on (Playwright turns it off). */
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
  const tab = (page: import('playwright-core').Page): Tab => ({
    // Playwright's evaluate takes one argument: the function and its arguments go as source and JSON.
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

async function launchFirefox(): Promise<Engine> {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // evil.example, as in Chromium.
    extraPrefsFirefox: { 'network.dns.localDomains': 'evil.example' },
  });
  const tab = (page: import('puppeteer-core').Page): Tab => ({
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

export const CHROMIUM_ENGINE: EngineKind = {
  name: 'Chromium',
  present: existsSync(CHROMIUM),
  packages: 'chromium',
  launch: launchChromium,
  evicts: true,
  foreignHost: 'evil.example',
};

export const FIREFOX_ENGINE: EngineKind = {
  name: 'Firefox',
  present: existsSync(FIREFOX),
  packages: 'firefox-esr',
  launch: launchFirefox,
  evicts: true,
  foreignHost: 'evil.example',
};

export const WEBKIT_ENGINE: EngineKind = {
  name: 'WebKit',
  present: [WEBKIT_DRIVER, MINIBROWSER, XVFB].every((file) => existsSync(file)),
  packages: 'webkit2gtk-driver xvfb',
  // With Intelligent Tracking Prevention on, as Safari has it.
  launch: () => launchWebKit({ extraArgs: ['--enable-itp'] }),
  evicts: false,
  // localhost (its port kept), another origin than the page's 127.0.0.1: WebKitGTK has no switch to resolve a
  // made-up name to this machine.
  foreignHost: 'localhost',
};

export const ENGINES = [CHROMIUM_ENGINE, FIREFOX_ENGINE, WEBKIT_ENGINE];

/** `body` once per engine, as a describe block named `title` (`%s`: the engine's name). */
export function describeEngines(title: string, body: (engine: EngineKind) => void): void {
  describe.each(ENGINES.map((engine) => [engine.name, engine] as const))(title, (_, engine) => body(engine));
}

/**
 * The engine's browser for the describe block this is called in (launched when `launch`: by default where it is
 * installed), and `open(url)` for its tabs, each closed after its test.
 */
export function engineTabs(engine: EngineKind, launch = engine.present) {
  let browser: Engine;
  const opened: Tab[] = [];
  beforeAll(async () => {
    if (launch) browser = await engine.launch();
  }, 60_000);
  afterEach(async () => {
    for (const tab of opened.splice(0)) await tab.close().catch(() => {});
  });
  afterAll(() => browser?.close());
  return async (url: string) => {
    const tab = await browser.open(url);
    opened.push(tab);
    return tab;
  };
}

/**
 * A tab's session kept on time by its short-lived tokens: an API call (`call`, answering its status) every 500 ms for
 * 5 s at least, and on until two refreshes, 12 s at most, each answered 200. A refresh is the timer's, or a call's that
 * found the token due first ('due': on a loaded machine the engine runs the timer late, and a call between the due
 * time and the timer refreshes; one CI run in Firefox counted only the timer's and saw one at 5 s). The page records
 * each refresh event's trigger in `window.heard`. Resolves with those refreshes' triggers.
 */
export async function expectRefreshedOnTime(tab: Tab, call: () => Promise<number>): Promise<string[]> {
  const proactive = async () =>
    (await tab.run(() => (window as unknown as { heard: string[] }).heard.slice())).filter(
      (trigger) => trigger === 'timer' || trigger === 'due',
    );
  const statuses: number[] = [];
  for (let i = 0; i < 24 && (i < 10 || (await proactive()).length < 2); i++) {
    statuses.push(await call());
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(statuses).toEqual(Array(statuses.length).fill(200));
  const refreshed = await proactive();
  expect(refreshed.length).toBeGreaterThanOrEqual(2);
  return refreshed;
}

/**
 * The state after the page's start-up (or a reload) settled, the page's restore() kept in `window.restored`: status,
 * and the error as `"<code> <status>"`.
 */
export const settled = (tab: Tab) =>
  tab.run(() =>
    (window as unknown as { restored: Promise<import('../src/types').AuthState> }).restored.then((s) => ({
      status: s.status,
      error: s.error ? `${s.error.code} ${s.error.status}` : null,
    })),
  );
