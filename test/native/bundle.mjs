// Bundles a test app as Metro would for one React Native version, with
// esbuild doing the concatenation and Metro's own rules everywhere they
// matter:
// - resolution: platform files (.ios.js, .native.js), `react-native` /
//   `browser` / `main` fields (and, with exports off, their object form's
//   redirects), the source extensions Metro sees (plus .cjs and
//   .mjs, which its file map indexes), and package `exports` off (Metro 0.80,
//   React Native 0.74) or on with the `react-native` condition and `import` /
//   `require` by how the source imported it (Metro 0.87, React Native 0.88);
// - every module, node_modules included, transformed by that version's
//   @react-native/babel-preset, with __DEV__ false (a release build);
// - module order: Metro's polyfills (@react-native/js-polyfills), then
//   Libraries/Core/InitializeCore, then the app.
// Not Metro itself: Metro needs a project, a file crawler and its worker pool,
// and would add a dozen packages per version; its resolver rules are small.
//
// What real Metro asserts, and so what this does (it decides which keycard build an app gets: the
// "react-native" field and export condition point at dist/index.native.*):
// - exports off: the main fields in order, React Native's default ['react-native', 'browser', 'main']
//   (facebook/react-native packages/metro-config/src/index.flow.js: resolverMainFields; Metro's own
//   default is ['browser', 'main']);
// - exports on: the conditions 'default', 'import' or 'require' (by how the module was imported), the
//   config's unstable_conditionNames, which React Native's metro-config sets to ['react-native'], and
//   unstable_conditionsByPlatform[platform] (Metro's default: 'browser' for web only)
//   (facebook/metro packages/metro-resolver/src/utils/matchSubpathFromExportsLike.js). esbuild with
//   platform 'neutral' and conditions ['react-native'] asserts exactly these: not 'module' (dropped when
//   custom conditions are given), 'browser' or 'node'.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { cacheRoot, repoRoot } from './packages.mjs';

const require = createRequire(import.meta.url);

/** Babel in worker threads, one per core (at most 4): the transforms are most of a bundle's time. */
function createPool() {
  const size = Math.max(1, Math.min(4, availableParallelism()));
  const workers = Array.from({ length: size }, () => new Worker(new URL('./transform-worker.mjs', import.meta.url)));
  /** @type {Map<number, { resolve: (value: any) => void, reject: (error: Error) => void }>} */
  const waiting = new Map();
  let next = 0;
  for (const worker of workers) {
    worker.on('message', (message) => {
      const entry = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) entry?.reject(new Error(message.error));
      else entry?.resolve(message);
    });
  }
  return {
    /** @param {object} job @returns {Promise<{ code: string, imports: string[] }>} */
    transform(job) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        workers[id % size].postMessage({ id, ...job });
      });
    },
    close: () => Promise.all(workers.map((worker) => worker.terminate())),
  };
}

const SOURCE_EXTS = ['js', 'jsx', 'json', 'ts', 'tsx'];
// Metro's file map also indexes these (watcher.additionalExts), so an exact path to one resolves.
const INDEXED_EXTS = new Set([...SOURCE_EXTS, 'cjs', 'mjs']);
const MAIN_FIELDS = ['react-native', 'browser', 'main'];
const PLATFORM = 'ios';
// Bump when the babel options below change: cached transforms are keyed by it.
const TRANSFORM_VERSION = '3';
const MJS_AS_CJS = '.as-cjs.js';

/** @param {string} path */
const isFile = (path) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};
/** @param {string} path */
const isDir = (path) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};
/** @param {string} path */
const indexed = (path) => {
  const ext = /\.([^./]+)$/.exec(path)?.[1];
  return ext !== undefined && INDEXED_EXTS.has(ext) && isFile(path);
};

/** Metro's resolveSourceFile: exact (platform first), then each source extension with .ios and .native variants. @param {string} prefix */
function resolveFile(prefix) {
  for (const candidate of [`${prefix}.${PLATFORM}`, prefix]) if (indexed(candidate)) return candidate;
  for (const ext of SOURCE_EXTS) {
    for (const candidate of [`${prefix}.${PLATFORM}.${ext}`, `${prefix}.native.${ext}`, `${prefix}.${ext}`])
      if (indexed(candidate)) return candidate;
  }
  return null;
}

/** @param {string} dir */
function readPackage(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** A file, else a directory's package.json entry (main fields, no `exports`), else its index. @param {string} path */
function resolveFileOrDir(path) {
  const file = resolveFile(path);
  if (file) return file;
  const pkg = readPackage(path);
  if (pkg) {
    for (const field of MAIN_FIELDS) {
      if (typeof pkg[field] !== 'string') continue;
      const entry = resolvePath(path, pkg[field]);
      const found = resolveFile(entry) ?? resolveFile(join(entry, 'index'));
      if (found) return found;
    }
  }
  return resolveFile(join(path, 'index'));
}

/**
 * Metro's redirectModulePath with exports off: a package's object-valued main fields (the browser field spec, e.g.
 * axios's `"react-native": { "./dist/node/axios.cjs": "./dist/browser/axios.cjs" }`) replace its own files, the
 * earlier field winning (metro-resolver's Package getReplacements). `false` is an empty module. @param {string} path
 * @returns {string | false}
 */
function redirected(path) {
  const at = path.lastIndexOf('/node_modules/');
  if (at === -1) return path;
  const rest = path.slice(at + '/node_modules/'.length).split('/');
  const root = path.slice(0, at + '/node_modules/'.length) + rest.slice(0, rest[0]?.startsWith('@') ? 2 : 1).join('/');
  const pkg = readPackage(root);
  const replacements = Object.assign(
    {},
    ...MAIN_FIELDS.map((field) => pkg?.[field])
      .filter((value) => value !== null && typeof value === 'object')
      .reverse(),
  );
  const target = replacements[`./${path.slice(root.length + 1)}`];
  if (target === false) return false;
  return typeof target === 'string' ? (resolveFile(resolvePath(root, target)) ?? path) : path;
}

/**
 * @param {object} options
 * @param {import('./versions.mjs').RnVersion} options.version
 * @param {string} options.entry           the app's entry module
 * @param {string[]} options.nodeModules   where bare imports are looked for after the importer's own node_modules
 * @param {Record<string, string>} options.aliases  bare specifier → file (fakes for what sits behind native modules)
 * @param {'hermes-stable' | 'default'} options.profile
 * @param {Record<string, string>} [options.define]
 * @param {string[]} [options.only]  when given, modules outside these folders stay external (`require` calls)
 * @returns {Promise<string>} the bundle
 */
export async function bundle({ version, entry, nodeModules, aliases, profile, define = {}, only }) {
  const presetPath = require.resolve(version.preset, { paths: [repoRoot] });
  const presetId = `${version.preset}@${JSON.parse(readFileSync(join(dirname(presetPath), '..', 'package.json'), 'utf8')).version}`;
  /** Specifiers each file imported with `import`/`export from` (Metro's isESMImport), before babel made them require()s. */
  const esmImports = new Map();

  /** @param {string} name @param {string} fromDir */
  const findPackage = (name, fromDir) => {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (isDir(candidate)) return candidate;
      if (dirname(dir) === dir) break;
    }
    for (const root of nodeModules) if (isDir(join(root, name))) return join(root, name);
    return null;
  };

  /** @type {esbuild.Plugin} */
  const metro = {
    name: 'metro-rules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData?.metroSkip) return undefined;
        const spec = args.path;
        if (aliases[spec]) return { path: aliases[spec] };
        let path = null;
        if (spec.startsWith('.') || spec.startsWith('/')) {
          path = resolveFileOrDir(resolvePath(args.resolveDir, spec));
        } else {
          const parts = spec.split('/');
          const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
          const sub = spec.slice(name.length + 1);
          const dir = findPackage(name, args.resolveDir);
          if (dir === null) return { errors: [{ text: `Unable to resolve module ${spec} from ${args.importer}` }] };
          const pkg = readPackage(dir);
          if (version.packageExports && pkg?.exports !== undefined) {
            const viaImport = esmImports.get(args.importer)?.has(spec) === true;
            // Resolved from where the package was found, not from the importer: a file inside this repo would
            // otherwise get the repo's own dist/ through package self-reference, which an app never does.
            const result = await build.resolve(spec, {
              kind: viaImport ? 'import-statement' : 'require-call',
              resolveDir: dir.slice(0, dir.length - `/node_modules/${name}`.length),
              pluginData: { metroSkip: true },
            });
            if (result.errors.length > 0) return { errors: result.errors };
            path = result.path;
          } else {
            path = sub ? resolveFileOrDir(join(dir, sub)) : resolveFileOrDir(dir);
          }
        }
        if (path === null) return { errors: [{ text: `Unable to resolve module ${spec} from ${args.importer}` }] };
        if (!version.packageExports) {
          const target = redirected(path);
          if (target === false) return { path: aliases['@empty'] };
          path = target;
        }
        // AppRegistry is how native code starts a surface; it pulls in the whole native renderer. The app here is
        // started by the test instead, so it is an empty module (the only Libraries/Core module replaced).
        if (path.endsWith('/Libraries/ReactNative/AppRegistry.js')) return { path: aliases['@empty'] };
        if (only && !only.some((dir) => path.startsWith(dir))) return { path: spec, external: true };
        // esbuild treats a .mjs file as an ES module whatever it contains; babel has made every module CommonJS, as
        // Metro does, so the .mjs is loaded under another name (with Metro's interop, not Node's).
        if (path.endsWith('.mjs')) return { path: `${path}${MJS_AS_CJS}` };
        return { path };
      });

      build.onLoad({ filter: /\.(c|m)?(j|t)sx?(\.as-cjs\.js)?$/ }, async (args) => {
        const file = args.path.endsWith(MJS_AS_CJS) ? args.path.slice(0, -MJS_AS_CJS.length) : args.path;
        const source = readFileSync(file, 'utf8');
        // Transforms are cached by content, preset and profile (Metro caches them too).
        const key = createHash('sha256')
          .update(TRANSFORM_VERSION)
          .update(presetId)
          .update(profile)
          .update(args.path)
          .update(source)
          .digest('hex');
        const cached = join(cacheRoot, 'babel', key.slice(0, 2), `${key}.json`);
        if (existsSync(cached)) {
          const hit = JSON.parse(readFileSync(cached, 'utf8'));
          esmImports.set(args.path, new Set(hit.imports));
          return { contents: hit.code, loader: 'js', resolveDir: dirname(args.path) };
        }
        const result = await pool.transform({ file, source, presetPath, profile, platform: PLATFORM });
        esmImports.set(args.path, new Set(result.imports));
        mkdirSync(dirname(cached), { recursive: true });
        writeFileSync(cached, JSON.stringify({ code: result.code, imports: result.imports }));
        return { contents: result.code, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };

  const pool = createPool();
  const result = await esbuild
    .build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'neutral',
      mainFields: MAIN_FIELDS,
      conditions: ['react-native'],
      nodePaths: nodeModules,
      // Not this repo's tsconfig: its `paths` map `keycard` to the sources, and the app must get the published files.
      tsconfigRaw: '{}',
      define: { __DEV__: 'false', 'process.env.NODE_ENV': '"production"', global: 'globalThis', ...define },
      // esbuild only joins modules; it must not lower or rewrite what babel produced.
      target: 'esnext',
      minify: false,
      legalComments: 'none',
      logLevel: 'silent',
      plugins: [metro],
    })
    .finally(() => pool.close());
  return result.outputFiles[0].text;
}
