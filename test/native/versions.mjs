// The React Native versions the Hermes test runs, and what each really is.

/**
 * @typedef {object} RnVersion
 * @property {string} name          label in test names
 * @property {string} reactNative   exact npm version
 * @property {string} integrity     of its npm tarball
 * @property {string} preset        this repo's devDependency alias of that version's @react-native/babel-preset
 * @property {boolean} packageExports  Metro's `unstable_enablePackageExports` default in that version
 * @property {boolean} bridgeless   the architecture an app of that version runs (0.74: bridge by default; 0.82+: bridgeless only)
 * @property {'hermes-stable' | 'default'} runProfile  transform profile of the bundle run on the VM (see README.md here)
 * @property {string[]} engineBuiltins  globals that version's Hermes itself has and the 0.12 VM lacks
 * @property {{ spec?: string, integrity?: string, path: string }} hermesc  that version's Hermes compiler
 * @property {Record<string, string>} runtimeDeps  the packages its Libraries/Core set-up requires (its package.json ranges)
 * @property {Record<string, string>} appDeps  what the walk's app adds on that version (README: what keycard/oauth needs there)
 */

/**
 * The walk's app on every version: react-native-url-polyfill, which it installs on 0.74 (whose URL is partial, every
 * getter throwing: keycard/oauth needs a complete one there; on 0.88 it is bundled, not run: its own URL reads the
 * redirect back), and axios, whose fetch adapter the walk gives auth.fetch (README "axios").
 */
const APP_DEPS = { 'react-native-url-polyfill': '4.0.0', axios: '1.21.1' };

/** @type {RnVersion[]} */
export const VERSIONS = [
  {
    name: 'React Native 0.74',
    reactNative: '0.74.7',
    integrity: 'sha512-7emqS5CcwFoIBNAtcFPhmFRKkDl6TI/Oe10QjAYEj0JJcN/7hyCGwnDTtpjnO4Ai5LRt8xKXhrUt8cKIQ5BQlQ==',
    preset: 'react-native-babel-preset-074',
    packageExports: false,
    bridgeless: false,
    runProfile: 'hermes-stable',
    engineBuiltins: ['atob', 'btoa', 'TextEncoder'],
    hermesc: { path: 'sdks/hermesc/linux64-bin/hermesc' },
    runtimeDeps: {
      '@react-native/js-polyfills': '0.74.89',
      '@react-native/normalize-colors': '0.74.89',
      'abort-controller': '^3.0.0',
      'base64-js': '^1.5.1',
      'event-target-shim': '^5.0.1',
      invariant: '^2.2.4',
      'memoize-one': '^5.0.0',
      nullthrows: '^1.1.1',
      promise: '^8.3.0',
      'regenerator-runtime': '^0.13.2',
      'stacktrace-parser': '^0.1.10',
      'whatwg-fetch': '^3.0.0',
      'pretty-format': '^26.5.2',
      'flow-enums-runtime': '^0.0.6',
    },
    appDeps: APP_DEPS,
  },
  {
    name: 'React Native 0.88',
    reactNative: '0.88.1',
    integrity: 'sha512-wajWcLZ93GCN7k4Uwh4CS4L2Ah8ohcvkOXnvIYmh4Yvuqho5j3APZ9qozK+nQrHWSgauq4h8D3HN5DKK84SrHA==',
    preset: 'react-native-babel-preset-088',
    packageExports: true,
    bridgeless: true,
    runProfile: 'default',
    engineBuiltins: ['atob', 'btoa', 'TextEncoder', 'TextDecoder'],
    hermesc: {
      spec: 'hermes-compiler@260318099.0.5',
      integrity: 'sha512-4Gze+pGTGTUBRmnv6LtdOMo6ZzMMh3hEkvDiWzvuNL5LM0EO5YGhr8xh3fRjFaEqReUwEGjJGcGgEPFe9+E6Gw==',
      path: 'hermesc/linux64-bin/hermesc',
    },
    runtimeDeps: {
      '@react-native/asset-utils': '0.88.1',
      '@react-native/js-polyfills': '0.88.1',
      '@react-native/normalize-colors': '0.88.1',
      'base64-js': '^1.5.1',
      invariant: '^2.2.4',
      'memoize-one': '^5.0.0',
      nullthrows: '^1.1.1',
      promise: '^8.3.0',
      'regenerator-runtime': '^0.13.2',
      'stacktrace-parser': '^0.1.10',
      'whatwg-fetch': '^3.0.0',
      'pretty-format': '^29.7.0',
      'flow-enums-runtime': '^0.0.6',
    },
    appDeps: APP_DEPS,
  },
];
