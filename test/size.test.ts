// Size budget: what a SPA ships for keycard, bundled from the sources the way
// bench/sections/size.mjs bundles dist/, with the same options and app
// (bench/lib/spa-bundle.mjs). The core has no runtime dependency: a JWT is decoded by hand (src/tokens.ts).
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CORE_APP, SPA_BUILD } from '../bench/lib/spa-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A no-growth ceiling, not the goal. Issue 13 aims for 6,656 B; the core measures 9,214 B (2026-11-28). History:
// 7,600 → 8,000 B (2026-11-23) for robustness fixes (~370 B); jose's decode replaced by a hand-written one
// (-600 B); then 8,000 → 8,750 B (2026-11-28) for what API.md v1 requires: the allow-list judging the URL fetch
// really contacts, with its own URL reading where React Native's URL is partial (+603 B), the security hardening
// (no redirects, no loops, header-valid tokens, scrubbed causes, channel per session: +581 B), 204 "no session"
// and custom-backend fields; a size pass then took 153 B back (8,708 B). Then 8,750 → 9,250 B (2026-11-28) for the
// coordination redesign (issue 13: one session record with its rules and a logical clock in session.ts, one lane
// in tabs.ts, one flight in refresh.ts, one reply classifier): it cost ~600 B on its own base (7,319 → 7,920 B) and
// ~500 B merged onto main's (8,708 → 9,214 B). keycloak-js, the smallest competitor measured, is 8,263 B: keycard
// is above it.
const BUDGET = { coreGzip: 9_250, reactGzip: 1 * 1024 };

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
    const withReact = await bundle(`${CORE}\nexport { AuthProvider, useAuth } from 'keycard/react';`, [
      'react',
      'react-dom',
      'react/jsx-runtime',
    ]);
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
