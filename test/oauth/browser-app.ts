// What the keycard/oauth browser tests share: the app (a page on its own origin that loads keycard/oauth bundled from
// the sources), a way to wait on a tab that is between pages, the form a user submits, and the app's state and calls.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { OAuthClientOptions } from 'keycard/oauth';
import type { Tab } from '../engines';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** keycard/oauth bundled from the sources for a page (global `keycardOAuth`), jose's browser build included. */
async function bundleOAuth(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'oauth/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'keycardOAuth',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'keycard-sources',
        setup: (b) => void b.onResolve({ filter: /^keycard$/ }, () => ({ path: join(ROOT, 'src/index.ts') })),
      },
    ],
  });
  return result.outputFiles[0]!.text;
}

/**
 * The app, listening at once (`url`, for the provider to register) and serving its page once `serve(options)` gave
 * the client's options: every path but the script is that page, which handles the provider's redirect back when it
 * is one and restores otherwise (as the README's SPA does). In the page: `auth`; `ready`, resolving with the
 * callback's appState or null; `log`, its events (`refresh:<trigger>`, `logout`, …) and revocations (`revoked:…`).
 */
export async function startApp() {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const script = bundleOAuth();
  return {
    url,
    async serve(options: Omit<OAuthClientOptions, 'redirectUri' | 'postLogoutRedirectUri'>) {
      const js = await script;
      const html = `<!doctype html><meta charset="utf-8"><script src="/keycard-oauth.js"></script>
<script>
window.log = [];
// A failure the test didn't await (a loginWithRedirect it fired and forgot) shows up in until()'s message.
addEventListener('unhandledrejection', (e) => log.push('unhandled: ' + e.reason));
window.auth = keycardOAuth.createOAuthClient({
  ...${JSON.stringify(options)},
  redirectUri: location.origin + '/callback',
  postLogoutRedirectUri: location.origin + '/',
});
auth.onEvent((e) => log.push(e.type + (e.trigger ? ':' + e.trigger : '')));
auth.onRevocation((r) => log.push('revoked:' + r.revoked));
window.ready = auth.isRedirectCallback()
  ? auth.handleRedirectCallback().then((r) => r.appState)
  : auth.restore().then(() => null);
</script>`;
      server.on('request', (req, res) => {
        if (req.url === '/keycard-oauth.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
        else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Polls `read` (run in the tab with `args`) until `ok` says yes: the tab may be between pages, where a run throws or
 * runs in the page being left, and both mean "not yet".
 */
export async function until<T, A extends unknown[]>(
  tab: Tab,
  ok: (value: Awaited<T>) => boolean,
  read: (...args: A) => T | Promise<T>,
  ...args: A
): Promise<Awaited<T>> {
  const deadline = Date.now() + 15_000;
  let last: unknown;
  for (;;) {
    try {
      const value = await tab.run(read, ...args);
      if (ok(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const said = await tab.run(() => (typeof log === 'object' ? log.join('; ') : 'no log here')).catch(String);
      throw new Error(`until: gave up; last saw ${String(last)}; the page's log: ${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Clicks the submit button of the page's form, once the page is the one `selector` finds something on. */
export async function submit(tab: Tab, selector: string) {
  await until(tab, Boolean, (s) => document.querySelector(s) !== null, selector);
  await tab.run(() => (document.querySelector('button[type=submit]') as HTMLButtonElement).click());
}

/** The app's state once its start-up (restore, or the callback) settled. */
export const appState = (tab: Tab) =>
  tab.run(async () => {
    await ready;
    const s = auth.getState();
    return { status: s.status, name: (s.user as { name?: string } | null)?.name ?? null };
  });

/** `auth.fetch(url)` in the tab: its status and JSON body. */
export const callApi = (tab: Tab, url: string) =>
  tab.run((u) => auth.fetch(u).then(async (r) => ({ status: r.status, body: await r.json() })), url);

/** A refresh in `tab`, then until `other` heard it: one that heard it only while its own refresh queued for the lane
 * would take those tokens instead of asking the provider (one refresh for the tabs). */
export async function refreshIn(tab: Tab, other: Tab) {
  const heard = await other.run(() => log.length);
  await tab.run(() => auth.refresh().then(() => {}));
  await until(
    other,
    (said: string[]) => said.includes('refresh:tab'),
    (n) => log.slice(n),
    heard,
  );
}

/**
 * The walk the browser tests of providers with a plain login form (a username and a password field, a submit button)
 * make: sign in by redirect in one tab and call `api` (answered `{ username: 'alice' }`); a second tab signed in from
 * the first; a refresh in each, with the refresh token the other rotated (a stale one is refused, invalid_grant, and
 * ends the session); the API again in both; a logout in the second that revokes the token and signs out both.
 * Returns the user the first tab had once signed in, for the provider's own claims.
 */
export async function walkTwoTabs(open: (url: string) => Promise<Tab>, appUrl: string, api: string) {
  const first = await open(`${appUrl}/`);
  expect(await appState(first)).toEqual({ status: 'unauthenticated', name: null });
  await first.run(() => void auth.loginWithRedirect());
  await until(first, Boolean, () => document.querySelector('input[name=username]') !== null);
  await first.run(() => {
    (document.querySelector('input[name=username]') as HTMLInputElement).value = 'alice';
    (document.querySelector('input[name=password]') as HTMLInputElement).value = 'wonderland';
  });
  await submit(first, 'input[name=username]');
  await until(first, Boolean, (at) => location.origin === at && 'ready' in window, appUrl);
  expect(await appState(first)).toMatchObject({ status: 'authenticated' });
  const user = await first.run(() => auth.getState().user);
  expect(await callApi(first, api)).toEqual({ status: 200, body: { username: 'alice' } });

  // The new tab is signed in by the first tab's hand-over. Under load (one CI run in WebKit) that answer can come after
  // the new tab's restore settled: it then adopts the tokens when they come.
  const second = await open(`${appUrl}/`);
  await expect.poll(() => appState(second), { timeout: 10_000 }).toMatchObject({ status: 'authenticated' });
  await refreshIn(second, first);
  await refreshIn(first, second);
  expect(await callApi(first, api)).toMatchObject({ status: 200 });
  expect(await callApi(second, api)).toMatchObject({ status: 200 });

  expect(await second.run(() => auth.logout())).toEqual({ revoked: true });
  await expect.poll(() => first.run(() => auth.getState().status)).toBe('unauthenticated');
  return user;
}

declare const auth: import('../../oauth/types').OAuthClient;
declare const ready: Promise<unknown>;
declare const log: string[];
