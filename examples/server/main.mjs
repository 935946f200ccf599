#!/usr/bin/env node
// CLI for the reference server: `node examples/server/main.mjs --help`.

import { parseArgs } from 'node:util';
import { createServer } from './index.mjs';

const USAGE = `Usage: node examples/server/main.mjs [options]

  --port N                 port to listen on (default 3000; 0 = any free port)
  --host H                 interface to bind (default 127.0.0.1)
  --token-lifetime S       access-token lifetime in seconds (default 300)
  --clock-offset S         seconds added to the server's clock (default 0)
  --refresh-token-mode M   cookie | body | both (default both)
  --refresh-token-reuse-grace S
                           seconds a rotated refresh token still gets its unused successor (default 10; 0 = off)
  --allow-origin ORIGIN    allow this origin cross-origin, with credentials (repeatable)
  --static DIR             serve a built SPA from DIR, falling back to index.html
  --no-admin               don't mount the dev-only /admin routes
  --help                   show this text`;

/** @param {string | undefined} value @param {string} flag */
function number(value, flag) {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) exit(`${flag} needs a number, got "${value}"`);
  return parsed;
}

/** @param {string} message @returns {never} */
function exit(message) {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      host: { type: 'string' },
      'token-lifetime': { type: 'string' },
      'clock-offset': { type: 'string' },
      'refresh-token-mode': { type: 'string' },
      'refresh-token-reuse-grace': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      static: { type: 'string' },
      'no-admin': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  exit(/** @type {Error} */ (error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const server = await createServer({
  port: number(values.port, '--port'),
  host: values.host,
  tokenLifetime: number(values['token-lifetime'], '--token-lifetime'),
  clockOffset: number(values['clock-offset'], '--clock-offset'),
  refreshTokenMode: /** @type {'cookie' | 'body' | 'both' | undefined} */ (values['refresh-token-mode']),
  refreshTokenReuseGrace: number(values['refresh-token-reuse-grace'], '--refresh-token-reuse-grace'),
  allowOrigins: values['allow-origin'],
  staticDir: values.static,
  admin: !values['no-admin'],
}).catch((/** @type {Error} */ error) => exit(error.message));

console.log(`keycard example server on ${server.url}  (users: alice/wonderland, bob/builder)`);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => server.close().then(() => process.exit(0)));
}
