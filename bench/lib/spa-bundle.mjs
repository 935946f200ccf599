// How a SPA's bundler ships a client, shared by the bench (bench/sections/size.mjs)
// and the size budget test (test/size.test.ts) so both measure the same thing.
// Types: spa-bundle.d.mts.

/** esbuild options: bundle, minify, ESM for browsers, code only (no licence banners), production React. */
export const SPA_BUILD = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  metafile: true,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
};

/** The core case: an app that restores the session and makes one authenticated request. */
export const CORE_APP = `import { createAuthClient } from 'keycard';
const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
auth.restore().then(() => auth.fetch('/api/me'));`;
