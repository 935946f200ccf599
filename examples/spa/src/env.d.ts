// What Vite's `vite/client` types would add, limited to what the demo uses, so
// the repo-wide `tsc` gains no Vite globals.
declare module '*.css';
