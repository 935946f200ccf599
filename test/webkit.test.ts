// The browser claims in Safari's engine: Debian's WebKitGTK (WebKit's own BroadcastChannel, Web Locks, cookie jar,
// page cache and URL parser) with Intelligent Tracking Prevention on, as Safari has it, driven over WebDriver
// (test/webkit.ts). The suite itself is engine.suite.ts. WebKitGTK is not Safari: what Apple adds on top (its network
// stack, iCloud Private Relay, the storage caps of a home-screen web app) is not here.
//
// Unlike Chromium and Firefox, WebKit keeps a cached tab through a channel message sent to it, and drops the
// message: the tab came back from the cache holding the session another tab ended, until keycard learnt to ask again
// on its return (the suite's back-forward cache tests).
//
// React Native's URL reader is not checked against WebKit's parser: WebKit departs from the URL standard that reader
// follows (WebKitGTK 2.50 refuses "https:/" against "https://auth.test", which the standard, Chromium and Node read
// as "https://auth.test/"), and Chromium's parser is that test's oracle. The allow-list's foreign origin is localhost
// (its port kept), another origin than the page's 127.0.0.1: WebKitGTK has no switch to resolve a made-up name here.
import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { describeEngine } from './engine.suite';
import { launchWebKit, MINIBROWSER, WEBKIT_DRIVER, XVFB } from './webkit';

// Skipped where there is no WebKitGTK, except in CI, where a missing browser must fail the run.
const hasWebKit = [WEBKIT_DRIVER, MINIBROWSER, XVFB].every((file) => existsSync(file));
if (!hasWebKit)
  console.warn(
    `[keycard webkit] No WebKitGTK (${WEBKIT_DRIVER}, ${MINIBROWSER}) or Xvfb (apt-get install webkit2gtk-driver xvfb): ${process.env.CI ? 'FAILING, since CI is set' : 'SKIPPING the WebKit tests'}.`,
  );

describe.skipIf(!hasWebKit && !process.env.CI)('WebKit', () => {
  describeEngine({
    name: 'WebKit',
    launch: () => launchWebKit({ extraArgs: ['--enable-itp'] }),
    evicts: false,
    foreignHost: 'localhost',
  });
});
