// Size budget: what a SPA ships for keycard, bundled from the sources the way
// bench/sections/size.mjs bundles dist/, with the same options and app
// (bench/lib/spa-bundle.mjs). The core has no runtime dependency: a JWT is decoded by hand (src/tokens.ts).
import { build, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CORE_APP, SPA_BUILD } from '../bench/lib/spa-bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A no-growth ceiling, not the goal. Issue 13 aims for 6,656 B; the core measures 8,480 B (2026-11-28). History:
// 7,600 → 8,000 B (2026-11-23) for robustness fixes (~370 B); jose's decode replaced by a hand-written one
// (-600 B); then 8,000 → 8,750 B (2026-11-28) for what API.md v1 requires: the allow-list judging the URL fetch
// really contacts, with its own URL reading where React Native's URL is partial (+603 B), the security hardening
// (no redirects, no loops, header-valid tokens, scrubbed causes, channel per session: +581 B), 204 "no session"
// and custom-backend fields; a size pass then took 153 B back (8,708 B). Then 8,750 → 9,250 B (2026-11-28) for the
// coordination redesign (issue 13: one session record with its rules and a logical clock in session.ts, one lane
// in tabs.ts, one flight in refresh.ts, one reply classifier): it cost ~600 B on its own base (7,319 → 7,920 B) and
// ~500 B merged onto main's (8,708 → 9,214 B). Then 9,250 → 8,750 B (2026-11-28, measured 8,716 B + ~30): React
// Native's URL reader moved to its own build (src/partial-url.native.ts, dist/index.native.*, which Metro picks by
// the "react-native" field and export condition), -498 B for every other app; the React Native build measures
// 9,217 B (ceiling 9,250 B). Then 8,750 → 8,530 B, React Native 9,250 → 9,020 B (2026-11-28, measured 8,498 and
// 8,990 B): a size pass over the modules around the coordination (one error builder for an endpoint's answer, one
// abort race, one headers value in auth.fetch: -275 B), then the lane's fix 29 (+35 B). keycloak-js, the smallest
// competitor measured, is 8,263 B. Then 8,530 → 8,680 B, React Native 9,020 → 9,170 B (measured 8,666 and 9,157 B):
// the lane orders a login after a logout whose server call went before it, whatever the tabs' clocks (rule N2,
// fix 30: +168 B). keycloak-js is 403 B smaller than keycard. Then 8,680 → 8,830 B, React Native 9,170 → 9,320 B
// (measured 8,813 and 9,305 B): the lane's rule N1 asks the tabs ahead for an answer (ping and pong, by lock
// clientId) instead of counting releases by stamp (fix 31: +146 B). Then 8,830 → 8,910 B, React Native 9,320 → 9,405 B
// (measured 8,893 and 9,390 B): a login's news landing while this tab's logout waits for its turn in the lane is
// superseded by it (rule N3, fix 32), and a refresh whose answer finds due tokens of a newer session refreshes those
// (fix 33): +80 B. Then a second size pass outside the lane (one-use helpers inlined, a JSON body that drops an
// undefined refresh token itself, the backend's tokens() always set, literal bounds: -186 B on its own base, no
// behaviour change): 8,910 → 8,730 B, React Native 9,405 → 9,225 B (measured 8,716 and 9,210 B). Then 8,730 → 8,805 B,
// React Native 9,225 → 9,295 B (measured 8,792 and 9,282 B): three races the three-tab model found or that the lane
// now answers (fixes 34-36: a login's stamp moves past every logout the lane put first; a logout's server call letting
// the lane go is news of that logout for tabs opened after it; a memory-mode tab with no session remembers a refusal's
// session): +76 B. Then 8,805 → 8,830 B, React Native 9,295 → 9,320 B: the lane is busy until every task queued has
// run, not only the last (fix 37: +21 B; measured 8,813 and 9,309 B). Fixes 38 and 39 (+8 B) fit: 8,821 and 9,316 B.
// React Native 9,320 → 9,330 B: auth.fetch asks a caller's Headers directly instead of copying it first (+5 B;
// measured 8,826 and 9,322 B). Then 8,830 → 8,855 B, React Native 9,330 → 9,355 B (measured 8,843 and 9,341 B): tab
// messages stamped with a non-finite number are dropped (one stamped Infinity locked every later login out: +17 B).
// Then 8,855 → 8,895 B, React Native 9,355 → 9,395 B (measured 8,881 and 9,379 B): each release restarts the waits
// for the lane's lock, so a third tab does not refresh beside the second of two hung refreshes (fix 41: +38 B).
// Then 8,895 → 8,975 B, React Native 9,395 → 9,475 B (measured 8,961 and 9,459 B): a tab that drops a user's logout as
// older than its login says so, and the logout's tab, its call still waiting in the lane, says its logout again, its
// release naming the new stamp (rule N4, fix 42: the three-tab skewed history 19,086: +80 B). Then 8,975 → 9,060 B,
// React Native 9,475 → 9,555 B (measured 9,048 and 9,541 B): a tab that let the lane go holds a news lock 200 ms after,
// and a task granted the lane then asks it first, even one granted at once (rule N1, fix 43: +87 B).
const BUDGET = { coreGzip: 9_060, nativeGzip: 9_555, reactGzip: 1 * 1024 };

/** `keycard` and `keycard/react` resolve to the sources, as vitest's aliases do. */
const sources: Plugin = {
  name: 'keycard-sources',
  setup(b) {
    b.onResolve({ filter: /^keycard$/ }, () => ({ path: `${ROOT}src/index.ts` }));
    b.onResolve({ filter: /^keycard\/react$/ }, () => ({ path: `${ROOT}react/index.tsx` }));
  },
};

/** React Native's build, as rollup.config.mjs makes it: a `.native.ts` beside a module replaces it. */
const nativeFiles: Plugin = {
  name: 'keycard-native-files',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const native = resolve(args.resolveDir, `${args.path}.native.ts`);
      return existsSync(native) ? { path: native } : undefined;
    });
  },
};

const CORE = `${CORE_APP}\nexport { auth };`;

async function bundle(contents: string, external: string[] = [], plugins: Plugin[] = []) {
  const result = await build({
    ...SPA_BUILD,
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'entry.ts' },
    external,
    plugins: [sources, ...plugins],
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

  it(`keycard's React Native build is at most ${BUDGET.nativeGzip} B gzip, and the web build has none of its reader`, async () => {
    const native = await bundle(CORE, [], [nativeFiles]);
    expect(native.inputs).toContain('src/partial-url.native.ts');
    expect(native.gzip, `React Native build is ${native.gzip} B gzip`).toBeLessThanOrEqual(BUDGET.nativeGzip);
    expect((await bundle(CORE)).inputs.filter((p) => p.includes('.native.'))).toEqual([]);
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
