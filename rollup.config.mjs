// Builds every package.json entry as ESM (.mjs) and CJS (.cjs), each with its own declarations (.d.mts, .d.cts):
// TypeScript reads a .d.ts beside a `require` as ESM ("masquerading as ESM"), so each condition gets its own.
// Sibling entries import the core as `keycard`, kept external so the core is shipped once per format.
// The core is built twice: dist/index.* for browsers, Node, Deno and Bun, and dist/index.native.* for React Native,
// where a `.native.ts` file replaces its sibling (Metro's platform-file rule; package.json's "react-native" field
// and export condition point React Native's bundler at it). Only src/partial-url differs today.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';

const entries = {
  index: 'src/index.ts',
  react: 'react/index.tsx',
  // keycard/react's components and hooks, the only client module: react.mjs re-exports them beside pure helpers
  // that React Server Components may call (sameUser, bindAppState).
  'react-client': 'react/client.ts',
  query: 'query/index.ts',
  ky: 'ky/index.ts',
  testing: 'testing/index.ts',
  oauth: 'oauth/index.ts',
};

// Rollup drops module-level directives; the banner puts 'use client' back on exactly that one chunk.
const useClient = (chunk) => (chunk.isEntry && chunk.name === 'react-client' ? "'use client';" : '');

const external = (id) =>
  /^(keycard|react|react-dom|ky|msw|jose|@tanstack\/query-core)(\/|$)/.test(id) || id.startsWith('node:');

const ignoreDirectives = (warning, warn) => {
  // esbuild's output has no source map, so rollup can't place the directive it drops and says so (SOURCEMAP_ERROR).
  if (warning.code !== 'MODULE_LEVEL_DIRECTIVE' && warning.code !== 'SOURCEMAP_ERROR') warn(warning);
};

// react/index.tsx imports ./client as the built react-client entry, so the components live in one client module
// that both import, rather than in a shared chunk that rollup would make of them (which no 'use client' covers).
const CLIENT = '\0keycard-react-client';
const reactClient = {
  name: 'keycard-react-client',
  resolveId: (source, importer) =>
    source === './client' && importer?.endsWith('/react/index.tsx') ? { id: CLIENT, external: true } : null,
};
const clientPath = (ext) => ({ [CLIENT]: `./react-client.${ext}` });

// The .d.cts files are the .d.mts ones with their relative imports pointed at the .cjs side: the same
// declarations, but TypeScript reads each as the format of the file it describes. (Copying beats a second
// rollup-plugin-dts pass, which takes as long as the first.)
const ctsCopies = {
  name: 'keycard-d-cts',
  generateBundle(_, bundle) {
    for (const file of Object.values(bundle)) {
      if (file.type !== 'chunk' || !file.fileName.endsWith('.d.mts')) continue;
      this.emitFile({
        type: 'asset',
        fileName: file.fileName.replace(/\.d\.mts$/, '.d.cts'),
        source: file.code.replace(/(['"])(\.{1,2}\/[^'"]+)\.mjs\1/g, '$1$2.cjs$1'),
      });
    }
  },
};

// React Native's core: `./x` imports `./x.native.ts` where there is one.
const nativeFiles = {
  name: 'keycard-native-files',
  resolveId(source, importer) {
    if (!importer || !source.startsWith('.')) return null;
    const native = resolve(dirname(importer), `${source}.native.ts`);
    return existsSync(native) ? native : null;
  },
};

const code = (input, plugins) => ({
  input,
  external,
  plugins: [...plugins, esbuild({ target: 'es2022', jsx: 'automatic', tsconfig: 'tsconfig.json' })],
  onwarn: ignoreDirectives,
  output: [
    {
      dir: 'dist',
      format: 'esm',
      entryFileNames: '[name].mjs',
      chunkFileNames: 'chunks/[name]-[hash].mjs',
      paths: clientPath('mjs'),
      banner: useClient,
    },
    {
      dir: 'dist',
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: 'chunks/[name]-[hash].cjs',
      exports: 'named',
      paths: clientPath('cjs'),
      banner: useClient,
    },
  ],
});

// The types are the same for both builds: React Native's entries point at dist/index.d.mts and .d.cts.
const types = {
  input: entries,
  external,
  plugins: [reactClient, dts({ tsconfig: 'tsconfig.json' }), ctsCopies],
  onwarn: ignoreDirectives,
  output: {
    dir: 'dist',
    format: 'esm',
    entryFileNames: '[name].d.mts',
    chunkFileNames: 'chunks/[name]-[hash].d.mts',
    paths: clientPath('mjs'),
  },
};

export default [code(entries, [reactClient]), code({ 'index.native': entries.index }, [nativeFiles]), types];
