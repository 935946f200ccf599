// Where auth.fetch's per-call time goes: the overhead benchmark's hot loop
// (stub fetch, valid token) under the V8 CPU profiler, self time per function.
//   node bench/profile-fetch.mjs [calls=1000000] [--src[=DIR]] [--compare=DIR]
// --src         profile the TypeScript sources (src/, or a copy in DIR with a
//               change to try) instead of dist/, so no build is needed;
// --compare=DIR A/B instead of profiling: the build above vs a copy of src/ in
//               DIR, interleaved batches in one process (noise hits both alike).
import { build } from 'esbuild';
import { Session } from 'node:inspector/promises';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, TMP, fmt, importKeycard, spread } from './lib/common.mjs';
import { inProcessBackend } from './lib/tokens.mjs';

const arg = (name) => process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const dirOf = (a) => (a.includes('=') ? resolve(a.slice(a.indexOf('=') + 1)) : join(ROOT, 'src'));
const calls = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);

/** Bundles `dir/index.ts` (jose included, unminified) and imports it. */
async function fromSource(dir) {
  mkdirSync(TMP, { recursive: true });
  const outfile = join(TMP, `keycard-src-${process.pid}-${Math.random().toString(36).slice(2)}.mjs`);
  await build({
    entryPoints: [join(dir, 'index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile,
    nodePaths: [join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile);
  }
}

const ready = new Response(null);
const stub = () => Promise.resolve(ready);
const url = 'https://api.example.com/api/items';
const init = { headers: { accept: 'application/json' } };

async function client(keycard) {
  const auth = keycard.createAuthClient({
    baseUrl: 'https://api.example.com',
    fetch: stub,
    refreshToken: 'memory',
    channel: false,
    backend: inProcessBackend(3600),
  });
  await auth.login({});
  return auth;
}

async function loop(fn, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - t0) * 1000) / n;
}

const src = arg('src');
const label = src ? dirOf(src) : 'dist/index.mjs';
const auth = await client(src ? await fromSource(dirOf(src)) : await importKeycard('index'));
const compare = arg('compare');

if (compare) {
  const other = await client(await fromSource(dirOf(compare)));
  const subjects = { stub: () => stub(url, init), a: () => auth.fetch(url, init), b: () => other.fetch(url, init) };
  for (const fn of Object.values(subjects)) await loop(fn, 50_000);
  const perBatch = 20_000;
  const batches = Math.max(5, Math.round(calls / perBatch));
  const added = { a: [], b: [] };
  for (let i = 0; i < batches; i++) {
    const base = await loop(subjects.stub, perBatch);
    const [first, second] = i % 2 ? ['b', 'a'] : ['a', 'b'];
    added[first].push((await loop(subjects[first], perBatch)) - base);
    added[second].push((await loop(subjects[second], perBatch)) - base);
  }
  for (const [key, name] of [
    ['a', label],
    ['b', dirOf(compare)],
  ]) {
    const s = spread(added[key]);
    console.log(
      `${name}: adds ${fmt(s.median, 2)} µs/call (p10–p90 ${fmt(s.p10, 2)}–${fmt(s.p90, 2)}, ${batches} batches × ${perBatch})`,
    );
  }
  process.exit(0);
}

await loop(() => auth.fetch(url, init), 50_000);
await loop(() => stub(url, init), 50_000);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
const keycardUs = await loop(() => auth.fetch(url, init), calls);
const { profile } = await session.post('Profiler.stop');
const stubUs = await loop(() => stub(url, init), calls);
auth.dispose();

// Self time per function (name and location), summed over the sampled nodes.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const micros = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const f = byId.get(id).callFrame;
  const where = f.url ? `${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  const dt = profile.timeDeltas[i] ?? 0;
  micros.set(key, (micros.get(key) ?? 0) + dt);
  total += dt;
});
console.log(
  `${label}: auth.fetch ${fmt(keycardUs, 2)} µs/call, stub ${fmt(stubUs, 2)} µs/call, added ${fmt(keycardUs - stubUs, 2)} µs (${calls.toLocaleString('en')} calls)`,
);
console.log('self time while timing auth.fetch (share of samples, µs per call):');
for (const [key, us] of [...micros].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
  console.log(`${fmt((100 * us) / total).padStart(5)}%  ${fmt(us / calls, 3).padStart(6)} µs  ${key}`);
}
