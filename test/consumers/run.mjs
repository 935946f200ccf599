// `npm run test:consumers`: packs keycard as a fresh clone would (`npm pack`, whose prepack builds), lints the
// tarball (publint --strict, attw --profile node16), then installs it into fresh consumer projects made from the
// folders beside this file and uses it there, the way a new user would:
//   node/        every entry from ESM, from CJS, both builds' AuthError in one process, and axios 1.12.1 (the lowest
//                the README's axios line claims) through auth.fetch, on the lowest Node
//                that package.json's engines claim for each major (npm's node-<os>-<arch> packages) and on this
//                one; TypeScript with moduleResolution bundler, node16 and nodenext (ESM and CJS files), and as
//                React Native's @react-native/typescript-config resolves (bundler, customConditions
//                ["react-native"]: keycard's React Native build has the same types)
//   ky2/         keycard/ky with ky 2, which needs Node 22
//   msw3/        keycard/testing with msw 3, which needs Node 22 (and hands handlers no `credentials`)
//   react18/     keycard/react on React 18, the lowest major of the react peer range (SSR, mount, login, logout)
//   vite-react/  a Vite + React production build (keycard's web build, not the React Native one), then run in
//                Chromium: keycard/react renders, and keycard/oauth (jose bundled by Vite) completes a login by redirect
//   next/        a Next.js app-router `next build`: a client component uses useAuth, a server component calls sameUser;
//                then `next start`, the page hydrated in Chromium with no mismatch, and its restore settled
//   webpack/     the Vite app's source built by webpack 5 (babel-loader for JSX), then run in Chromium as the Vite build is
//   jest/        Jest 30 in jsdom, as a React app's tests run: the CommonJS builds, keycard/react, Jest's fake timers
// Every install and build must pass without a warning. Projects live under $KEYCARD_CONSUMERS_DIR (default
// <tmp>/keycard-consumers), rebuilt on each run; npm's own cache makes the installs fast after the first run.
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { checkBuildInBrowser, checkNextInBrowser } from './in-browser.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const WORK = process.env.KEYCARD_CONSUMERS_DIR ?? join(tmpdir(), 'keycard-consumers');
const started = Date.now();
const seconds = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;

// npm itself, to run it under another Node (npm checks `engines` against the Node that runs it).
const NPM_CLI = process.env.npm_execpath?.endsWith('.js')
  ? process.env.npm_execpath
  : realpathSync(execFileSync('sh', ['-c', 'command -v npm']).toString().trim());

/** Runs a command; resolves with its output, rejects with it (and the command) on a non-zero exit. */
function run(command, args, { cwd = ROOT, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${[command, ...args].join(' ')} (in ${cwd}) exited with ${code}:\n${output}`));
    });
  });
}

const npm = (args, opts = {}) => run(opts.node ?? process.execPath, [NPM_CLI, ...args], opts);

/** Fails when a tool's output carries a warning: consumers must install and build without one. */
function noWarnings(what, output, pattern = /\bwarn(ing)?\b|⚠/i) {
  const lines = output.split('\n').filter((line) => pattern.test(line));
  if (lines.length) throw new Error(`${what} warned:\n${lines.join('\n')}\n--- full output ---\n${output}`);
}

/** A consumer script prints one `…: ok` line and nothing else (no ExperimentalWarning, no deprecation). */
function quiet(what, output) {
  if (!/^[^\n]*: ok\n?$/.test(output)) throw new Error(`${what} printed more than its ok line:\n${output}`);
}

async function step(name, task) {
  const from = Date.now();
  const result = await task();
  console.log(`  ✓ ${name} (${seconds(from)})`);
  return result;
}

/** The lowest version of each range in package.json's engines.node, e.g. `^20.19.0 || >=22.12.0` → both. */
function lowestNodes(range) {
  return range
    .split('||')
    .map((part) => /(\d+\.\d+\.\d+)/.exec(part)?.[1])
    .filter(Boolean);
}

/** A local Node of `version` from npm's node-<os>-<arch> package (what npm's `node` package installs, minus its install script). */
async function nodeBinary(version) {
  const dir = join(WORK, `node-${version}`);
  const pkg = `node-${process.platform}-${process.arch}`;
  const bin = join(dir, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(bin)) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), '{ "private": true }\n');
    noWarnings(
      `npm install ${pkg}@${version}`,
      await npm(['install', `${pkg}@${version}`, '--no-audit', '--no-fund', '--no-package-lock', '--prefer-offline'], {
        cwd: dir,
      }),
    );
  }
  const reported = (await run(bin, ['--version'])).trim();
  if (reported !== `v${version}`) throw new Error(`${bin} is ${reported}, not v${version}`);
  return bin;
}

/** A fresh copy of consumer `name` with the tarball as its `keycard` dependency, installed by `node`'s npm. */
async function install(name, tarball, node) {
  const dir = join(WORK, name);
  await rm(dir, { recursive: true, force: true });
  await cp(join(HERE, name), dir, { recursive: true });
  const pkgPath = join(dir, 'package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8'));
  pkg.dependencies = { keycard: `file:${tarball}`, ...pkg.dependencies };
  await writeFile(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  const output = await npm(['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, node });
  noWarnings(`npm install in ${name}`, output);
  return dir;
}

async function main() {
  await mkdir(WORK, { recursive: true });
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  console.log(`consumers: packing keycard and installing it in fresh projects under ${WORK}`);

  const tarball = await step('npm pack (prepack builds dist/)', async () => {
    const dest = join(WORK, 'pack');
    await rm(dest, { recursive: true, force: true });
    await mkdir(dest, { recursive: true });
    const [packed] = JSON.parse(await npm(['pack', '--json', '--silent', '--pack-destination', dest]));
    const files = packed.files.map((f) => f.path);
    const required = [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.mjs',
      'dist/index.cjs',
      'dist/index.d.mts',
      'dist/index.d.cts',
      'dist/index.native.mjs',
      'dist/index.native.cjs',
      'dist/react-client.mjs',
    ];
    for (const name of ['react', 'query', 'ky', 'testing', 'oauth'])
      required.push(`${name}/package.json`, `dist/${name}.mjs`, `dist/${name}.d.cts`);
    const missing = required.filter((f) => !files.includes(f));
    const stray = files.filter(
      (f) => !/^(dist\/|(react|query|ky|testing|oauth)\/package\.json$|LICENSE$|README\.md$|package\.json$)/.test(f),
    );
    if (missing.length || stray.length)
      throw new Error(
        `tarball: missing ${missing.join(', ') || 'nothing'}; unexpected ${stray.join(', ') || 'nothing'}`,
      );
    return join(dest, packed.filename);
  });

  const bin = (name) => join(ROOT, 'node_modules', '.bin', name);
  const lowest = lowestNodes(pkg.engines.node);
  const [lints, nodes, dirs] = await Promise.all([
    Promise.all([
      step('publint --strict', () => run(bin('publint'), ['run', tarball, '--strict'])),
      step('attw --profile node16', () =>
        run(bin('attw'), [tarball, '--profile', 'node16', '--format', 'table-flipped']),
      ),
    ]),
    step(`Node ${lowest.join(', ')} (the lowest engines claims)`, () => Promise.all(lowest.map(nodeBinary))),
    step('npm install: node, react18, vite-react, next, jest, webpack (no warning)', () =>
      Promise.all([
        install('node', tarball),
        install('react18', tarball),
        install('vite-react', tarball),
        install('next', tarball),
        install('jest', tarball),
        install('webpack', tarball),
      ]),
    ),
  ]);
  noWarnings('publint', lints[0], /warning|error|suggestion/i);
  const [nodeDir, react18Dir, viteDir, nextDir, jestDir, webpackDir] = dirs;
  const node22 = nodes.find((_, i) => lowest[i].startsWith('22.'));

  for (const node of [...nodes, process.execPath]) {
    const version = (await run(node, ['--version'])).trim();
    await step(`Node ${version}: ESM, CJS, mixed CJS/ESM AuthError, axios 1.12.1`, async () => {
      for (const file of ['esm.mjs', 'cjs.cjs', 'mixed.mjs', 'axios.mjs'])
        quiet(`node ${file}`, await run(node, [file], { cwd: nodeDir }));
    });
  }

  await step('React 18: keycard/react server-rendered and mounted', async () => {
    for (const file of ['ssr.mjs', 'react18.mjs'])
      quiet(`node ${file}`, await run(process.execPath, [file], { cwd: react18Dir }));
  });

  await step('Jest 30 in jsdom: keycard and keycard/react (CommonJS), driven by Jest’s fake timers', () =>
    run(process.execPath, ['node_modules/jest/bin/jest.js', '--ci'], { cwd: jestDir }),
  );

  await step('TypeScript: bundler, node16, nodenext (ESM + CJS), React Native (bundler + "react-native")', async () => {
    for (const mode of ['bundler', 'node16', 'nodenext', 'react-native']) {
      await run(
        process.execPath,
        [join(nodeDir, 'node_modules/typescript/bin/tsc'), '-p', `ts/tsconfig.${mode}.json`],
        { cwd: nodeDir },
      );
    }
  });

  if (node22) {
    await step('ky 2 on Node 22 (installed by Node 22’s npm run)', async () => {
      const dir = await install('ky2', tarball, node22);
      quiet('ky2.mjs', await run(node22, ['ky2.mjs'], { cwd: dir }));
    });
    await step('keycard/testing with msw 3 on Node 22 (cookie mode through the mock’s own jar; types)', async () => {
      const dir = await install('msw3', tarball, node22);
      quiet('msw3.mjs', await run(node22, ['msw3.mjs'], { cwd: dir }));
      await run(process.execPath, [join(nodeDir, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: dir });
    });
  }

  await step('Vite + React: vite build', async () => {
    // logLevel 'warn' (vite.config.js): a clean build prints nothing.
    const output = await run(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], { cwd: viteDir });
    if (output.trim()) throw new Error(`vite build printed:\n${output}`);
    const assets = (await readdir(join(viteDir, 'dist/assets'))).filter((f) => f.endsWith('.js'));
    const read = (file) => readFile(join(viteDir, 'dist/assets', file), 'utf8');
    const js = await read(assets.find((f) => f.startsWith('index-')));
    if (!js.includes('keycard') && !js.includes('X-Requested-With'))
      throw new Error('vite build: keycard is not in the bundle');
    // The web build's answer where URL is partial (src/partial-url.ts), which the React Native build has not.
    if (!js.includes('"react-native" build')) throw new Error("vite build: not keycard's web build");
    // keycard/oauth loads jose only to verify an ID token: Vite splits it into a chunk of its own (a jose error code).
    const chunks = await Promise.all(assets.filter((f) => !f.startsWith('index-')).map(read));
    if (js.includes('ERR_JWKS_TIMEOUT') || !chunks.some((chunk) => chunk.includes('ERR_JWKS_TIMEOUT')))
      throw new Error(`vite build: jose is not split off keycard/oauth (${assets.join(', ')})`);
  });

  await step('Vite + React: the build runs in Chromium (keycard/react renders, keycard/oauth signs in)', async () => {
    await checkBuildInBrowser(join(viteDir, 'dist'), 'vite');
  });

  await step('webpack 5 + React (babel-loader): production build, then run in Chromium', async () => {
    // The Vite consumer's app, built by webpack: one source for both bundlers.
    await cp(join(viteDir, 'src'), join(webpackDir, 'src'), { recursive: true });
    const output = await run(process.execPath, ['build.js'], { cwd: webpackDir });
    if (output.trim()) throw new Error(`webpack build printed:\n${output}`);
    const assets = await readdir(join(webpackDir, 'dist/assets'));
    const read = (file) => readFile(join(webpackDir, 'dist/assets', file), 'utf8');
    const js = await read('index.js');
    // The web build's answer where URL is partial, as terser quotes it.
    if (!/React Native apps need keycard's \\?"react-native\\?" build/.test(js))
      throw new Error("webpack build: not keycard's web build");
    const chunks = await Promise.all(assets.filter((f) => f.endsWith('.js') && f !== 'index.js').map(read));
    if (js.includes('ERR_JWKS_TIMEOUT') || !chunks.some((chunk) => chunk.includes('ERR_JWKS_TIMEOUT')))
      throw new Error(`webpack build: jose is not split off keycard/oauth (${assets.join(', ')})`);
    await checkBuildInBrowser(join(webpackDir, 'dist'), 'webpack');
  });

  await step('Next.js app router: next build', async () => {
    // With CI set (as .ci/run sets it), Next warns that a fresh project has no .next build cache: true, and not
    // about keycard. Its ci-info takes any CI value as CI, so the variable is left out (spawn drops undefined
    // values); any other warning still fails the step.
    const output = await run(process.execPath, ['node_modules/next/dist/bin/next', 'build'], {
      cwd: nextDir,
      env: { CI: undefined },
    });
    noWarnings('next build', output);
    const html = await readFile(join(nextDir, '.next/server/app/index.html'), 'utf8');
    if (!html.includes('<p id="same-user">true</p>'))
      throw new Error('next build: the server component did not call sameUser');
    if (!html.includes('<p id="status">initializing</p>'))
      throw new Error('next build: the client component did not prerender useAuth');
  });

  await step('Next.js: next start, the page hydrated in Chromium without a mismatch, then restored', async () => {
    await checkNextInBrowser(nextDir);
  });

  console.log(`consumers: all passed in ${seconds(started)}`);
}

main().catch((error) => {
  console.error(`consumers: FAILED after ${seconds(started)}\n${error?.stack ?? error}`);
  process.exit(1);
});
