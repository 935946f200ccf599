// A 401's replay carries the same body in each engine: keycard keeps a copy of a `Request` (clone) before the first
// send and resends every other body as it is, so what the engine does with a body sent once (a Blob, bytes, a
// `Request` whose body was read) decides what the replay carries. Chromium, Firefox ESR and WebKitGTK, each against
// the reference server, whose access tokens the page revokes just before the requests so that each meets a 401.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, FIREFOX, servePage } from './chromium';
import { launchWebKit, MINIBROWSER, WEBKIT_DRIVER, XVFB } from './webkit';

const PAGE = `<!doctype html><meta charset="utf-8"><script src="/keycard.js"></script>
<script>
window.auth = keycard.createAuthClient({ baseUrl: location.origin });
window.replays = 0;
auth.onEvent((e) => e.type === 'replay' && replays++);
</script>`;

/** In the page: signs in, then POSTs each kind of body to /api/echo right after the access tokens were revoked. */
async function replayBodies() {
  const auth = (window as unknown as { auth: import('../src/types').AuthClient }).auth;
  const page = window as unknown as { replays: number };
  await auth.login({ username: 'alice', password: 'wonderland' });
  const text = JSON.stringify({ n: 1, s: 'é ✓' });
  const json = { 'content-type': 'application/json' };
  const bytes = new TextEncoder().encode(text);
  const cases: Record<string, () => [RequestInfo | URL, RequestInit?]> = {
    string: () => ['/api/echo', { method: 'POST', body: text, headers: json }],
    Request: () => [new Request('/api/echo', { method: 'POST', body: text, headers: json })],
    'Request + init body': () => [new Request('/api/echo', { method: 'POST', headers: json }), { body: text }],
    Blob: () => ['/api/echo', { method: 'POST', body: new Blob([text], { type: 'application/json' }) }],
    Uint8Array: () => ['/api/echo', { method: 'POST', body: bytes, headers: json }],
    ArrayBuffer: () => ['/api/echo', { method: 'POST', body: bytes.slice().buffer, headers: json }],
    'URL + Headers': () => [
      new URL('/api/echo', location.href),
      { method: 'POST', body: text, headers: new Headers(json) },
    ],
  };
  // All at once, just after the revocation: each meets a 401, one refresh serves them all, and each is replayed.
  await fetch('/admin/revoke-access-tokens', { method: 'POST' });
  const results: Record<string, [number, unknown]> = {};
  await Promise.all(
    Object.entries(cases).map(async ([name, make]) => {
      const res = await auth.fetch(...make());
      results[name] = [res.status, await res.json()];
    }),
  );
  results.replays = [page.replays, null];
  auth.dispose();
  return results;
}

const expected = ({ replays, ...results }: Record<string, unknown>) => {
  expect(Object.keys(results)).toHaveLength(7);
  for (const [name, result] of Object.entries(results))
    expect([name, result]).toEqual([name, [200, { sub: 'alice', body: { n: 1, s: 'é ✓' } }]]);
  expect(replays).toEqual([7, null]);
};

const hasWebKit = [WEBKIT_DRIVER, MINIBROWSER, XVFB].every((file) => existsSync(file));
const ci = !!process.env.CI;

describe('a 401 is replayed with the same body', () => {
  let url: string;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ url, close } = await servePage(PAGE, { refreshTokenMode: 'cookie' }));
  });
  afterAll(() => close?.());

  it.skipIf(!existsSync(CHROMIUM) && !ci)(
    'in Chromium',
    async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.goto(`${url}/`);
        expected(await page.evaluate(replayBodies));
      } finally {
        await browser.close();
      }
    },
    30_000,
  );

  it.skipIf(!existsSync(FIREFOX) && !ci)(
    'in Firefox',
    async () => {
      const { default: puppeteer } = await import('puppeteer-core');
      const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
      try {
        const page = await browser.newPage();
        await page.goto(`${url}/`);
        expected(await page.evaluate(replayBodies));
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it.skipIf(!hasWebKit && !ci)(
    'in WebKit',
    async () => {
      const browser = await launchWebKit();
      try {
        const tab = await browser.open(`${url}/`);
        expected(await tab.run(replayBodies));
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
