// The React Native files the Hermes test runs, fetched once from the npm
// registry with npm itself (pinned versions, checked integrity) into
// node_modules/.cache/keycard-hermes. React Native is not a devDependency:
// its install brings ~600 packages (CLI, Jest, Gradle plugin) and a peer
// conflict with this repo's React 19; the test needs only its JavaScript.

import { execFile as execFileCallback } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const execFile = promisify(execFileCallback);

export const cacheRoot = join(repoRoot, 'node_modules', '.cache', 'keycard-hermes');

/**
 * `npm pack name@version` unpacked into `dir` (once); the tarball's integrity must equal `integrity`.
 * @param {string} spec e.g. 'react-native@0.74.7' @param {string} integrity @param {string} dir
 */
export async function unpack(spec, integrity, dir) {
  if (existsSync(join(dir, 'package.json'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const { stdout } = await execFile('npm', ['pack', spec, '--json', '--pack-destination', tmp], {
    cwd: tmp,
    encoding: 'utf8',
  });
  const [info] = JSON.parse(stdout);
  if (info.integrity !== integrity) throw new Error(`${spec}: integrity ${info.integrity}, expected ${integrity}`);
  await execFile('tar', ['xzf', join(tmp, info.filename), '-C', tmp]);
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(tmp, 'package'), dir);
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

/**
 * Installs `dependencies` (npm ranges, as React Native's package.json gives them) into `dir`/node_modules
 * with npm, no install scripts; once.
 * @param {string} dir @param {Record<string, string>} dependencies
 */
export async function installInto(dir, dependencies) {
  const stamp = join(dir, 'installed.json');
  const wanted = JSON.stringify(dependencies);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'keycard-hermes-fixture', private: true, dependencies }, null, 2),
  );
  await execFile(
    'npm',
    [
      'install',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--omit=dev',
      '--omit=peer',
      '--loglevel=error',
    ],
    { cwd: dir },
  );
  writeFileSync(stamp, wanted);
}
