#!/usr/bin/env node
// keycard's benchmark: size, per-request overhead, coalescing under load,
// a simulated day, and tabs, side by side in one run. See bench/README.md.
//
//   node bench/run.mjs                 full run (< 5 min), writes bench/RESULTS.md and bench/README.section.md
//   node bench/run.mjs --quick         checks the bench works (< 30 s): tiny counts, no timing claims,
//                                      competitors only if bench/node_modules is there; writes bench/.tmp/RESULTS.quick.md
//   options: --only=size,overhead,coalesce,steady,tabs  --server=minimal  --no-build  --no-install
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BENCH, ROOT, TMP, ensureBuilt, fmt, kb, machine, table, verdict } from './lib/common.mjs';

const SECTIONS = ['size', 'overhead', 'coalesce', 'steady', 'tabs'];
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const option = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const only = option('only')?.split(',') ?? SECTIONS;
const unknown = only.filter((s) => !SECTIONS.includes(s));
if (unknown.length) {
  console.error(`unknown section(s): ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const command = `node bench/run.mjs${argv.length ? ` ${argv.join(' ')}` : ''}`;
const started = performance.now();
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Competitor SDKs live in bench/node_modules, installed from bench/package-lock.json on first run. */
function installCompetitors() {
  if (existsSync(join(BENCH, 'node_modules'))) return 'bench/node_modules present';
  if (quick || argv.includes('--no-install')) return 'bench/node_modules missing: competitors skipped';
  const lock = existsSync(join(BENCH, 'package-lock.json'));
  const args = lock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  say(`installing competitors: npm ${args.join(' ')} --prefix bench`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Under `npm run bench`, npm exports npm_config_local_prefix=<repo root>: a nested npm would take that
  // as its project and reinstall the root. --prefix (and dropping the inherited prefixes) keeps it in bench/.
  const env = { ...process.env };
  delete env.npm_config_local_prefix;
  delete env.npm_config_prefix;
  const result = spawnSync(npm, [...args, '--prefix', BENCH], { cwd: BENCH, stdio: 'inherit', env });
  if (result.status !== 0) return `npm ${args[0]} failed (exit ${result.status}): competitors skipped`;
  return `installed bench/node_modules (npm ${args[0]})`;
}

/** Runs one section in its own process; resolves with its result or `{ error }`. */
function runSection(name) {
  const out = join(TMP, `result-${name}.json`);
  rmSync(out, { force: true });
  // The steady-state section measures the heap after forced GCs. (Forcing GCs between the overhead
  // section's batches was tried: it made every subject slower and noisier, so that one runs without.)
  const args = [
    ...(name === 'steady' ? ['--expose-gc'] : []),
    join(BENCH, 'lib/child.mjs'),
    name,
    out,
    ...(quick ? ['--quick'] : []),
    ...argv.filter((a) => a.startsWith('--server=')),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => {
      if (code === 0 && existsSync(out)) resolve(JSON.parse(readFileSync(out, 'utf8')));
      else resolve({ error: `section "${name}" failed (exit ${code})` });
    });
  });
}

mkdirSync(TMP, { recursive: true });
const env = machine();
say(`keycard bench${quick ? ' --quick (checks the bench runs; the numbers mean nothing)' : ''}`);
say(`${env.cpu}, ${env.cores} cores, Node ${env.node}, ${env.date}`);
say(installCompetitors());
if (!argv.includes('--no-build')) say(ensureBuilt({ staleOk: quick }));

const results = {};
for (const name of only) {
  const t0 = performance.now();
  say(`\n## ${name}`);
  results[name] = await runSection(name);
  const r = results[name];
  say(r.error ? `ERROR: ${r.error}` : r.markdown);
  say(`(${fmt((performance.now() - t0) / 1000)} s)`);
}
const seconds = (performance.now() - started) / 1000;

// ---- RESULTS.md ----
const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'src', 'react', 'query', 'ky')
  ? ' (with uncommitted changes in src/react/query/ky)'
  : '';
const goals = Object.entries(results).flatMap(([name, r]) =>
  r.error
    ? [{ section: name, name: 'section ran', ok: false, detail: r.error }]
    : (r.goals ?? []).map((g) => ({ section: name, ...g })),
);
const titles = {
  size: '1. Bundle size',
  overhead: '2. Per-request overhead',
  coalesce: '3. Coalescing under load',
  steady: '4. Steady state (24 h simulated)',
  tabs: '5. Tabs (Chromium)',
};

const results_md = [
  '# keycard benchmark results',
  '',
  ...(quick
    ? ['> `--quick` run: tiny iteration counts, only proves the bench works. Do not quote these numbers.', '']
    : []),
  `- Machine: ${env.cpu}, ${env.cores} cores, ${env.platform}`,
  `- Node ${env.node}; date ${env.date}; keycard ${commit}${dirty} (dist/ built by rollup)`,
  `- Command: \`${command}\`${argv.length ? '' : ' (`npm run bench`)'}, ${fmt(seconds, 0)} s wall`,
  '- Medians and ratios, spreads as p10–p90. Shared 2-core VM: absolute times are noisy, ratios within one run are what to compare.',
  '',
  '## Goals',
  '',
  table(
    ['section', 'goal', 'met', 'measured'],
    goals.map((g) => [g.section, g.name, verdict(g.ok), g.detail]),
    'llll',
  ),
  '',
  ...only.flatMap((name) => [
    `## ${titles[name]}`,
    '',
    results[name].error ? `ERROR: ${results[name].error}` : results[name].markdown,
    '',
  ]),
].join('\n');

const resultsFile = quick ? join(TMP, 'RESULTS.quick.md') : join(BENCH, 'RESULTS.md');
writeFileSync(resultsFile, results_md);
say(`\nwrote ${relative(ROOT, resultsFile)}`);

// ---- README.section.md: the short table for the main README (full runs of every section only) ----
if (!quick && SECTIONS.every((s) => results[s] && !results[s].error)) {
  const size = results.size.data.results;
  const gz = (id) => (size[id]?.gzip ? `${kb(size[id].gzip)} KB` : '—');
  const o = results.overhead.summary;
  const c = results.coalesce.data.results.at(-1);
  const s = results.steady.data;
  const t = results.tabs.data?.results ?? [];
  const tabsLine = t.length
    ? t.map((r) => `${r.count} tab${r.count > 1 ? 's' : ''}: ${fmt(r.refreshes / r.periods, 2)}`).join(', ')
    : results.tabs.markdown;
  const section = [
    '## How small / how fast',
    '',
    `Measured by \`npm run bench\` on ${env.date} (${env.cpu}, ${env.cores} cores, Node ${env.node}); full tables and method in [bench/RESULTS.md](bench/RESULTS.md).`,
    '',
    table(
      ['', 'keycard', 'for comparison'],
      [
        [
          'Bundle, min + gzip (esbuild)',
          `${gz('core')} core (budget 6.5 KB: ${size.core?.gzip <= 6656 ? 'met' : 'not met'}), +${kb(results.size.data.react.gzip)} KB \`keycard/react\``,
          `keycloak-js ${gz('keycloak')}, oidc-client-ts ${gz('oidc')}, axios + axios-auth-refresh ${gz('axios')}, @supabase/auth-js ${gz('supabase')}, auth0-spa-js ${gz('auth0')}`,
        ],
        [
          'OIDC client by redirect, min + gzip (esbuild)',
          `\`keycard/oauth\` with the core: ${kb(results.size.data.oauthSplit?.gzip)} KB up front (jose's part split off, loaded on demand), ${gz('oauth')} in one file`,
          `oidc-client-ts ${gz('oidc')}, auth0-spa-js ${gz('auth0')}`,
        ],
        [
          'Added per `fetch` (valid token)',
          `${fmt(o.added, 2)} µs`,
          `ky + header hook ${fmt(o.ky, 1)} µs; a \`new Request\` alone ${fmt(o.request, 1)} µs`,
        ],
        [
          `${c.n.toLocaleString('en')} concurrent requests after the token is revoked`,
          `${c.refreshes} refresh, ${c.ok === c.expected ? 'all' : `${c.ok}/${c.expected}`} succeed, settle in ${fmt(c.settle.median, 0)} ms`,
          `${fmt(c.vsPlainN, 2)}× the same ${c.n.toLocaleString('en')} requests with a valid token (the floor is 2×: a wave of 401s, then the replays); a hand-written client at its best ${fmt(c.hand.median, 0)} ms (${fmt(c.hand.median / c.plainN.median, 2)}×)`,
        ],
        [
          '24 h at 1 req/s, 5-min tokens, server clock −10/0/+10 min',
          `${s.runs.map((r) => r.refreshes).join('/')} refreshes, ${s.runs.map((r) => r.api401s).join('/')} 401s`,
          `ideal ${s.ideal} refreshes, 0 401s; heap ${s.heap.growth === null ? 'n/a' : `${s.heap.growth >= 0 ? '+' : ''}${fmt(s.heap.growth / 1024, 0)} KiB`} over ${s.heap.refreshes.toLocaleString('en')} refreshes`,
        ],
        ['Refreshes per token period, Chromium tabs', tabsLine, 'goal 1, whatever the tab count'],
      ],
      'lll',
    ),
    '',
  ].join('\n');
  writeFileSync(join(BENCH, 'README.section.md'), section);
  say(`wrote ${relative(ROOT, join(BENCH, 'README.section.md'))}`);
}

const failed = Object.values(results).filter((r) => r.error).length;
say(
  `\n${only.length - failed} passed, ${failed} failed (sections that ran) in ${fmt(seconds, 0)} s${quick ? '' : `; goals met ${goals.filter((g) => g.ok).length}/${goals.length}`}`,
);
process.exit(failed ? 1 : 0);
