// What the real-provider tests (Django OAuth Toolkit, Authlib: each started from Python on 127.0.0.1) check alike,
// written once: their clients are memory-backed TokenStorage clients of the same set-up, signed in through each
// provider's own login page.
import { expect } from 'vitest';
import type { memoryStorage } from 'keycard';
import type { OAuthClient } from 'keycard/oauth';
import { createBrowser } from './provider';
import { RT_KEY } from './setup';

/**
 * Walks the provider's pages as a browser would, from `authorizeUrl` to the redirect to the app: its login form, posted
 * back to the page it is on (cookies kept) with alice's username and password and the other fields `form` reads from
 * the page (Django's CSRF token), or undefined where the page has no login form.
 */
export const signInAt = (authorizeUrl: string, form: (html: string) => Record<string, string> | undefined) =>
  createBrowser().visit(authorizeUrl, {
    fillIn: (html, url) => {
      const fields = form(html);
      if (!fields) throw new Error(`signInAt: ${url} has no login form`);
      const body = new URLSearchParams({ ...fields, username: 'alice', password: 'wonderland' });
      return { url, init: { method: 'POST', body } };
    },
  });

export interface RealClient {
  auth: OAuthClient;
  navigations: string[];
  store: ReturnType<typeof memoryStorage>;
}

/**
 * A refresh token rotated away and then spent by someone else (a thief's copy) is refused with invalid_grant: that
 * session ends with session_expired. Neither provider ends the family (only the reused token), so the rightful client
 * goes on.
 */
export async function expectReuseRefused(rightful: RealClient, thief: RealClient, api: string): Promise<void> {
  const old = rightful.store.get(RT_KEY) as string;
  await rightful.auth.refresh();
  thief.store.set(RT_KEY, old);
  expect(await thief.auth.restore()).toMatchObject({
    status: 'unauthenticated',
    error: { code: 'session_expired', status: 400 },
  });
  expect(await rightful.auth.refresh()).toMatchObject({ status: 'authenticated' });
  expect((await rightful.auth.fetch(api)).status).toBe(200);
}

/**
 * An opaque token (its lifetime is `expires_in` alone) of 4 s, refreshed at half of it on the client's own clock: an
 * API call every 500 ms for 5 s at least, and on until two refreshes (12 s at most), is answered 200 throughout. Each
 * refresh is the timer's, or a request's that found the token due first (on a loaded machine the timer runs late).
 */
export async function expectRefreshedOnTime(auth: OAuthClient, api: string): Promise<void> {
  const refreshes: string[] = [];
  auth.onEvent((e) => e.type === 'refresh' && refreshes.push(e.trigger));
  const statuses: number[] = [];
  for (let i = 0; i < 24 && (i < 11 || refreshes.length < 2); i++) {
    statuses.push((await auth.fetch(api)).status);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(statuses).toEqual(Array(statuses.length).fill(200));
  expect(refreshes.length).toBeGreaterThanOrEqual(2);
  expect(refreshes.filter((trigger) => trigger !== 'timer' && trigger !== 'due')).toEqual([]);
}
