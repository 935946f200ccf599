// How every browser test starts Debian's Chromium; the flags are shared with the tabs benchmark.
export { CHROMIUM_ARGS } from '../bench/lib/chromium.mjs';

export const CHROMIUM = '/usr/bin/chromium';
