// Shared by every bench section: paths, the keycard build, statistics and
// table formatting. Plain Node ESM, no dependencies.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH);
export const TMP = join(BENCH, '.tmp');
export const DIST = join(ROOT, 'dist');
// KEYCARD_BENCH_CHROMIUM points the tab benchmark at another Chromium build.
export const CHROMIUM = process.env.KEYCARD_BENCH_CHROMIUM ?? '/usr/bin/chromium';

/** The dist files the bench loads; each comes from these source folders. */
const BUILT = ['index.mjs', 'react.mjs', 'query.mjs', 'ky.mjs'];
const SOURCES = ['src', 'react', 'query', 'ky', 'rollup.config.mjs'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Makes sure dist/ is built from the current sources: the bench measures what
 * users install (dist/*.mjs), so a stale dist would measure old code.
 * `staleOk` (for --quick) builds only when dist/ is missing.
 * Returns what it did, for the log.
 */
export function ensureBuilt({ staleOk = false } = {}) {
  const built = BUILT.map((f) => join(DIST, f));
  const oldestBuilt = Math.min(...built.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const newestSource = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  if (oldestBuilt > newestSource) return 'dist/ is up to date';
  // --quick only checks the bench runs: an older dist/ does for that, and a rollup build would eat half its time.
  if (staleOk && oldestBuilt > 0) return 'dist/ is older than the sources; --quick uses it as it is';
  execFileSync(process.execPath, [join(ROOT, 'node_modules/rollup/dist/bin/rollup'), '-c', '--silent'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return 'built dist/ with rollup -c';
}

export const keycardDist = (entry = 'index') => join(DIST, `${entry}.mjs`);

/** Imports a dist entry (file URL, so it works from any cwd). */
export const importKeycard = (entry = 'index') => import(new URL(`file://${keycardDist(entry)}`).href);

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString().slice(0, 10),
  };
}

/** The q-quantile (0..1) of numbers, linear interpolation. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

/** `{ median, p10, p90 }` of a sample. */
export const spread = (values) => ({
  median: median(values),
  p10: quantile(values, 0.1),
  p90: quantile(values, 0.9),
  n: values.length,
});

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fixed-point with `digits` decimals, or '—' for missing values. */
export const fmt = (value, digits = 1) =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);

export const kb = (bytes) => (bytes === null || bytes === undefined ? '—' : (bytes / 1024).toFixed(1));

/** A GitHub-flavoured markdown table; `align` is a string of 'l'/'r' per column. */
export function table(head, rows, align = '') {
  const cells = [head, ...rows].map((row) => row.map((cell) => String(cell ?? '—')));
  const widths = head.map((_, i) => Math.max(3, ...cells.map((row) => row[i].length)));
  const pad = (text, i) => (align[i] === 'r' ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (row) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** A ✓/✗ verdict for a goal, or '—' when not measured. */
export const verdict = (ok) => (ok === null || ok === undefined ? '—' : ok ? '✓' : '✗');
