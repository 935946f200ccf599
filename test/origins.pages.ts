// What the allow-list's browser tests load: a page at a real http://127.0.0.1 origin running origins.browser.ts
// (the differential property test with the browser's URL parser as the oracle, React Native's reader against it,
// real requests), and a foreign, CORS-open origin that would take a token, so only keycard stands between.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { expect } from 'vitest';
import { tokenBody } from './resilience/support';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Seen {
  method: string;
  url: string;
  authorization: string | null;
  preflight: string | null;
}

export type Listening = Awaited<ReturnType<typeof listen>>;

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
        // Not waiting for a browser's keep-alive connections (Chromium holds them while it runs).
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    }),
  );
}

/** The page (`${page.origin}/app/`) and the foreign origin; `close()` stops both. */
export async function startOriginsPages() {
  const built = await build({
    entryPoints: [`${ROOT}test/origins.browser.ts`],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const bundle = built.outputFiles[0]!.text;
  const evil = await listen((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  const page = await listen((req, res) => {
    if (req.url === '/app/')
      return res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end('<!doctype html><script src="/origins.js"></script>');
    if (req.url === '/origins.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
    if (req.url?.startsWith('/auth/'))
      return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(tokenBody()));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  return {
    page,
    evil,
    close: async () => {
      await page.close();
      await evil.close();
    },
  };
}

/** What origins.browser.ts puts on `window`. */
export type OriginsApi = {
  keycardOrigins: {
    decisions: (
      list: Array<string | { re: string }> | null,
      runs: number,
    ) => Promise<{ failed: boolean; counterexample: string | null; runs: number; attachedCount: number }>;
    parser: (runs: number) => { failed: boolean; counterexample: string | null; own: number };
    attack: (evil: string) => Promise<{ statuses: number[]; own: number; token: string | null }>;
  };
};

/** The two lists the decision property runs over: the default, and one of strings and RegExps. */
export const DECISION_LISTS: Array<Array<string | { re: string }> | null> = [
  null,
  [
    'https://api.test',
    { re: '^https://[a-z]+\\.cdn\\.test$' },
    'http://127.0.0.1:8080',
    'https://xn--nxasmq6b.com',
    'https://[::1]:8443',
  ],
];

/**
 * What origins.browser.ts's `attack()` must have done: six requests really went to the foreign origin (protocol-
 * relative), without the token (no header, no preflight asking for it), and the page's own API still got it.
 */
export function expectAttackFoiled(
  result: { statuses: number[]; own: number; token: string | null },
  atEvil: Seen[],
  page: Listening,
) {
  expect(atEvil.map((s) => s.url).sort()).toEqual(['/x1', '/x2', '/x3', '/x4', '/x5', '/x6']);
  expect(atEvil.filter((s) => s.authorization !== null || /authorization/i.test(s.preflight ?? ''))).toEqual([]);
  expect(result.statuses).toEqual([200, 200, 200, 200, 200, 200]);
  expect(result.own).toBe(200);
  expect(page.seen.filter((s) => s.url === '/api/me').at(-1)?.authorization).toBe(`Bearer ${result.token}`);
}
