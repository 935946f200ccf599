// The demo resolves keycard's entry points to the repo's sources (like
// vitest.config.ts does), so it always shows the code in this checkout: no
// `npm run build` first.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^keycard$/, replacement: repo('src/index.ts') },
      { find: /^keycard\/react$/, replacement: repo('react/index.tsx') },
      { find: /^keycard\/query$/, replacement: repo('query/index.ts') },
    ],
  },
  build: { outDir: 'dist', emptyOutDir: true },
  // `npx vite examples/spa` for hot reload, beside `node examples/server/main.mjs --token-lifetime 30`.
  server: {
    proxy: Object.fromEntries(['/auth', '/api', '/admin'].map((path) => [path, 'http://127.0.0.1:3000'])),
  },
});
