import { QueryClient } from '@tanstack/react-query';
import { createAuthClient } from 'keycard';
import { bindQueryClient, isAuthError } from 'keycard/query';

// The demo is served by the reference server itself, so auth and API share
// the page's origin. Two knobs in the URL, for the end-to-end tests:
// `?lead=2` (refresh lead time, seconds) and `?poll=500` (how often the
// verified-claims panel calls the API, ms; 0 turns polling off).
const params = new URLSearchParams(location.search);
const numberParam = (name: string, fallback: number) => {
  const value = Number(params.get(name) ?? NaN);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
};

export const leadTime = numberParam('lead', 10);
export const pollInterval = numberParam('poll', 5000);

/** One client for the whole app, created outside React. */
export const auth = createAuthClient({ baseUrl: location.origin, refreshLeadTime: leadTime });

export const queryClient = new QueryClient({
  defaultOptions: {
    // A 401 that gets here already had its refresh and replay: retrying can't fix it.
    queries: { retry: (failures, error) => !isAuthError(error) && failures < 2 },
  },
});

// Cached API data must not outlive the session (logout here or in another tab).
bindQueryClient(auth, queryClient);

/** Thrown for non-2xx answers; `status` lets isAuthError() spot a 401. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    request: string,
  ) {
    super(`${request} answered ${status}`);
  }
}

/** GET through auth.fetch: token attached, a 401 refreshed and replayed once. */
export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await auth.fetch(url, { signal });
  if (!res.ok) throw new HttpError(res.status, `GET ${url}`);
  return (await res.json()) as T;
}

export interface ServerStats {
  refreshes: number;
  apiCalls: number;
  api401s: number;
}

/** The reference server's dev-only counters: no token needed, so plain fetch. */
export async function serverStats(): Promise<ServerStats> {
  const res = await fetch('/admin/stats');
  if (!res.ok) throw new HttpError(res.status, 'GET /admin/stats');
  return (await res.json()) as ServerStats;
}

/** Dev-only: makes the API 401 every access token issued so far. */
export async function revokeAccessTokens(): Promise<void> {
  const res = await fetch('/admin/revoke-access-tokens', { method: 'POST' });
  if (!res.ok) throw new HttpError(res.status, 'POST /admin/revoke-access-tokens');
}
