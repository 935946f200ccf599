// README "Vue, Svelte and Solid": the Svelte recipe as the README shows it (frameworks.chromium.test.ts runs it).
import { readable } from 'svelte/store';
import { auth } from './auth';

export const authState = readable(auth.getState(), (set) => {
  set(auth.getState()); // keycard calls listeners at each change, Svelte wants the value now
  return auth.subscribe(set);
});
