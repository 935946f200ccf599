// The apps' client (frameworks.chromium.test.ts), made once in browser code as the README's Vue, Svelte and Solid
// section says: cookie mode, against the page's own origin (the reference server).
import { createAuthClient } from 'keycard';

export const auth = createAuthClient({ baseUrl: location.origin });
