// One babel worker of bundle.mjs: a module through a React Native version's
// @react-native/babel-preset, as Metro's transform workers do.

import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const babel = require('@babel/core');

parentPort.on('message', ({ id, file, source, presetPath, profile, platform }) => {
  try {
    /** Specifiers imported with `import` / `export from` (Metro's isESMImport), before babel makes them require()s. */
    const imports = [];
    const record = () => ({
      visitor: {
        /** @param {any} p */
        'ImportDeclaration|ExportNamedDeclaration|ExportAllDeclaration'(p) {
          if (p.node.source) imports.push(p.node.source.value);
        },
      },
    });
    const result = babel.transformSync(source, {
      filename: file,
      babelrc: false,
      configFile: false,
      sourceType: 'unambiguous',
      compact: false,
      comments: false,
      plugins: [record],
      presets: [[presetPath, { dev: false, unstable_transformProfile: profile }]],
      caller: { name: 'metro', bundler: 'metro', platform, unstable_transformProfile: profile },
    });
    parentPort.postMessage({ id, code: result.code, imports });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ? error.message : error) });
  }
});
