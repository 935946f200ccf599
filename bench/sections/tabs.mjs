// 5. Tabs: 1, 2, 4 and 8 tabs of one Chromium profile, each running the
// built core against the reference server with 4-second tokens. However many
// tabs, the server should see one refresh per refresh period.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM_ARGS as ARGS } from '../lib/chromium.mjs';
import { CHROMIUM, ROOT, TMP, fmt, keycardDist, sleep, table, verdict } from '../lib/common.mjs';

const LEAD_S = 1;
/** When keycard refreshes a token of `lifetimeS`: `lead` before expiry, never before half its life. */
const periodMs = (lifetimeS) => Math.max(lifetimeS / 2, lifetimeS - LEAD_S) * 1000;

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>keycard tab</title>
<script src="/keycard.js"></script>
<script>
  // Cookie mode (the default): page and server share an origin, the refresh token is an HttpOnly cookie.
  window.auth = keycard.createAuthClient({ baseUrl: location.origin, refreshLeadTime: ${LEAD_S} });
  window.refreshedAt = []; // when this tab ran a refresh itself (not tokens from another tab)
  auth.onEvent((e) => { if (e.type === 'refresh' && e.trigger !== 'tab') refreshedAt.push(Date.now()); });
</script>
`;

/** The page and an IIFE bundle of the built core (jose included), served by the reference server. */
async function site() {
  const dir = join(TMP, 'tabs-site');
  mkdirSync(dir, { recursive: true });
  // KEYCARD_BENCH_SRC=dir tries a changed copy of src/ (its index.ts) without a build.
  const entry = process.env.KEYCARD_BENCH_SRC
    ? join(resolve(process.env.KEYCARD_BENCH_SRC), 'index.ts')
    : keycardDist('index');
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'keycard',
    platform: 'browser',
    outfile: join(dir, 'keycard.js'),
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'index.html'), PAGE);
  return dir;
}

async function runTabs(chromium, createServer, staticDir, count, periods, lifetimeS) {
  const PERIOD_MS = periodMs(lifetimeS);
  const server = await createServer({ tokenLifetime: lifetimeS, refreshTokenMode: 'cookie', staticDir });
  const profile = mkdtempSync(join(tmpdir(), 'keycard-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
  try {
    const pages = [context.pages()[0] ?? (await context.newPage())];
    while (pages.length < count) pages.push(await context.newPage());
    for (const page of pages) await page.goto(`${server.url}/`);
    const locks = await pages[0].evaluate(() => Boolean(navigator.locks) && typeof BroadcastChannel === 'function');
    await pages[0].evaluate(() => auth.login({ username: 'alice', password: 'wonderland' }));
    // The other tabs start the way an app does: restore() from the cookie (one refresh each, at start-up).
    for (const page of pages.slice(1)) await page.evaluate(() => auth.restore());
    const startup = server.stats().refreshes;

    // Start counting right after a refresh, so the window holds exactly `periods` of them.
    const before = server.stats().refreshes;
    const deadline = Date.now() + 3 * PERIOD_MS;
    while (server.stats().refreshes === before && Date.now() < deadline) await sleep(10);
    server.resetStats();
    const from = Date.now();
    const windowMs = periods * PERIOD_MS + PERIOD_MS / 2;
    await sleep(windowMs);
    const stats = server.stats();
    const to = Date.now();

    const tabs = await Promise.all(
      pages.map((page) =>
        page.evaluate(async () => ({
          status: auth.getState().status,
          refreshedAt,
          api: (await auth.fetch('/api/me')).status,
        })),
      ),
    );
    return {
      count,
      locks,
      startup,
      periods,
      windowMs,
      refreshes: stats.refreshes,
      refreshFailures: stats.refreshFailures,
      api401s: stats.api401s,
      signedIn: tabs.filter((t) => t.status === 'authenticated' && t.api === 200).length,
      // The refresh that opened the window lands in the page a few ms after the server counted it: skip half a period.
      ownByTab: tabs.map((t) => t.refreshedAt.filter((at) => at >= from + PERIOD_MS / 2 && at <= to).length),
    };
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function run({ quick, log }) {
  const title = 'Tabs (Chromium)';
  if (!existsSync(CHROMIUM)) {
    log(`  skipped: no ${CHROMIUM}`);
    return { title, skipped: `no ${CHROMIUM}`, markdown: `skipped: no ${CHROMIUM}`, goals: [], data: null, quick };
  }
  const { chromium } = await import('playwright-core');
  const { createServer } = await import(pathToFileURL(join(ROOT, 'examples/server/index.mjs')).href);
  const staticDir = await site();
  const counts = quick ? [2] : [1, 2, 4, 8];
  const periods = quick ? 1 : 4;
  // --quick only checks the bench works: 2 s tokens (a refresh a second) keep it short.
  const lifetimeS = quick ? 2 : 4;
  const PERIOD_MS = periodMs(lifetimeS);
  const results = [];
  for (const count of counts) {
    const r = await runTabs(chromium, createServer, staticDir, count, periods, lifetimeS);
    results.push(r);
    log(
      `  ${count} tab(s): ${r.refreshes} refreshes in ${fmt(r.windowMs / 1000)} s (ideal ${periods}), ${r.signedIn}/${count} signed in`,
    );
  }
  const version =
    /[\d.]+/.exec(
      execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    )?.[0] ?? '?';

  const rows = results.map((r) => [
    r.count,
    `${r.refreshes} ${verdict(r.refreshes === r.periods)}`,
    fmt(r.refreshes / r.periods, 2),
    r.refreshFailures,
    r.api401s,
    r.ownByTab.join(' / '),
    `${r.signedIn}/${r.count}`,
    r.startup,
  ]);
  const markdown = [
    table(
      [
        'tabs',
        `refreshes in window (ideal ${periods})`,
        'per refresh period (goal 1)',
        'refresh failures',
        '401s at API',
        'own refreshes by tab (in window)',
        'tabs signed in at end (+ /api/me 200)',
        'start-up refreshes (restores)',
      ],
      rows,
      'rrrrrlrr',
    ),
    '',
    `Chromium ${version} headless (playwright-core, fresh \`--user-data-dir\` per row, ${ARGS.join(' ')}), Web Locks + BroadcastChannel: ${results[0]?.locks ? 'yes' : 'no'}. ` +
      `Each tab loads an IIFE bundle of \`dist/index.mjs\` from the reference server (same origin, cookie mode, ${lifetimeS} s tokens, \`refreshLeadTime: ${LEAD_S}\` → a refresh every ${PERIOD_MS / 1000} s). ` +
      `All tabs open, tab 1 logs in (the others get its tokens over BroadcastChannel), then the others call \`restore()\` as an app would; counting starts right after a refresh and lasts ${periods} refresh period${periods > 1 ? 's' : ''} + ½ (${fmt((periods * PERIOD_MS + PERIOD_MS / 2) / 1000)} s), i.e. ${fmt((periods * PERIOD_MS + PERIOD_MS / 2) / 1000 / lifetimeS, 1)} token lifetimes. ` +
      `Refresh-token rotation with reuse detection is on, so two tabs refreshing with the same cookie would end the session (refresh failures, tabs signed out).`,
  ].join('\n');
  return {
    title,
    markdown: process.env.KEYCARD_BENCH_SRC
      ? `${markdown}\n\nBuilt from ${process.env.KEYCARD_BENCH_SRC} (KEYCARD_BENCH_SRC), not dist/.`
      : markdown,
    data: { version, results },
    goals: [
      {
        name: 'one refresh per period regardless of tab count',
        ok: results.every((r) => r.refreshes === r.periods),
        detail: results.map((r) => `${r.count}:${r.refreshes}`).join(' '),
      },
      {
        name: 'every tab stays signed in',
        ok: results.every((r) => r.signedIn === r.count && r.refreshFailures === 0),
        detail: results.map((r) => `${r.count}:${r.signedIn}`).join(' '),
      },
    ],
    summary: Object.fromEntries(results.map((r) => [r.count, r.refreshes])),
    quick,
  };
}
