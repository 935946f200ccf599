// How the WebKit tests drive Debian's WebKitGTK (Safari's engine): its MiniBrowser in a private X server (Xvfb),
// through WebKitWebDriver. Neither Playwright nor puppeteer drives a WebKit that is not their own build, and
// WebDriver's wire protocol is HTTP and JSON, so the few commands these tests need are spoken here directly.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Engine, Tab } from './engines';

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB = '/usr/bin/Xvfb';

/** The browser, its windows one profile; a window's commands run one at a time with the session switched to it. */
export interface WebKit extends Engine {
  version: string;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });

/** Xvfb on the first free display number, which it reports itself (-displayfd). */
function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const x = spawn(XVFB, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x800x24'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let said = '';
    x.stdio[3]!.on('data', (chunk: Buffer) => {
      said += chunk;
      if (said.includes('\n')) resolve({ display: `:${said.trim()}`, process: x });
    });
    x.once('error', reject);
    x.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before naming its display`)));
  });
}

/** `extraArgs` go to MiniBrowser (after `--automation`), e.g. `--enable-itp` for Safari's tracking prevention. */
export async function launchWebKit({ extraArgs = [] as string[] } = {}): Promise<WebKit> {
  const x = await startXvfb();
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: x.display },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = (await res.json()) as { value: { error?: string; message?: string } | null };
    // An error is a 4xx/5xx (WebDriver §6.6), not any value with an `error` key: a script may return one.
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${value?.error}: ${value?.message}`);
    return value as unknown;
  };
  for (let tries = 0; ; tries++) {
    try {
      await call('GET', '/status');
      break;
    } catch (error) {
      if (tries > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const { sessionId, capabilities } = (await call('POST', '/session', {
    capabilities: {
      alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', ...extraArgs] } },
    },
  })) as { sessionId: string; capabilities: { browserVersion: string } };
  const session = `/session/${sessionId}`;

  // The session has one current window; every tab's command switches to its own window first, so they queue. The
  // first window stays blank: new windows are opened from it.
  let queue: Promise<unknown> = Promise.resolve();
  const home = (await call('GET', `${session}/window`)) as string;
  let current = home;
  const inWindow = <T>(handle: string, command: () => Promise<T>): Promise<T> => {
    const turn = queue.then(async () => {
      if (current !== handle) await call('POST', `${session}/window`, { handle });
      current = handle;
      return command();
    });
    queue = turn.catch(() => {});
    return turn;
  };

  return {
    version: capabilities.browserVersion,
    async open(url) {
      const { handle } = (await inWindow(home, () => call('POST', `${session}/window/new`, { type: 'window' }))) as {
        handle: string;
      };
      const tab: Tab = {
        run: (fn, ...args) =>
          inWindow(handle, () =>
            call('POST', `${session}/execute/sync`, { script: `return (${fn}).apply(null, arguments)`, args }),
          ) as never,
        goto: (to) => inWindow(handle, () => call('POST', `${session}/url`, { url: to })).then(() => {}),
        reload: () => inWindow(handle, () => call('POST', `${session}/refresh`, {})).then(() => {}),
        back: () => inWindow(handle, () => call('POST', `${session}/back`, {})).then(() => {}),
        close: () =>
          inWindow(handle, async () => {
            await call('DELETE', `${session}/window`);
            current = '';
          }),
      };
      await tab.goto(url);
      return tab;
    },
    async close() {
      await call('DELETE', session).catch(() => {});
      driver.kill();
      x.process.kill();
    },
  };
}
