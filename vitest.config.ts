import { defineConfig } from 'vitest/config';
import { availableParallelism } from 'node:os';
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
    // Vitest leaves a core to its own process, so on CI's 2 cores it ran one file at a time; most of the slow files
    // (browsers, real servers, real timers) wait rather than compute, and two at a time took the suite from about
    // 430 s to 270-305 s there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // expect.poll waits for another tab, a browser or a server: 1 s (its default) is tight for a page's round trip on
    // a loaded 2-core machine. A state that never comes still fails, 5 s later.
    expect: { poll: { timeout: 5_000 } },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
