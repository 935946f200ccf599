// The browser claims of engine.suite.ts in a second engine: Debian's Firefox ESR (Gecko's own BroadcastChannel, Web
// Locks, cookie jar, back-forward cache and URL parser).
//
// React Native's URL reader is not checked against Gecko's parser: Gecko departs from the URL standard that reader
// follows (Firefox ESR 153 keeps a trailing space in a fragment: "# " is "#%20", where the standard, Chromium and
// Node strip it), and Chromium's parser is that test's oracle.
import { describeEngine } from './engine.suite';
import { FIREFOX_ENGINE } from './engines';

describeEngine(FIREFOX_ENGINE);
