import { afterEach, describe, expect, it, vi } from 'vitest';
import { http, HttpResponse } from 'msw';
import type { AuthClientOptions, AuthEvent } from 'keycard';
import { alice, API, BASE, mockBackend, server, useClients, useMsw } from './helpers';

useMsw();

const make = useClients();
const signedIn = async (options: Partial<AuthClientOptions> = {}) => {
  const backend = mockBackend();
  const auth = make(options);
  await auth.login(alice);
  return { backend, auth };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('auth.fetch attaches the token', () => {
  it('to the baseUrl origin, with the fetch contract (HTTP errors resolve)', async () => {
    const { backend, auth } = await signedIn();
    const token = await auth.getAccessToken();
    const res = await auth.fetch(`${API}/me`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(backend.api[0]?.auth).toBe(`Bearer ${token}`);
    server.use(http.get(`${API}/missing`, () => new HttpResponse(null, { status: 404 })));
    expect((await auth.fetch(`${API}/missing`)).status).toBe(404);
  });

  it('for URL objects, Headers instances and header arrays', async () => {
    const { backend, auth } = await signedIn();
    await auth.fetch(new URL(`${API}/a`));
    await auth.fetch(`${API}/b`, { headers: new Headers({ 'X-A': '1' }) });
    await auth.fetch(`${API}/c`, { headers: [['X-B', '2']] });
    expect(backend.api.every((c) => c.auth?.startsWith('Bearer '))).toBe(true);
  });

  it('never to another origin, nor to look-alike hosts', async () => {
    const { auth } = await signedIn();
    const seen: Array<[string, string | null]> = [];
    server.use(
      http.all(/^(?!https:\/\/auth\.test\/)/, ({ request }) => {
        seen.push([request.url, request.headers.get('authorization')]);
        return HttpResponse.json({});
      }),
    );
    for (const url of [
      'https://evil.test/x',
      'https://auth.test.evil.test/x',
      'http://auth.test/api/x',
      'https://auth.test:8443/x',
    ]) {
      expect((await auth.fetch(url)).status).toBe(200);
    }
    expect(seen.map(([, h]) => h)).toEqual([null, null, null, null]);
    // A URL with userinfo goes to evil.test; fetch itself refuses it, with no token attached first.
    await expect(auth.fetch('https://auth.test@evil.test/x')).rejects.toThrow(TypeError);
  });

  it('apiOrigins replaces the default list (strings, RegExp, function)', async () => {
    const hits: Record<string, string | null> = {};
    server.use(
      http.get('https://:host/x', ({ request }) =>
        HttpResponse.json((hits[new URL(request.url).host] = request.headers.get('authorization'))),
      ),
    );
    const backend = mockBackend();
    const auth = make({ apiOrigins: ['https://api.test', /^https:\/\/[a-z]+\.cdn\.test$/] });
    await auth.login(alice);
    await auth.fetch('https://api.test/x');
    await auth.fetch('https://img.cdn.test/x');
    await auth.fetch(`${BASE}/x`);
    expect(hits['api.test']).toMatch(/^Bearer /);
    expect(hits['img.cdn.test']).toMatch(/^Bearer /);
    expect(hits['auth.test']).toBeNull();
    const byFn = make({ apiOrigins: (url) => url.hostname === 'api.test' && url.pathname === '/x' });
    await byFn.login(alice);
    await byFn.fetch('https://api.test/x');
    expect(backend.logins).toBe(2);
  });

  it('relative URLs resolve against baseUrl outside a browser', async () => {
    const { backend, auth } = await signedIn();
    expect((await auth.fetch('/api/rel')).status).toBe(200);
    expect(backend.api[0]?.auth).toMatch(/^Bearer /);
  });

  it('{ auth: false } skips the token and the replay', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    const res = await auth.fetch(`${API}/me`, { auth: false });
    expect(res.status).toBe(401);
    expect(backend.api[0]?.auth).toBeNull();
    expect(backend.refreshes).toBe(0);
  });

  it('leaves a caller-set Authorization alone', async () => {
    const { backend, auth } = await signedIn();
    await auth.fetch(`${API}/me`, { headers: { authorization: 'Basic abc' } });
    expect(backend.api[0]?.auth).toBe('Basic abc');
  });

  it('judges the headers fetch sends: a Request’s own, unless the init replaces them', async () => {
    const { backend, auth } = await signedIn();
    const request = () => new Request(`${API}/me`, { headers: { authorization: 'Basic abc' } });
    await auth.fetch(request());
    // fetch sends the init's headers instead of the Request's: its Authorization is not sent, the token is.
    await auth.fetch(request(), { headers: { 'X-A': '1' } });
    expect(backend.api.map((c) => c.auth)).toEqual(['Basic abc', `Bearer ${await auth.getAccessToken()}`]);
  });

  it('sends no token when unauthenticated', async () => {
    const backend = mockBackend();
    const auth = make();
    await auth.logout();
    expect((await auth.fetch(`${API}/me`)).status).toBe(401);
    expect(backend.api[0]?.auth).toBeNull();
    expect(backend.refreshes).toBe(0);
  });

  it('waits for a restore in flight instead of sending without a token', async () => {
    const backend = mockBackend();
    const auth = make();
    void auth.restore();
    const res = await auth.fetch(`${API}/me`);
    expect(res.status).toBe(200);
    expect(backend.refreshes).toBe(1);
  });
});

describe('401 → one refresh → replay', () => {
  it('concurrent 401s share one refresh and all succeed', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    const events: AuthEvent[] = [];
    auth.onEvent((e) => events.push(e));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.fetch(`${API}/item/${i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(backend.refreshes).toBe(1);
    expect(events.filter((e) => e.type === 'replay')).toHaveLength(20);
    expect(events.filter((e) => e.type === 'refresh')).toEqual([expect.objectContaining({ trigger: '401' })]);
  });

  it('replays a POST with its JSON body, headers and method', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    const res = await auth.fetch(`${API}/echo`, {
      method: 'POST',
      body: JSON.stringify({ n: 1 }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(backend.api.map((c) => [c.method, c.body])).toEqual([
      ['POST', '{"n":1}'],
      ['POST', '{"n":1}'],
    ]);
  });

  it('replays a Request input with its body intact', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    const res = await auth.fetch(
      new Request(`${API}/echo`, { method: 'PUT', body: 'payload', headers: { 'X-Trace': 't1' } }),
    );
    expect(res.status).toBe(200);
    expect(backend.api.map((c) => c.body)).toEqual(['payload', 'payload']);
  });

  it('replays a stream body', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('chunk-1,'));
        c.enqueue(new TextEncoder().encode('chunk-2'));
        c.close();
      },
    });
    const res = await auth.fetch(`${API}/echo`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect(backend.api.map((c) => c.body)).toEqual(['chunk-1,chunk-2', 'chunk-1,chunk-2']);
  });

  it('replays once: a second 401 is returned as is', async () => {
    const { backend, auth } = await signedIn();
    server.use(http.get(`${API}/always401`, () => new HttpResponse(null, { status: 401 })));
    const res = await auth.fetch(`${API}/always401`);
    expect(res.status).toBe(401);
    expect(backend.refreshes).toBe(1);
  });

  it('returns the 401 when the refresh ends the session', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    backend.refreshReply = () => HttpResponse.json({ error: 'invalid_grant' }, { status: 401 });
    const res = await auth.fetch(`${API}/me`);
    expect(res.status).toBe(401);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'session_expired' } });
    expect(backend.api).toHaveLength(1);
  });

  it('returns the 401 when the refresh fails transiently (no hang, no second refresh)', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    backend.refreshReply = () => new HttpResponse(null, { status: 503 });
    const res = await auth.fetch(`${API}/me`);
    expect(res.status).toBe(401);
    expect(backend.refreshes).toBe(1);
    expect(auth.getState().status).toBe('authenticated');
  });

  it('a 401 from a disallowed origin triggers nothing', async () => {
    const { backend, auth } = await signedIn();
    server.use(http.get('https://other.test/x', () => new HttpResponse(null, { status: 401 })));
    expect((await auth.fetch('https://other.test/x')).status).toBe(401);
    expect(backend.refreshes).toBe(0);
  });

  it('network errors reject like fetch', async () => {
    const { auth } = await signedIn();
    server.use(http.get(`${API}/down`, () => HttpResponse.error()));
    await expect(auth.fetch(`${API}/down`)).rejects.toThrow(TypeError);
  });
});

describe('abort', () => {
  it('aborts only its own request while it waits on a refresh', async () => {
    const { backend, auth } = await signedIn();
    backend.valid.clear();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    backend.refreshReply = async () => {
      await gate;
      backend.refreshReply = null;
      return HttpResponse.json({ access_token: 'fresh', expires_in: 300 });
    };
    backend.valid.add('fresh');
    const controller = new AbortController();
    const aborted = auth.fetch(`${API}/a`, { signal: controller.signal });
    const other = auth.fetch(`${API}/b`);
    await vi.waitFor(() => expect(backend.refreshes).toBe(1));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    release();
    expect((await other).status).toBe(200);
  });

  it('an already aborted signal rejects without a request', async () => {
    const { backend, auth } = await signedIn();
    vi.useFakeTimers();
    vi.setSystemTime(Date.now() + 3_600_000); // due: must wait for a refresh
    await expect(auth.fetch(`${API}/a`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(backend.api).toHaveLength(0);
  });
});

describe('before sending', () => {
  it('a due token is refreshed first: no 401 reaches the API', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const { backend, auth } = await signedIn();
    vi.setSystemTime(Date.now() + 3_600_000); // slept past expiry; no timer has run
    for (const t of backend.valid) backend.valid.delete(t); // the old token is expired server-side
    const results = await Promise.all([auth.fetch(`${API}/1`), auth.fetch(`${API}/2`), auth.fetch(`${API}/3`)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(backend.refreshes).toBe(1);
    expect(backend.api.every((c) => c.auth !== null)).toBe(true);
    expect(backend.api).toHaveLength(3);
  });

  it('a request that waited for a refresh gets no second one: a 401 for its fresh token is replayed once as is', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const { backend, auth } = await signedIn();
    vi.setSystemTime(Date.now() + 3_600_000); // due: the request refreshes before it is sent
    const sent: (string | null)[] = [];
    server.use(
      http.get(
        `${API}/always401`,
        ({ request }) => (sent.push(request.headers.get('authorization')), new HttpResponse(null, { status: 401 })),
      ),
    );
    const res = await auth.fetch(`${API}/always401`);
    expect(res.status).toBe(401);
    expect(backend.refreshes).toBe(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
    expect(sent[0]).toBe(`Bearer ${await auth.getAccessToken()}`);
    expect(auth.getState().status).toBe('authenticated');
  });

  it('a request that waited for a refresh is not replayed with that token once it is known to be expired', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const { backend, auth } = await signedIn();
    vi.setSystemTime(Date.now() + 3_600_000);
    let calls = 0;
    server.use(
      http.get(`${API}/slow401`, () => {
        calls++;
        vi.setSystemTime(Date.now() + 3_600_000); // the device clock jumps past the new token's expiry meanwhile
        return new HttpResponse(null, { status: 401 });
      }),
    );
    const res = await auth.fetch(`${API}/slow401`);
    expect(res.status).toBe(401);
    expect(calls).toBe(1);
    expect(backend.refreshes).toBe(1);
  });

  it('a request that waited for a refresh is replayed once with the same token when the API catches up', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const { backend, auth } = await signedIn();
    vi.setSystemTime(Date.now() + 3_600_000);
    let calls = 0;
    server.use(
      http.get(`${API}/lagging`, () =>
        ++calls === 1 ? new HttpResponse(null, { status: 401 }) : HttpResponse.json({ ok: true }),
      ),
    );
    const res = await auth.fetch(`${API}/lagging`);
    expect(res.status).toBe(200);
    expect(calls).toBe(2);
    expect(backend.refreshes).toBe(1);
  });
});
