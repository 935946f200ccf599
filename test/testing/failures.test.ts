import { describe, expect, it } from 'vitest';
import { login, post, useMsw } from './helpers';

const mockServer = useMsw();

const refresh = (init?: RequestInit) => post('/auth/refresh', {}, { credentials: 'include', ...init });

describe('failNextRefresh', () => {
  it.each([
    ['500', 500, { error: 'server_error' }],
    ['invalid_grant', 401, { error: 'invalid_grant' }],
  ] as const)('%s answers %i, then the session still works', async (kind, status, body) => {
    const server = mockServer();
    await login();
    server.failNextRefresh(kind);
    const failed = await refresh();
    expect(failed.status).toBe(status);
    expect(await failed.json()).toEqual(body);
    expect((await refresh()).status).toBe(200); // the failure did not spend the refresh token
    expect(server.stats.refreshes).toBe(2);
  });

  it('503 carries Retry-After (default 1, configurable)', async () => {
    const server = mockServer();
    server.failNextRefresh('503');
    server.failNextRefresh('503', 1, { retryAfter: 30 });
    const first = await refresh();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await refresh()).headers.get('retry-after')).toBe('30');
  });

  it('network makes fetch reject with a TypeError', async () => {
    const server = mockServer();
    await login();
    server.failNextRefresh('network', 2);
    await expect(refresh()).rejects.toThrow(TypeError);
    await expect(refresh()).rejects.toThrow(TypeError);
    expect((await refresh()).status).toBe(200);
  });

  it('html answers a 200 that is not JSON', async () => {
    const server = mockServer();
    server.failNextRefresh('html');
    const response = await refresh();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    await expect(response.clone().json()).rejects.toThrow();
  });

  it('hang never answers until the request is aborted', async () => {
    const server = mockServer();
    await login();
    server.failNextRefresh('hang');
    const controller = new AbortController();
    const pending = refresh({ signal: controller.signal });
    const outcome = await Promise.race([
      pending.then(
        () => 'answered',
        () => 'rejected',
      ),
      new Promise((r) => setTimeout(r, 100, 'waiting')),
    ]);
    expect(outcome).toBe('waiting');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect((await refresh()).status).toBe(200);
  });

  it('reset() releases a hanging request', async () => {
    const server = mockServer();
    server.failNextRefresh('hang');
    const pending = refresh();
    await new Promise((r) => setTimeout(r, 20));
    server.reset();
    await expect(pending).rejects.toThrow(TypeError);
  });
});

describe('failNextLogin / failNextLogout', () => {
  it('fail the next login, then logins work again', async () => {
    const server = mockServer();
    server.failNextLogin('network');
    await expect(login()).rejects.toThrow(TypeError);
    expect((await login()).status).toBe(200);
    expect(server.stats.logins).toBe(2);
  });

  it('fail the next logout without ending the session', async () => {
    const server = mockServer();
    await login();
    server.failNextLogout('500');
    expect((await post('/auth/logout', {}, { credentials: 'include' })).status).toBe(500);
    expect((await refresh()).status).toBe(200);
  });
});
