// The browser claims of engine.suite.ts in Safari's engine: Debian's WebKitGTK (WebKit's own BroadcastChannel, Web
// Locks, cookie jar, page cache and URL parser) with Intelligent Tracking Prevention on, as Safari has it, driven
// over WebDriver (test/webkit.ts). WebKitGTK is not Safari: what Apple adds on top (its network stack, iCloud Private
// Relay, the storage caps of a home-screen web app) is not here.
//
// Unlike Chromium and Firefox, WebKit keeps a cached tab through a channel message sent to it, and drops the
// message: the tab came back from the cache holding the session another tab ended, until keycard learnt to ask again
// on its return (the suite's back-forward cache tests).
//
// React Native's URL reader is not checked against WebKit's parser: WebKit departs from the URL standard that reader
// follows (WebKitGTK 2.50 refuses "https:/" against "https://auth.test", which the standard, Chromium and Node read
// as "https://auth.test/"), and Chromium's parser is that test's oracle.
import { describeEngine } from './engine.suite';
import { WEBKIT_ENGINE } from './engines';

describeEngine(WEBKIT_ENGINE);
