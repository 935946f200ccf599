// README "Vue, Svelte and Solid": the Vue recipe as the README shows it (frameworks.chromium.test.ts runs it). A shallow
// ref: each state is a new frozen object, so replacing it is the whole change.
import { shallowRef } from 'vue';
import { auth } from './auth';

export const authState = shallowRef(auth.getState());
auth.subscribe((state) => (authState.value = state));
