// 1. Bundle size: what a SPA ships for each client, built the same way for
// everyone (esbuild: bundle, minify, esm, browser, one entry file per case
// that imports the client and uses it so tree-shaking keeps it).
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { BENCH, ROOT, TMP, keycardDist, kb, table, verdict } from '../lib/common.mjs';
import { CORE_APP as CORE, SPA_BUILD } from '../lib/spa-bundle.mjs';

// Issue 13's budget (6.5 KB); the 4 KB of the first bench issue is retired (stubbing everything optional left 5.0 KB).
const BUDGET = { core: 6656, react: 1024 };

/** `keycard` and `keycard/*` resolve to dist/, as they do for an installed package. */
const keycardPlugin = {
  name: 'keycard-dist',
  setup(b) {
    b.onResolve({ filter: /^keycard(\/(react|query|ky|oauth))?$/ }, (args) => ({
      path: keycardDist(args.path === 'keycard' ? 'index' : args.path.slice('keycard/'.length)),
    }));
  },
};

/** Each case: an entry file body, packages left out (the app's own deps), and whether it needs bench/node_modules. */
export const CASES = [
  { id: 'core', label: '`keycard` (createAuthClient + fetch)', code: `${CORE}\nexport { auth };` },
  {
    id: 'react',
    label: '`keycard` + `keycard/react`',
    external: ['react', 'react-dom', 'react/jsx-runtime'],
    code: `${CORE}\nimport { AuthProvider, useAuth } from 'keycard/react';\nexport { auth, AuthProvider, useAuth };`,
  },
  {
    id: 'query',
    label: '`keycard` + `keycard/query`',
    external: ['@tanstack/query-core'],
    code: `${CORE}\nimport { bindQueryClient, isAuthError } from 'keycard/query';\nexport { auth, bindQueryClient, isAuthError };`,
  },
  {
    id: 'ky',
    label: '`keycard` + `keycard/ky` (ky external)',
    external: ['ky'],
    code: `${CORE}\nimport { createAuthKy } from 'keycard/ky';\nexport const api = createAuthKy(auth);`,
  },
  {
    id: 'ky-full',
    label: '`keycard` + `keycard/ky` + ky',
    code: `${CORE}\nimport { createAuthKy } from 'keycard/ky';\nexport const api = createAuthKy(auth);`,
  },
  {
    id: 'oauth',
    label: '`keycard/oauth` (createOAuthClient, with the core)',
    code: `import { createOAuthClient } from 'keycard/oauth';
const auth = createOAuthClient({ issuer: 'https://auth.example.com', clientId: 'spa', redirectUri: 'https://app.example.com/cb' });
if (auth.isRedirectCallback()) auth.handleRedirectCallback();
else auth.restore();
export { auth };`,
  },
  {
    id: 'keycloak',
    label: 'keycloak-js',
    pkg: 'keycloak-js',
    code: `import Keycloak from 'keycloak-js';
const kc = new Keycloak({ url: 'https://auth.example.com', realm: 'app', clientId: 'spa' });
kc.init({ onLoad: 'check-sso', pkceMethod: 'S256' }).then(() => kc.updateToken(60));
export { kc };`,
  },
  {
    id: 'oidc',
    label: 'oidc-client-ts (`UserManager`)',
    pkg: 'oidc-client-ts',
    code: `import { UserManager } from 'oidc-client-ts';
const um = new UserManager({ authority: 'https://auth.example.com', client_id: 'spa', redirect_uri: 'https://app.example.com/cb', automaticSilentRenew: true });
um.getUser().then((u) => u ?? um.signinSilent());
export { um };`,
  },
  {
    id: 'supabase',
    label: '@supabase/auth-js (`AuthClient`)',
    pkg: '@supabase/auth-js',
    code: `import { AuthClient } from '@supabase/auth-js';
const auth = new AuthClient({ url: 'https://auth.example.com/auth/v1', autoRefreshToken: true, persistSession: true });
auth.getSession().then(({ data }) => data.session?.access_token);
export { auth };`,
  },
  {
    id: 'auth0',
    label: '@auth0/auth0-spa-js (`createAuth0Client`)',
    pkg: '@auth0/auth0-spa-js',
    code: `import { createAuth0Client } from '@auth0/auth0-spa-js';
const auth0 = createAuth0Client({ domain: 'example.auth0.com', clientId: 'spa', useRefreshTokens: true });
auth0.then((c) => c.getTokenSilently());
export { auth0 };`,
  },
  {
    id: 'axios',
    label: 'axios + axios-auth-refresh',
    pkg: 'axios-auth-refresh',
    code: `import axios from 'axios';
import createAuthRefreshInterceptor from 'axios-auth-refresh';
const api = axios.create({ baseURL: 'https://api.example.com' });
createAuthRefreshInterceptor(api, () => axios.post('https://auth.example.com/auth/refresh'));
export { api };`,
  },
];

/**
 * Bundles one case and measures it; `inputs` are the metafile's input paths. `split`: with code splitting, as an app
 * whose bundler splits dynamic imports off ships it; the entry's own file is measured.
 */
export async function measure(c, { dir = join(TMP, 'size'), split = false } = {}) {
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${c.id}.mjs`);
  writeFileSync(entry, `${c.code}\n`);
  const result = await build({
    ...SPA_BUILD, // the same for everyone
    ...(split ? { splitting: true, outdir: join(dir, `${c.id}-split`) } : {}),
    entryPoints: [entry],
    external: c.external ?? [],
    plugins: [keycardPlugin],
    // Competitors live in bench/node_modules, keycard's own deps (jose, ky) in the root one.
    nodePaths: [join(BENCH, 'node_modules'), join(ROOT, 'node_modules')],
  });
  const code =
    result.outputFiles.find((f) => f.path.endsWith(`${c.id}.js`))?.contents ?? result.outputFiles[0].contents;
  const used = Object.entries(Object.values(result.metafile.outputs)[0].inputs).filter(([, v]) => v.bytesInOutput > 0);
  return {
    /** Bytes of minified output per package (`keycard` for its own files). */
    byPackage: used.reduce((acc, [path, v]) => {
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ??
        (path.startsWith('dist/') || path.includes('/dist/') ? 'keycard' : 'entry');
      acc[pkg] = (acc[pkg] ?? 0) + v.bytesInOutput;
      return acc;
    }, {}),
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: code.length },
    }).length,
    inputs: Object.keys(result.metafile.inputs),
  };
}

const versionOf = (pkg) => {
  for (const base of [join(BENCH, 'node_modules'), join(ROOT, 'node_modules')]) {
    const file = join(base, pkg, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
  }
  return null;
};

export async function run({ quick, log }) {
  const competitors = existsSync(join(BENCH, 'node_modules'));
  const results = {};
  for (const c of CASES) {
    if (c.pkg && !competitors) {
      results[c.id] = { skipped: 'bench/node_modules missing' };
      continue;
    }
    results[c.id] = await measure(c);
    log(`  ${c.id}: ${results[c.id].gzip} B gzip`);
  }
  const core = results.core;
  const diff = (id, key) => results[id][key] - core[key];
  const forbidden = core.inputs.filter((p) => /node_modules\/(react|react-dom|ky|msw|@tanstack)\//.test(p));
  const react = { min: diff('react', 'min'), gzip: diff('react', 'gzip'), brotli: diff('react', 'brotli') };

  const rows = [];
  const row = (label, r, note = '') => rows.push([label, kb(r.min), kb(r.gzip), kb(r.brotli), note]);
  row(CASES[0].label, core, `budget ≤ 6.5 KB gzip (6,656 B) ${verdict(core.gzip <= BUDGET.core)}`);
  row(
    '+ `keycard/react` on top (react external)',
    react,
    `budget ≤ 1.0 KB gzip ${verdict(react.gzip <= BUDGET.react)}`,
  );
  for (const id of ['query', 'ky']) {
    row(`+ \`keycard/${id}\` on top (${id === 'ky' ? 'ky' : '@tanstack/query-core'} external)`, {
      min: diff(id, 'min'),
      gzip: diff(id, 'gzip'),
      brotli: diff(id, 'brotli'),
    });
  }
  row(CASES.find((c) => c.id === 'react').label, results.react, 'total, react external');
  row(CASES.find((c) => c.id === 'ky-full').label, results['ky-full'], `total, ky ${versionOf('ky')} included`);
  // keycard/oauth loads jose when it first verifies an ID token: one file without code splitting, or split off.
  const oauth = CASES.find((c) => c.id === 'oauth');
  const split = await measure(oauth, { split: true });
  row(oauth.label, results.oauth, `one file, jose ${versionOf('jose')} included`);
  row(
    `${oauth.label}, code split`,
    split,
    `up front; jose's part (${kb(results.oauth.gzip - split.gzip)} KB gzip more in all) loads on demand`,
  );
  for (const c of CASES.filter((x) => x.pkg)) {
    const r = results[c.id];
    const name =
      c.id === 'axios'
        ? `axios ${versionOf('axios')} + axios-auth-refresh ${versionOf('axios-auth-refresh')}`
        : `${c.pkg} ${versionOf(c.pkg) ?? ''}`;
    if (r.skipped) rows.push([c.label, '—', '—', '—', `skipped: ${r.skipped}`]);
    else row(c.label, r, `${name}; ${(r.gzip / core.gzip).toFixed(1)}× keycard`);
  }

  const markdown = [
    table(['bundle', 'min KB', 'gzip KB', 'brotli KB', 'notes'], rows, 'lrrrl'),
    '',
    `Core bundle: ${core.byPackage.keycard} B of keycard minified, with ${core.byPackage.jose ?? 0} B of jose (the core decodes JWTs itself); react/ky/msw/@tanstack among its inputs: ${forbidden.length ? forbidden.join(', ') : 'none'} ${verdict(forbidden.length === 0)}. ` +
      'Every case: esbuild bundle + minify, `format: esm`, `platform: browser`, `legalComments: none`, `process.env.NODE_ENV = "production"`; one entry file per case that imports the client and calls it (the code is in `bench/sections/size.mjs`). gzip level 9, brotli quality 11 (node:zlib). KB = 1024 B. "On top" rows are (keycard + entry) − keycard.',
  ].join('\n');

  return {
    title: 'Bundle size',
    markdown,
    data: {
      results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { ...v, inputs: undefined }])),
      react,
      oauthSplit: { ...split, inputs: undefined },
    },
    goals: [
      { name: 'core ≤ 6.5 KB gzip (6,656 B)', ok: core.gzip <= BUDGET.core, detail: `${core.gzip} B` },
      { name: 'react entry ≤ 1 KB gzip on top', ok: react.gzip <= BUDGET.react, detail: `${react.gzip} B` },
      {
        name: 'core bundle free of react/ky/msw/@tanstack',
        ok: forbidden.length === 0,
        detail: forbidden.join(', ') || 'none',
      },
    ],
    summary: {
      core: core.gzip,
      react: react.gzip,
      competitors: Object.fromEntries(
        CASES.filter((c) => c.pkg && results[c.id].gzip).map((c) => [c.id, results[c.id].gzip]),
      ),
    },
    quick,
  };
}
