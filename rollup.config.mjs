// Builds every package.json entry as ESM (.mjs), CJS (.cjs) and one .d.ts.
// Sibling entries import the core as `keycard`, kept external so the core is
// shipped once and AuthError stays one class across entries.
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';

const entries = {
  index: 'src/index.ts',
  react: 'react/index.tsx',
  query: 'query/index.ts',
  ky: 'ky/index.ts',
  testing: 'testing/index.ts',
  oauth: 'oauth/index.ts',
};

const useClient = (chunk) => (chunk.name === 'react' ? "'use client';" : '');

const external = (id) =>
  /^(keycard|react|react-dom|ky|msw|jose|@tanstack\/query-core)(\/|$)/.test(id) || id.startsWith('node:');

export default [
  {
    input: entries,
    external,
    plugins: [esbuild({ target: 'es2022', jsx: 'automatic', tsconfig: 'tsconfig.json' })],
    // Rollup drops module-level directives; the React entry must stay a client module for RSC bundlers.
    onwarn(warning, warn) {
      if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
    },
    output: [
      { dir: 'dist', format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs', banner: useClient },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named', banner: useClient },
    ],
  },
  {
    input: entries,
    external,
    plugins: [dts({ tsconfig: 'tsconfig.json' })],
    output: { dir: 'dist', format: 'esm', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
  },
];
