#!/usr/bin/env node
// `npm start`: builds the demo SPA (examples/spa) with Vite and serves it with
// the reference auth server, on http://127.0.0.1:3000 (or a free port when
// 3000 is taken; PORT=8080 picks another).

import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { createServer } from './server/index.mjs';

const spa = fileURLToPath(new URL('./spa/', import.meta.url));
const staticDir = fileURLToPath(new URL('./spa/dist/', import.meta.url));
const port = Number(process.env.PORT ?? 3000);
// Short on purpose: the demo shows a refresh every 20 s (30 s tokens, 10 s lead time).
const tokenLifetime = 30;

console.log('Building the demo (examples/spa)…');
await build({ root: spa, configFile: `${spa}vite.config.ts`, logLevel: 'warn' });

/** @param {number} port */
const listen = (port) => createServer({ port, tokenLifetime, staticDir });
const server = await listen(port).catch((/** @type {NodeJS.ErrnoException} */ error) => {
  if (error.code !== 'EADDRINUSE') throw error;
  console.log(`Port ${port} is taken; using a free one.`);
  return listen(0);
});

console.log(`
  keycard demo:  ${server.url}
  sign in with:  alice / wonderland  (or bob / builder)
  access tokens: ${tokenLifetime} s

  Ctrl+C to stop.`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
