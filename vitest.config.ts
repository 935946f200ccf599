import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^keycard$/, replacement: here('./src/index.ts') },
      { find: /^keycard\/react$/, replacement: here('./react/index.tsx') },
      { find: /^keycard\/query$/, replacement: here('./query/index.ts') },
      { find: /^keycard\/ky$/, replacement: here('./ky/index.ts') },
      { find: /^keycard\/testing$/, replacement: here('./testing/index.ts') },
      { find: /^keycard\/oauth$/, replacement: here('./oauth/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    // CI also writes a JSON report so .ci/run can close with a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
