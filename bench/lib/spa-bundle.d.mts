// Types for spa-bundle.mjs, kept beside it so the TypeScript size test gets them without a build step.
import type { BuildOptions } from 'esbuild';

/** esbuild options: bundle, minify, ESM for browsers, code only (no licence banners), production React. */
export declare const SPA_BUILD: BuildOptions & { write: false; metafile: true };

/** The core case: an app that restores the session and makes one authenticated request. */
export declare const CORE_APP: string;
