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
// A no-growth ceiling, not the goal: issue 13 aims for 6,656 B and is not met (README, "How small"). A ceiling rises
// only for behaviour a test pins, by what that behaviour measured, said in the commit; each step and its measure is
// in `git log -p test/size.test.ts`. Measured 2026-11-29: core 10,376 B, React Native 10,871 B (keycloak-js, the
// smallest competitor measured, is 8,263 B).
const BUDGET = { coreGzip: 10_376, nativeGzip: 10_871, reactGzip: 1 * 1024 };

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
