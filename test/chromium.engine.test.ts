// The browser claims of engine.suite.ts in Chromium, with its back-forward cache turned back on (Playwright turns it
// off). tabs.chromium.test.ts and origins.chromium.test.ts hold what only Chromium is asked.
import { describeEngine } from './engine.suite';
import { CHROMIUM_ENGINE } from './engines';

describeEngine(CHROMIUM_ENGINE);
