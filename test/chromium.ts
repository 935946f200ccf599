// How every browser test starts Debian's Chromium (playwright-core; `npx playwright install` can't download here).

export const CHROMIUM = '/usr/bin/chromium';

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
