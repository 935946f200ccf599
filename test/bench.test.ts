// The bench itself must keep working: `--quick` runs every section with tiny counts and
// asserts no timings (those live in bench/RESULTS.md, from a full `npm run bench`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('npm run bench -- --quick runs every section', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['bench/run.mjs', '--quick', '--no-build'], {
    timeout: 90_000,
  });
  for (const section of ['size', 'overhead', 'coalesce', 'steady', 'tabs']) expect(stdout).toContain(`## ${section}`);
}, 120_000);
