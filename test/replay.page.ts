// What a 401's replay must carry, run in a page: keycard keeps a copy of a `Request` (clone) before the first send and
// resends every other body as it is, so what the engine does with a body sent once (a Blob, bytes, a `Request` whose
// body was read) decides what the replay carries. Run in Chromium, Firefox and WebKit (engine.suite.ts), against the reference server, whose access tokens the page revokes just before the requests so
// that each meets a 401.
import { expect } from 'vitest';

/**
 * In the page (keycard's client as `auth`, its `replay` events counted in `replays`): signs in, then POSTs each kind
 * of body to /api/echo right after the access tokens were revoked.
 */
export async function replayBodies() {
  const auth = (window as unknown as { auth: import('../src/types').AuthClient }).auth;
  const page = window as unknown as { replays: number };
  await auth.login({ username: 'alice', password: 'wonderland' });
  const text = JSON.stringify({ n: 1, s: 'é ✓' });
  const json = { 'content-type': 'application/json' };
  const bytes = new TextEncoder().encode(text);
  const cases: Record<string, () => [RequestInfo | URL, RequestInit?]> = {
    string: () => ['/api/echo', { method: 'POST', body: text, headers: json }],
    Request: () => [new Request('/api/echo', { method: 'POST', body: text, headers: json })],
    'Request + init body': () => [new Request('/api/echo', { method: 'POST', headers: json }), { body: text }],
    Blob: () => ['/api/echo', { method: 'POST', body: new Blob([text], { type: 'application/json' }) }],
    Uint8Array: () => ['/api/echo', { method: 'POST', body: bytes, headers: json }],
    ArrayBuffer: () => ['/api/echo', { method: 'POST', body: bytes.slice().buffer, headers: json }],
    'URL + Headers': () => [
      new URL('/api/echo', location.href),
      { method: 'POST', body: text, headers: new Headers(json) },
    ],
  };
  // All at once, just after the revocation: each meets a 401, one refresh serves them all, and each is replayed.
  await fetch('/admin/revoke-access-tokens', { method: 'POST' });
  const results: Record<string, [number, unknown]> = {};
  await Promise.all(
    Object.entries(cases).map(async ([name, make]) => {
      const res = await auth.fetch(...make());
      results[name] = [res.status, await res.json()];
    }),
  );
  results.replays = [page.replays, null];
  auth.dispose();
  return results;
}

export const expectReplayed = ({ replays, ...results }: Record<string, unknown>) => {
  expect(Object.keys(results)).toHaveLength(7);
  for (const [name, result] of Object.entries(results))
    expect([name, result]).toEqual([name, [200, { sub: 'alice', body: { n: 1, s: 'é ✓' } }]]);
  expect(replays).toEqual([7, null]);
};
