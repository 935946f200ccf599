// How the benchmarks and the browser tests start Debian's Chromium (playwright-core; `npx playwright install`
// can't download here). Types: chromium.d.mts.

/** Headless, as root, and quiet on a closed network: no background or component traffic to refuse. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
