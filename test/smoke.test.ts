import { describe, expect, it } from 'vitest';
import { createAuthClient } from 'keycard';
import { BASE, API, mockBackend, useMsw } from './helpers';

useMsw();

describe('smoke', () => {
  it('logs in, calls the API, replays a 401 after one refresh', async () => {
    const backend = mockBackend();
    const auth = createAuthClient({ baseUrl: BASE, channel: false });
    expect(auth.getState().status).toBe('initializing');
    await auth.login({ username: 'alice', password: 'wonderland' });
    expect(auth.getState().status).toBe('authenticated');
    expect(auth.getState().user?.sub).toBe('alice');
    expect((await auth.fetch(`${API}/x`)).status).toBe(200);
    backend.valid.clear();
    const res = await auth.fetch(`${API}/x`);
    expect(res.status).toBe(200);
    expect(backend.refreshes).toBe(1);
    auth.dispose();
  });
});
