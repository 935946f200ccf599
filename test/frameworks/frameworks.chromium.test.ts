// README "Vue, Svelte and Solid": each recipe (vue.ts, svelte.ts, Solid's line below) in an app bundled for the browser
// as its bundler would (Vue's template compiler in the page, a Svelte component compiled by svelte/compiler, Solid's
// browser build), in two Chromium tabs against the reference server in cookie mode. The framework renders the state:
// a login before the view was mounted, a restore from the cookie, and another tab's logout and login.
import { build, type Plugin } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'svelte/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from '../chromium';
import { CHROMIUM_ENGINE, engineTabs, type Tab } from '../engines';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// What every app exposes: `auth` (auth.ts), its page-load `restored`, and `mountApp()`, which mounts the framework's
// view of the state into #app as `<p id="who">status sub</p>`.
const START = `import { auth } from './auth';
Object.assign(window, { auth, restored: auth.restore() });`;

const APPS = {
  Vue: `${START}
import { createApp } from 'vue';
import { authState } from './vue';
window.mountApp = () =>
  createApp({ setup: () => ({ authState }), template: '<p id="who">{{ authState.status }} {{ authState.user?.sub }}</p>' }).mount('#app');`,
  // The store is made at load, its first subscriber comes with the component.
  Svelte: `${START}
import { mount } from 'svelte';
import Who from './Who.svelte';
window.mountApp = () => mount(Who, { target: document.getElementById('app') });`,
  // The README's line is the component's first.
  Solid: `${START}
import { from } from 'solid-js';
import { render } from 'solid-js/web';
import html from 'solid-js/html';
const Who = () => {
  const authState = from(auth, auth.getState());
  return html\`<p id="who">\${() => \`\${authState().status} \${authState().user?.sub ?? ''}\`}</p>\`;
};
window.mountApp = () => render(Who, document.getElementById('app'));`,
};

// Runes mode (its $derived), where a store's $ prefix works as before.
// keycard/react under Preact's compat layer, as an app aliases react and react-dom to it (Preact 11, and 10 installed
// as preact10): the provider restores, useAuth renders.
const PREACT = `${START}
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { AuthProvider, useAuth } from 'keycard/react';
const Who = () => {
  const { status, user } = useAuth();
  return createElement('p', { id: 'who' }, \`\${status} \${user?.sub ?? ''}\`);
};
window.mountApp = () =>
  createRoot(document.getElementById('app')).render(createElement(AuthProvider, { client: auth }, createElement(Who)));`;
const preact = (pkg: string) => ({
  react: `${pkg}/compat`,
  'react-dom': `${pkg}/compat`,
  'react/jsx-runtime': `${pkg}/compat/jsx-runtime`,
  'react-dom/client': `${pkg}/compat/client`,
  ...(pkg === 'preact' ? {} : { preact: pkg }),
});
const PREACTS = { 'Preact 11': preact('preact'), 'Preact 10': preact('preact10') };

const WHO_SVELTE = `<script>
  import { authState } from './svelte';
  const who = $derived(\`\${$authState.status} \${$authState.user?.sub ?? ''}\`);
</script>
<p id="who">{who}</p>`;

/** `./Who.svelte`, compiled as vite-plugin-svelte compiles a component for the browser. */
const svelteComponent: Plugin = {
  name: 'who-svelte',
  setup(b) {
    b.onResolve({ filter: /^\.\/Who\.svelte$/ }, () => ({ path: 'Who.svelte', namespace: 'svelte' }));
    b.onLoad({ filter: /.*/, namespace: 'svelte' }, () => ({
      contents: compile(WHO_SVELTE, { filename: 'Who.svelte', generate: 'client' }).js.code,
      resolveDir: import.meta.dirname,
    }));
  },
};

/** The app bundled, and the packages it took from node_modules. */
async function bundle(entry: string, alias: Record<string, string> = {}) {
  const result = await build({
    stdin: { contents: entry, resolveDir: import.meta.dirname, loader: 'ts' },
    // Vue's full build, with the template compiler, as an app that gives `template` strings configures it.
    alias: {
      keycard: join(ROOT, 'src/index.ts'),
      'keycard/react': join(ROOT, 'react/index.tsx'),
      vue: 'vue/dist/vue.esm-bundler.js',
      ...alias,
    },
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    plugins: [svelteComponent],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const packages = Object.keys(result.metafile.inputs).map((path) => path.match(/node_modules\/([^/]+)\//)?.[1]);
  return { code: Buffer.from(result.outputFiles[0]!.contents), packages: new Set(packages.filter(Boolean)) };
}

const slug = (name: string) => name.toLowerCase().replace(/\W+/g, '-');
let url: string;
const took: Record<string, Set<string | undefined>> = {}; // each app's packages
let close: (() => Promise<void>) | undefined;
beforeAll(async () => {
  const files: Record<string, Buffer> = {};
  const apps = [
    ...Object.entries(APPS).map(([name, entry]) => [name, entry, {}] as const),
    ...Object.entries(PREACTS).map(([name, alias]) => [name, PREACT, alias] as const),
  ];
  for (const [name, entry, alias] of apps) {
    const { code, packages } = await bundle(entry, alias);
    files[`${slug(name)}.js`] = code;
    took[name] = packages;
    files[`${slug(name)}.html`] = Buffer.from(
      `<!doctype html><meta charset="utf-8"><div id="app"></div><script src="/${slug(name)}.js"></script>`,
    );
  }
  ({ url, close } = await servePage('', { refreshTokenMode: 'cookie' }, files));
}, 60_000);
afterAll(() => close?.());

/** What the framework rendered, or null before the view is mounted. */
const shown = (tab: Tab) => tab.run(() => document.getElementById('who')?.textContent?.replace(/\s+/g, ' ').trim());

describe.each([...Object.keys(APPS), ...Object.keys(PREACTS)])(
  '%s renders the client state (README recipe), in Chromium',
  (name) => {
    const skip = !CHROMIUM_ENGINE.present && !process.env.CI;
    const open = engineTabs(CHROMIUM_ENGINE, !skip);

    it.skipIf(skip)("a login before the view mounted, a reload's restore, another tab's logout and login", async () => {
      // The framework's own build, and for Preact no React.
      const framework = { Vue: 'vue', Svelte: 'svelte', Solid: 'solid-js', 'Preact 11': 'preact' }[name] ?? 'preact10';
      expect([...took[name]!].filter((p) => p === framework || p?.startsWith('react'))).toEqual([framework]);
      const first = await open(`${url}/${slug(name)}.html`);
      await first.run(async () => {
        await restored;
        await auth.login({ username: 'alice', password: 'wonderland' });
        mountApp();
      });
      expect(await shown(first)).toBe('authenticated alice');

      // A second tab mounts as soon as it can: its view starts as the state is (initializing, or the cookie's restore
      // already settled), then follows it.
      const second = await open(`${url}/${slug(name)}.html`);
      const [status, view] = await second.run(() => {
        mountApp();
        return [auth.getState().status, document.getElementById('who')?.textContent?.trim().split(' ')[0]];
      });
      expect(view).toBe(status);
      await expect.poll(() => shown(second)).toBe('authenticated alice');

      await second.run(() => auth.logout());
      expect(await shown(second)).toBe('unauthenticated');
      await expect.poll(() => shown(first)).toBe('unauthenticated');

      await first.run(() => auth.login({ username: 'alice', password: 'wonderland' }).then(() => undefined));
      await expect.poll(() => shown(second)).toBe('authenticated alice');
      await first.run(() => auth.logout());
    });
  },
);

declare const auth: import('../../src/types').AuthClient;
declare const restored: Promise<unknown>;
declare const mountApp: () => void;
