// Runs an auth server in its own process, so the server and the client under
// test each get a core: `node bench/lib/server-child.mjs [reference|minimal] [tokenLifetime]`.
// Prints one JSON line `{ url, kind, note }` once listening; exits when stdin closes.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './common.mjs';
import { createMinimalServer } from './minimal-server.mjs';

const [wanted = 'reference', lifetime = '300'] = process.argv.slice(2);
const tokenLifetime = Number(lifetime);
let server;
let kind = 'minimal';
let note = '';
if (wanted === 'reference') {
  try {
    const { createServer } = await import(pathToFileURL(join(ROOT, 'examples/server/index.mjs')).href);
    server = await createServer({ tokenLifetime, refreshTokenMode: 'body' });
    kind = 'reference';
  } catch (error) {
    note = `reference server unavailable (${error.message}); used the minimal in-bench server`;
  }
}
server ??= await createMinimalServer({ tokenLifetime });
process.stdout.write(`${JSON.stringify({ url: server.url, kind, note })}\n`);
process.stdin.resume();
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
