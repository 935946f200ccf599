import { fileURLToPath } from 'node:url';

// This folder is its own project: don't let Next guess a workspace root from lockfiles above it.
export default { turbopack: { root: fileURLToPath(new URL('.', import.meta.url)) } };
