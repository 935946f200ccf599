// Types for chromium.mjs, kept beside it so TypeScript tests get them without a build step.
/** Headless, as root, and quiet on a closed network: no background or component traffic to refuse. */
export declare const CHROMIUM_ARGS: string[];
