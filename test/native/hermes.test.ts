// keycard and keycard/react on the Hermes VM with React Native's own globals,
// for React Native 0.74 and the newest on npm: the published files (npm pack),
// bundled as Metro would, run by React Native's Libraries/Core set-up over a
// faked native side. See README.md in this folder for what is real and what
// is not.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileWithOwnHermesc, hermesVersion, launch, prepare, type Launch } from './run.mjs';
import { VERSIONS, type RnVersion } from './versions.mjs';
import { JWT_CORPUS } from './app/jwt-corpus';
import { viaJose } from '../jwt-reference';

const FIRST_LAUNCH = [
  'environment',
  'hostile JWTs decode as jose decodes them',
  'restore with nothing stored',
  'login',
  'request with the token',
  'the allow-list reads where requests go',
  'proactive refresh',
  '401 replay',
  'axios through auth.fetch: 401 → refresh → replay',
  'resume from the background refreshes at once',
  'keycard/oauth loads; without WebCrypto, loginWithRedirect says what to install',
  'keycard/oauth signs in by redirect (PKCE), refreshes and revokes',
];
const RESTART = ['app restart restores from TokenStorage', 'logout empties the storage', 'dispose leaves no timer'];

const steps = (run: Launch) => run.events.filter((e) => e.kind === 'step').map((e) => e.value.name as string);
const outcome = (run: Launch) => run.events.find((e) => e.kind === 'done' || e.kind === 'fail' || e.kind === 'stall');
const describeFailure = (run: Launch) =>
  JSON.stringify(outcome(run)?.value ?? { status: run.status, stderr: run.stderr.slice(-2000) });

type Prepared = Awaited<ReturnType<typeof prepare>>;
const preparing = new Map<RnVersion, Promise<Prepared | Error>>();
// Both versions' downloads and bundles at once: one's npm waits overlap the other's babel work.
beforeAll(() => {
  for (const version of VERSIONS)
    preparing.set(
      version,
      prepare(version).catch((error: unknown) => error as Error),
    );
});

it('runs on the Hermes VM from npm (hermes-engine-cli)', () => {
  // The only Linux Hermes VM on npm. Not the Hermes of either React Native version: see README.md here.
  expect(hermesVersion()).toBe('0.12.0');
});

describe.each(VERSIONS)('$name', (version: RnVersion) => {
  let prepared: Prepared | null = null;
  let bundleError: Error | null = null;
  let first: Launch;
  let second: Launch;

  beforeAll(async () => {
    const result = await preparing.get(version)!;
    if (result instanceof Error) {
      bundleError = result;
      return;
    }
    prepared = result;
    first = launch(version, prepared.file, { phase: 'first-launch' });
    const persisted = first.events.find((e) => e.kind === 'persist')?.value ?? {};
    second = launch(version, prepared.file, { phase: 'restart', ...persisted });
  }, 300_000);

  it('bundles the published package', () => {
    expect(bundleError).toBeNull();
    // keycard comes from the packed copy only (never this repo's own dist/, e.g. through package self-reference).
    const modules = readFileSync(prepared!.file, 'utf8').match(/^ {2}\/\/ \S+$/gm) ?? [];
    expect(modules.filter((line) => line.includes('keycard/dist/') || line.startsWith('  // dist/'))).toEqual(
      expect.arrayContaining([expect.stringContaining('.cache/keycard-hermes/')]),
    );
    expect(modules.filter((line) => line.startsWith('  // dist/'))).toEqual([]);
    // The core is keycard's React Native build, as Metro picks it: by the "react-native" field with package exports
    // off (0.74), by the "react-native" export condition with them on (0.88; the app imports it, so its ESM file).
    // On 0.88 the walk's late require() of keycard/oauth (late, so that 0.74 can install a TextDecoder first) takes
    // its CommonJS files, and with them the core's CommonJS copy; an app that imports keycard/oauth shares the one.
    expect(modules.filter((line) => /\/keycard\/dist\/index\./.test(line))).toEqual(
      version.packageExports
        ? [
            expect.stringMatching(/\/keycard\/dist\/index\.native\.mjs\.as-cjs\.js$/),
            expect.stringMatching(/\/keycard\/dist\/index\.native\.cjs$/),
          ]
        : [expect.stringMatching(/\/keycard\/dist\/index\.native\.cjs$/)],
    );
    const files = prepared!.keycard.files;
    expect(files).toContain('package.json');
    // Without package exports, every subpath needs its own package.json in the published files.
    if (!version.packageExports)
      expect(files).toEqual(
        expect.arrayContaining([
          'react/package.json',
          'query/package.json',
          'ky/package.json',
          'testing/package.json',
          'oauth/package.json',
        ]),
      );
  });

  it("has that version's globals and nothing more", () => {
    const environment = first.events.find((e) => e.kind === 'step' && e.value.name === 'environment')?.value.value;
    expect(environment).toMatchObject({
      // React Native's own, installed by its Libraries/Core set-up:
      fetch: 'function',
      fetchIsReactNatives: true,
      XMLHttpRequest: 'function',
      AbortController: 'function',
      URL: 'function',
      navigatorProduct: 'ReactNative',
      windowIsGlobal: true,
      setTimeout: 'function',
      // Never in React Native:
      BroadcastChannel: 'undefined',
      locks: 'undefined',
      document: 'undefined',
      // The Hermes CLI's own globals are gone:
      print: 'undefined',
      // The engine's:
      atob: 'function',
      TextEncoder: 'function',
      bridgeless: version.bridgeless,
    });
    if (version.reactNative.startsWith('0.74.')) {
      expect(environment.TextDecoder).toBe('undefined');
      expect(environment.urlProtocol).toBe('throws: URL.protocol is not implemented');
      expect(environment.urlOrigin).toBe('throws: URL.origin is not implemented');
    } else {
      expect(environment.TextDecoder).toBe('function');
      expect(environment.urlProtocol).toBe('https:');
      // Its getters answer, by regular expressions: `/\evil.example/x` stays on the base's origin, where the standard
      // (and fetch in a browser) goes to evil.example. So keycard's React Native build reads URLs itself here too.
      expect(environment.urlOrigin).toBe('https://auth.example.com');
    }
  });

  it('decodes hostile JWTs as jose does in Node: the hand decoder on the engine’s own decodeURIComponent and JSON', () => {
    const decoded = first.events.find(
      (e) => e.kind === 'step' && e.value.name === 'hostile JWTs decode as jose decodes them',
    );
    const answers = ((decoded?.value.value ?? []) as Array<[string, string]>).map(([name, answer]) => [
      name,
      JSON.parse(unescape(answer)),
    ]);
    expect(answers).toEqual(JWT_CORPUS.map(([name, token]) => [name, viaJose(token)]));
  });

  it('walks a whole session: restore, login, request, proactive refresh, 401 replay, resume, restart, logout, dispose', () => {
    expect(outcome(first)?.kind, describeFailure(first)).toBe('done');
    expect(steps(first)).toEqual(FIRST_LAUNCH);
    expect(outcome(second)?.kind, describeFailure(second)).toBe('done');
    expect(steps(second)).toEqual(RESTART);
    // Nothing reported to React Native's ExceptionsManager (console.error included) in either launch.
    expect([outcome(first)?.value.exceptions, outcome(second)?.value.exceptions]).toEqual([[], []]);
  });

  it('loads keycard/oauth (without a TextDecoder on 0.74, where jose itself cannot load); without WebCrypto, loginWithRedirect names the polyfill to install', () => {
    const oauth = first.events.find(
      (e) =>
        e.kind === 'step' &&
        e.value.name === 'keycard/oauth loads; without WebCrypto, loginWithRedirect says what to install',
    )?.value.value;
    expect(oauth, describeFailure(first)).toEqual({
      // keycard/oauth loads on both; jose, which it loads only to verify an ID token, needs a TextDecoder as it loads.
      textDecoder: version.reactNative.startsWith('0.74.') ? 'undefined' : 'function',
      jose: version.reactNative.startsWith('0.74.') ? expect.stringMatching(/^throws: .*TextDecoder/) : 'loads',
      withoutCrypto:
        'TypeError: keycard/oauth needs WebCrypto (crypto.subtle, crypto.getRandomValues); in React Native install a polyfill such as react-native-quick-crypto',
      // 0.74's URL can't read the redirect back (README: react-native-url-polyfill); 0.88's can.
      callback: version.reactNative.startsWith('0.74.') ? expect.stringMatching(/^throws: /) : 'true',
      // Nor the discovered endpoints, which keycard/oauth says rather than blaming the provider's document.
      withDiscovery: version.reactNative.startsWith('0.74.')
        ? 'TypeError: keycard/oauth needs a complete URL (this one cannot read a protocol); in React Native install react-native-url-polyfill'
        : 'TypeError: keycard/oauth needs WebCrypto (crypto.subtle, crypto.getRandomValues); in React Native install a polyfill such as react-native-quick-crypto',
    });
  });

  it('runs the keycard/oauth flow through React Native’s fetch, given a WebCrypto (and, on 0.74, react-native-url-polyfill)', () => {
    const flow = first.events.find(
      (e) => e.kind === 'step' && e.value.name === 'keycard/oauth signs in by redirect (PKCE), refreshes and revokes',
    )?.value.value;
    expect(flow, describeFailure(first)).toEqual({
      url: version.reactNative.startsWith('0.74.') ? 'react-native-url-polyfill@4.0.0' : 'its own',
      authorizeTo: 'https://auth.example.com/authorize',
      method: 'S256',
      pkce: true,
      status: 'authenticated',
      appState: { to: 'orders' },
      api: 200,
      refreshed: true,
      revocation: { revoked: true },
      tokenRequests: 3, // the code exchange, the refresh, the revocation
    });
  });

  it("keycard and the app, as that version's default (hermes-stable) profile lowers them, compile with its own Hermes compiler", async () => {
    // 0.74's run bundle is hermes-stable already (the whole app); 0.88's runs lowered further for the old VM.
    const stable = version.runProfile === 'hermes-stable' ? prepared! : await prepare(version, 'hermes-stable');
    const result = await compileWithOwnHermesc(version, stable.file, prepared!.rnDir);
    expect(result.stderr.match(/error:.*/g) ?? [], result.version).toEqual([]);
    expect(result.status).toBe(0);
  }, 300_000);
});
