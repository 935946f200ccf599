// The allow-list inside Chromium, whose URL parser is the one that matters: the differential property test run
// in a page at a real http://127.0.0.1 origin (Chromium's URL as the oracle), React Native's URL reader against
// Chromium's, and real requests aimed at another origin that must arrive without the token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium';
import { tokenBody } from './resilience/support';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Seen {
  method: string;
  url: string;
  authorization: string | null;
  preflight: string | null;
}

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({
      method: req.method!,
      url: req.url!,
      authorization: req.headers.authorization ?? null,
      preflight: (req.headers['access-control-request-headers'] as string | undefined) ?? null,
    });
    handler(req, res);
  });
  return new Promise<{ origin: string; port: number; seen: Seen[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://127.0.0.1:${port}`,
        port,
        seen,
        close: () => new Promise((r) => server.close(() => r())),
      });
    }),
  );
}

type Api = {
  keycardOrigins: {
    decisions: (
      list: Array<string | { re: string }> | null,
      runs: number,
    ) => Promise<{ failed: boolean; counterexample: string | null; runs: number; attachedCount: number }>;
    parser: (runs: number) => { failed: boolean; counterexample: string | null; own: number };
    attack: (evil: string) => Promise<{ statuses: number[]; own: number; token: string | null }>;
  };
};

describe.skipIf(!existsSync(CHROMIUM))('the allow-list in Chromium', () => {
  let page: Awaited<ReturnType<typeof listen>>;
  let evil: Awaited<ReturnType<typeof listen>>;
  let browser: Browser;
  let tab: Page;
  let bundle = '';

  beforeAll(async () => {
    const built = await build({
      entryPoints: [`${ROOT}test/origins.browser.ts`],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    bundle = built.outputFiles[0]!.text;
    // A foreign origin that would take a token: CORS-open, Authorization included, so only keycard stands between.
    evil = await listen((req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
      if (req.method === 'OPTIONS') return res.writeHead(204).end();
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    page = await listen((req, res) => {
      if (req.url === '/app/')
        return res
          .writeHead(200, { 'Content-Type': 'text/html' })
          .end('<!doctype html><script src="/origins.js"></script>');
      if (req.url === '/origins.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
      if (req.url?.startsWith('/auth/'))
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(tokenBody()));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
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
    await page?.close();
    await evil?.close();
  });

  it('the decision equals Chromium URL parser’s for the default list and an apiOrigins list (2 × 2,500 cases)', async () => {
    const results = await tab.evaluate(async () => {
      const api = (window as unknown as Api).keycardOrigins;
      return [
        await api.decisions(null, 2500),
        await api.decisions(
          [
            'https://api.test',
            { re: '^https://[a-z]+\\.cdn\\.test$' },
            'http://127.0.0.1:8080',
            'https://xn--nxasmq6b.com',
            'https://[::1]:8443',
          ],
          2500,
        ),
      ];
    });
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
    const atEvil = evil.seen.slice(before);
    // They really went there (protocol-relative), and without the token: no header, no preflight asking for it.
    expect(atEvil.map((s) => s.url).sort()).toEqual(['/x1', '/x2', '/x3', '/x4', '/x5', '/x6']);
    expect(atEvil.filter((s) => s.authorization !== null || /authorization/i.test(s.preflight ?? ''))).toEqual([]);
    expect(result.statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // The page's own API still gets it.
    expect(result.own).toBe(200);
    expect(page.seen.filter((s) => s.url === '/api/me').at(-1)?.authorization).toBe(`Bearer ${result.token}`);
  }, 60_000);
});
