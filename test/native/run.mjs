// Prepares, bundles and runs the test app on the Hermes VM for one React
// Native version. Usable from the test and by hand:
//   node test/native/run.mjs 0.74   (after `npm run build`)

import { createHash } from 'node:crypto';
import { execFile as execFileCallback, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bundle } from './bundle.mjs';
import { cacheRoot, installInto, repoRoot, unpack } from './packages.mjs';
import { VERSIONS } from './versions.mjs';

const require = createRequire(import.meta.url);
const execFile = promisify(execFileCallback);
const here = join(repoRoot, 'test', 'native');
export const HERMES = join(repoRoot, 'node_modules', 'hermes-engine-cli', 'linux64-bin', 'hermes');
const BASE_URL = 'https://auth.example.com';

/** The Hermes VM's own report of its version. */
export function hermesVersion() {
  const out = spawnSync(HERMES, ['-Xmicrotask-queue', '-'], {
    input: 'print(HermesInternal.getRuntimeProperties()["OSS Release Version"])',
    encoding: 'utf8',
  });
  return out.stdout.trim();
}

/** @type {Promise<{ integrity: string, files: string[], dir: string, nodeModules: string }> | null} */
let packing = null;

/**
 * `npm pack` of this repo (its published files), once per process, unpacked as `node_modules/keycard` of a folder
 * named after the tarball's integrity and put in place whole. Two runs at once (git worktrees sharing node_modules)
 * so never bundle each other's keycard under their own cache key: a shared tarball or folder could change between
 * packing, unpacking and bundling.
 */
function packKeycard() {
  packing ??= (async () => {
    mkdirSync(cacheRoot, { recursive: true });
    const tmp = mkdtempSync(join(cacheRoot, 'pack-'));
    try {
      const { stdout } = await execFile('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      const [info] = JSON.parse(stdout);
      const root = join(cacheRoot, 'keycard', createHash('sha256').update(info.integrity).digest('hex').slice(0, 16));
      const dir = join(root, 'node_modules', 'keycard');
      if (!existsSync(join(dir, 'package.json'))) {
        const unpacked = join(tmp, 'root');
        mkdirSync(join(unpacked, 'node_modules', 'keycard'), { recursive: true });
        // A package scope of its own: resolved from here, `keycard` would otherwise be this repo's own dist/ (the
        // repo's package.json is the nearest, and Node resolves a package's own name before node_modules).
        writeFileSync(join(unpacked, 'package.json'), '{ "name": "keycard-hermes-unpacked", "private": true }\n');
        await execFile('tar', [
          'xzf',
          join(tmp, info.filename),
          '-C',
          join(unpacked, 'node_modules', 'keycard'),
          '--strip-components=1',
        ]);
        mkdirSync(dirname(root), { recursive: true });
        try {
          renameSync(unpacked, root);
        } catch {
          // Another run put the same tarball in place first.
        }
      }
      return {
        integrity: info.integrity,
        files: info.files.map((/** @type {{path: string}} */ f) => f.path),
        dir,
        nodeModules: join(root, 'node_modules'),
      };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  })();
  return packing;
}

/** @param {string} dir */
function hashTree(dir, hash = createHash('sha256')) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(path, hash);
    else if (!entry.name.endsWith('.test.ts')) hash.update(entry.name).update(readFileSync(path));
  }
  return hash;
}

/**
 * Everything one version needs: React Native's files, its set-up's dependencies, keycard as published, the bundle.
 * @param {import('./versions.mjs').RnVersion} version
 * @param {'run' | 'hermes-stable'} [which] the bundle run on the VM, or keycard and the app with the version's default profile
 */
export async function prepare(version, which = 'run') {
  const fixture = join(cacheRoot, `rn-${version.reactNative}`);
  await installInto(fixture, { ...version.runtimeDeps, ...version.appDeps });
  const [rnDir, keycard] = await Promise.all([
    unpack(`react-native@${version.reactNative}`, version.integrity, join(fixture, 'node_modules', 'react-native')),
    packKeycard(),
  ]);

  const key = hashTree(here)
    .update(readFileSync(join(repoRoot, 'examples', 'react-native', 'auth.ts')))
    .update(readFileSync(join(repoRoot, 'examples', 'react-native', 'secure-storage.ts')))
    .update(keycard.integrity)
    .update(JSON.stringify(version))
    .update(which)
    .digest('hex')
    .slice(0, 16);
  const file = join(cacheRoot, 'bundles', `rn-${version.reactNative}-${which}-${key}.js`);
  if (!existsSync(file)) {
    mkdirSync(join(cacheRoot, 'bundles'), { recursive: true });
    const polyfills = require(join(fixture, 'node_modules', '@react-native', 'js-polyfills'))();
    const entry = join(cacheRoot, 'bundles', `entry-${version.reactNative}-${which}-${key}.js`);
    const app = join(repoRoot, 'examples', 'react-native', 'auth.ts');
    // The run: Metro's order, polyfills, then the modules run before the main module (InitializeCore), then the app.
    // The hermes-stable check: keycard (keycard/oauth with the jose it imports) and the app only (React Native's own
    // code is compiled by its own hermesc anyway).
    const modules =
      which === 'run'
        ? [
            join(here, 'host', 'device.js'),
            ...polyfills,
            join(rnDir, 'Libraries', 'Core', 'InitializeCore.js'),
            join(here, 'app', 'walk.tsx'),
          ]
        : ['keycard', 'keycard/react', 'keycard/oauth', app];
    writeFileSync(entry, modules.map((path) => `require(${JSON.stringify(path)});`).join('\n'));
    const code = await bundle({
      version,
      entry,
      profile: which === 'run' ? version.runProfile : 'hermes-stable',
      nodeModules: [keycard.nodeModules, join(fixture, 'node_modules'), join(repoRoot, 'node_modules')],
      aliases: {
        'expo-secure-store': join(here, 'app', 'keychain.ts'),
        '@empty': join(here, 'host', 'empty.js'),
        'react-native': join(here, 'host', 'react-native.js'),
      },
      define: { 'process.env.EXPO_PUBLIC_AUTH_URL': JSON.stringify(BASE_URL) },
      only:
        which === 'run'
          ? undefined
          : [keycard.dir, join(repoRoot, 'node_modules', 'jose'), join(repoRoot, 'examples'), join(here, 'app')],
    });
    writeFileSync(file, code);
  }
  return { file, fixture, rnDir, keycard };
}

/**
 * Runs the bundle on Hermes as one launch of the app.
 * @param {import('./versions.mjs').RnVersion} version @param {string} file
 * @param {Record<string, unknown>} device  phase, keychain, server state
 */
export function launch(version, file, device) {
  const config = {
    version: version.reactNative,
    bridgeless: version.bridgeless,
    engineBuiltins: version.engineBuiltins,
    start: Date.UTC(2026, 0, 15, 9),
    echoLogs: !!process.env.HERMES_LOGS,
    ...device,
  };
  const script = join(cacheRoot, 'bundles', `launch-${process.pid}-${config.phase}-${version.reactNative}.js`);
  writeFileSync(script, `var __DEVICE__ = ${JSON.stringify(config)};\n${readFileSync(file, 'utf8')}`);
  try {
    const out = spawnSync(HERMES, ['-Xmicrotask-queue', script], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    /** @type {Array<{ kind: string, value: any }>} */
    const events = [];
    for (const line of out.stdout.split('\n')) {
      const match = /^@@(\S+) (.*)$/.exec(line);
      if (match) events.push({ kind: match[1], value: JSON.parse(match[2]) });
    }
    return { events, status: out.status, stdout: out.stdout, stderr: out.stderr };
  } finally {
    rmSync(script, { force: true });
  }
}

/** Compiles `file` to bytecode with the version's own Hermes compiler (hermesc); returns its diagnostics. @param {import('./versions.mjs').RnVersion} version @param {string} file @param {string} rnDir */
export async function compileWithOwnHermesc(version, file, rnDir) {
  const base = version.hermesc.spec
    ? await unpack(
        version.hermesc.spec,
        /** @type {string} */ (version.hermesc.integrity),
        join(cacheRoot, version.hermesc.spec.replace('@', '-')),
      )
    : rnDir;
  const hermesc = join(base, version.hermesc.path);
  const out = spawnSync(hermesc, ['-emit-binary', '-out', `${file}.hbc`, file], { encoding: 'utf8' });
  rmSync(`${file}.hbc`, { force: true });
  const version_ = spawnSync(hermesc, ['-version'], { encoding: 'utf8' }).stdout;
  return {
    status: out.status,
    stderr: out.stderr,
    version: /Hermes release version: (\S+)/.exec(version_)?.[1] ?? version_.trim().split('\n')[0],
  };
}

if (process.argv[1]?.endsWith('run.mjs')) {
  const version = VERSIONS.find((v) => v.reactNative.startsWith(process.argv[2] ?? '0.74'));
  if (!version) throw new Error('which version?');
  const started = Date.now();
  const { file } = await prepare(version);
  console.log('bundle', file, Date.now() - started, 'ms');
  const first = launch(version, file, { phase: 'first-launch' });
  console.log(first.stdout.slice(-6000), first.stderr.slice(-3000));
  const persist = first.events.find((e) => e.kind === 'persist');
  if (persist) {
    const second = launch(version, file, { phase: 'restart', ...persist.value });
    console.log(second.stdout.slice(-6000), second.stderr.slice(-3000));
  }
  console.log('total', Date.now() - started, 'ms');
}
