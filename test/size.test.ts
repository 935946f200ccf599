// Size budget: what a SPA ships for keycard, bundled from the sources the way
// bench/sections/size.mjs bundles dist/, with the same options and app
// (bench/lib/spa-bundle.mjs). The core has no runtime dependency: a JWT is decoded by hand (src/tokens.ts).
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CORE_APP, SPA_BUILD } from '../bench/lib/spa-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The goal is 4 KB for the core; it measures ~7.5 KB today (cross-tab ordering, backoff gating and
// origin checks all cost bytes). This ceiling stops growth while the core is cut down, and keeps it below the
// smallest competitor measured (keycloak-js, 8,263 B). Raised 7,600 → 8,000 (on 2026-11-23) for fixes that cost
// ~370 B: a request timeout that holds when fetch ignores the abort, a timer that fires on time after the clock is
// set back, a wait for another tab's news after the lock hand-off, dotted opaque tokens, memory mode's hand-over
// to a new tab and its refusals of a replaced session, and a channel-only "lock" where Web Locks are missing.
// Lowered 8,000 → 7,950 (2026-11-28) with the coordination redesign (issue 13: one session record, one lane, one
// flight): it measures 7,925 B with the session rules, the logical clock and the reply classifier in their own
// modules. Issue 13's goal, 6,656 B, is not met yet.
const BUDGET = { coreGzip: 7_950, reactGzip: 1 * 1024 };

/** `keycard` and `keycard/react` resolve to the sources, as vitest's aliases do. */
const sources: Plugin = {
  name: 'keycard-sources',
  setup(b) {
    b.onResolve({ filter: /^keycard$/ }, () => ({ path: `${ROOT}src/index.ts` }));
    b.onResolve({ filter: /^keycard\/react$/ }, () => ({ path: `${ROOT}react/index.tsx` }));
  },
};

const CORE = `${CORE_APP}\nexport { auth };`;

async function bundle(contents: string, external: string[] = []) {
  const result = await build({
    ...SPA_BUILD,
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    external,
    plugins: [sources],
  });
  const code = result.outputFiles[0]!.contents;
  return { gzip: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) };
}

describe('bundle size', () => {
  it(`keycard (createAuthClient + fetch) is at most ${BUDGET.coreGzip} B gzip, with no dependency`, async () => {
    const core = await bundle(CORE);
    expect(core.inputs.filter((p) => p.includes('node_modules/'))).toEqual([]);
    expect(core.gzip, `core is ${core.gzip} B gzip`).toBeLessThanOrEqual(BUDGET.coreGzip);
  });

  it(`keycard/react adds at most ${BUDGET.reactGzip} B gzip on top of the core (react external)`, async () => {
    const core = await bundle(CORE);
    const withReact = await bundle(`${CORE}\nexport { AuthProvider, useAuth } from 'keycard/react';`, ['react', 'react-dom', 'react/jsx-runtime']);
    const added = withReact.gzip - core.gzip;
    expect(added, `keycard/react adds ${added} B gzip`).toBeLessThanOrEqual(BUDGET.reactGzip);
  });

  it('a bundle of everything keycard exports pulls in none of react, ky, msw or TanStack', async () => {
    const all = await bundle(`export * from 'keycard';`);
    const forbidden = all.inputs.filter((p) => /node_modules\/(react|react-dom|ky|msw|@tanstack)\//.test(p));
    expect(forbidden).toEqual([]);
    expect(all.inputs.filter((p) => p.includes('node_modules/'))).toEqual([]);
  });
});
