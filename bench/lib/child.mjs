// Runs one bench section in its own process (fresh heap, JIT and globals; the
// steady-state section patches the clock) and writes its result as JSON.
//   node bench/lib/child.mjs <section> <out.json> [--quick]
import { writeFileSync } from 'node:fs';

const [name, out] = process.argv.slice(2);
const quick = process.argv.includes('--quick');
const section = await import(`../sections/${name}.mjs`);
const log = (line) => process.stdout.write(`${line}\n`);
const result = await section.run({ quick, log });
writeFileSync(out, JSON.stringify(result, null, 2));
// Sections close what they open; this only guards against a stray handle keeping the bench alive.
process.exit(0);
