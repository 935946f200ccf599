// 4. Steady state: a simulated day at one request a second with 5-minute
// tokens, the server's clock 10 minutes behind, equal, and 10 minutes ahead;
// then 10,000 refresh cycles to look for a heap leak. Fake clock, fake fetch.
import { fmt, importKeycard, table, verdict } from '../lib/common.mjs';
import { installFakeClock } from '../lib/fake-clock.mjs';
import { jwt } from '../lib/tokens.mjs';

const LIFETIME_S = 300;
const LEAD_S = 60;
const BASE = 'https://app.example.com';

/**
 * The server side, in process: login, rotating refresh (body mode) and an API
 * that checks `exp` on its own clock, `offsetMs` away from the client's.
 * Keeps only live tokens, so its own memory stays flat.
 */
function fakeServer(clock, offsetMs) {
  const stats = { logins: 0, refreshes: 0, refreshFailures: 0, apiCalls: 0, api401s: 0 };
  const live = new Map(); // access token → exp (server epoch s)
  let refreshToken = null;
  let serial = 0;
  const serverNow = () => clock.now + offsetMs;
  const json = (status, body) =>
    Promise.resolve(
      new Response(body === undefined ? null : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json', date: new Date(serverNow()).toUTCString() },
      }),
    );
  const issue = () => {
    const nowS = Math.floor(serverNow() / 1000);
    for (const [token, exp] of live) if (exp <= nowS) live.delete(token);
    const access = jwt(nowS, LIFETIME_S);
    live.set(access, nowS + LIFETIME_S);
    refreshToken = `rt${++serial}`;
    return json(200, {
      access_token: access,
      token_type: 'Bearer',
      expires_in: LIFETIME_S,
      refresh_token: refreshToken,
    });
  };
  const fetch = (input, init = {}) => {
    const url = typeof input === 'string' ? input : input.url;
    const path = url.slice(BASE.length);
    if (path === '/auth/login') {
      stats.logins++;
      return issue();
    }
    if (path === '/auth/refresh') {
      const sent = JSON.parse(init.body ?? '{}').refresh_token;
      if (sent !== refreshToken) {
        stats.refreshFailures++;
        return json(400, { error: 'invalid_grant' });
      }
      stats.refreshes++;
      return issue();
    }
    stats.apiCalls++;
    const auth = new Headers(init.headers).get('authorization') ?? '';
    const exp = live.get(auth.slice('Bearer '.length));
    if (exp === undefined || exp <= serverNow() / 1000) {
      stats.api401s++;
      return json(401, { error: 'invalid_token' });
    }
    return json(200, { ok: true });
  };
  return { stats, fetch };
}

async function signedIn(createAuthClient, server) {
  const auth = createAuthClient({
    baseUrl: BASE,
    fetch: server.fetch,
    refreshToken: 'memory',
    channel: false,
    refreshLeadTime: LEAD_S,
  });
  await auth.login({ username: 'alice', password: 'wonderland' });
  return auth;
}

/** One simulated run: `seconds` at one request a second. */
async function day(createAuthClient, offsetMin, seconds) {
  const clock = installFakeClock(Date.UTC(2026, 0, 1));
  try {
    const server = fakeServer(clock, offsetMin * 60_000);
    const auth = await signedIn(createAuthClient, server);
    const triggers = {};
    auth.onEvent((event) => {
      if (event.type === 'refresh') triggers[event.trigger] = (triggers[event.trigger] ?? 0) + 1;
    });
    const start = clock.now;
    let failed = 0;
    for (let s = 1; s <= seconds; s++) {
      await clock.advanceTo(start + s * 1000);
      const res = await auth.fetch(`${BASE}/api/items`);
      if (res.status !== 200) failed++;
    }
    await clock.flush();
    const timersBefore = clock.pending();
    const status = auth.getState().status;
    auth.dispose();
    return {
      offsetMin,
      seconds,
      ...server.stats,
      triggers,
      failed,
      status,
      timersBefore,
      timersAfter: clock.pending(),
    };
  } finally {
    clock.uninstall();
  }
}

/** Heap growth over `cycles` refresh cycles (each: the refresh timer fires, then one request). */
async function heap(createAuthClient, cycles, warmup) {
  const gc = globalThis.gc;
  const clock = installFakeClock(Date.UTC(2026, 0, 1));
  try {
    const server = fakeServer(clock, 0);
    const auth = await signedIn(createAuthClient, server);
    const cycle = async () => {
      await clock.advanceTo(clock.now + (LIFETIME_S - LEAD_S) * 1000);
      await auth.fetch(`${BASE}/api/items`);
    };
    for (let i = 0; i < warmup; i++) await cycle();
    const settle = async () => {
      await clock.flush(5);
      for (let i = 0; i < 3; i++) gc?.();
      return process.memoryUsage().heapUsed;
    };
    const before = await settle();
    const refreshesBefore = server.stats.refreshes;
    for (let i = 0; i < cycles; i++) await cycle();
    const after = await settle();
    const refreshes = server.stats.refreshes - refreshesBefore;
    auth.dispose();
    return {
      cycles,
      refreshes,
      before,
      after,
      growth: gc ? after - before : null,
      gc: Boolean(gc),
      api401s: server.stats.api401s,
    };
  } finally {
    clock.uninstall();
  }
}

export async function run({ quick, log }) {
  const { createAuthClient } = await importKeycard('index');
  const seconds = quick ? 3600 : 24 * 3600;
  const ideal = Math.floor(seconds / (LIFETIME_S - LEAD_S));
  const runs = [];
  for (const offset of [-10, 0, 10]) {
    const t0 = performance.now();
    runs.push(await day(createAuthClient, offset, seconds));
    log(
      `  offset ${offset} min: ${runs.at(-1).refreshes} refreshes, ${runs.at(-1).api401s} 401s (${fmt((performance.now() - t0) / 1000)} s)`,
    );
  }
  const cycles = quick ? 200 : 10_000;
  const mem = await heap(createAuthClient, cycles, quick ? 50 : 1000);
  log(
    `  heap: ${mem.gc ? `${fmt(mem.growth / 1024, 1)} KiB` : 'n/a (no --expose-gc)'} over ${mem.refreshes} refreshes`,
  );

  const hours = seconds / 3600;
  const rows = runs.map((r) => [
    `${r.offsetMin > 0 ? '+' : ''}${r.offsetMin} min`,
    r.apiCalls.toLocaleString('en'),
    `${r.refreshes} ${verdict(Math.abs(r.refreshes - ideal) <= 1)}`,
    Object.entries(r.triggers)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '—',
    r.refreshFailures,
    `${r.api401s} ${verdict(r.api401s === 0)}`,
    r.failed,
    r.status,
    `${r.timersBefore} → ${r.timersAfter} ${verdict(r.timersBefore <= 1 && r.timersAfter === 0)}`,
  ]);
  const heapOk = mem.gc ? mem.growth < 1024 * 1024 : null;
  const markdown = [
    table(
      [
        'server clock vs client',
        'API requests',
        `refreshes (ideal ${ideal})`,
        'by trigger',
        'refresh failures',
        '401s at the API (goal 0)',
        'non-200s returned',
        'state at end',
        'timers alive: before → after dispose()',
      ],
      rows,
      'lrrlrrrll',
    ),
    '',
    `${hours} simulated hours per row at 1 request/s, ${LIFETIME_S} s JWTs (exp − iat), \`refreshLeadTime: ${LEAD_S}\` → ideal ${hours} h / (${LIFETIME_S} − ${LEAD_S}) s = ${ideal} refreshes. ` +
      `In-process fake server (rotating refresh tokens, reuse → 400) whose clock is offset from the client's; \`exp\` is checked on the server's clock. Fake clock (\`bench/lib/fake-clock.mjs\`), no vitest.`,
    '',
    `Heap after ${mem.refreshes.toLocaleString('en')} refresh cycles (each: the refresh timer fires, one request; ${quick ? 50 : 1000} warm-up cycles first, forced GC before and after): ` +
      (mem.gc
        ? `${mem.growth >= 0 ? '+' : ''}${fmt(mem.growth / 1024, 1)} KiB (${fmt(mem.before / 1048576, 2)} → ${fmt(mem.after / 1048576, 2)} MiB) — goal < 1 MB ${verdict(heapOk)}.`
        : 'not measured (run with `node --expose-gc`).'),
  ].join('\n');

  return {
    title: 'Steady state (24 h simulated)',
    markdown,
    data: { ideal, runs, heap: mem },
    goals: [
      {
        name: `${ideal} refreshes per ${hours} h at every skew`,
        ok: runs.every((r) => Math.abs(r.refreshes - ideal) <= 1 && r.refreshFailures === 0),
        detail: runs.map((r) => `${r.offsetMin}:${r.refreshes}`).join(' '),
      },
      {
        name: '0 401s at the API',
        ok: runs.every((r) => r.api401s === 0),
        detail: runs.map((r) => `${r.offsetMin}:${r.api401s}`).join(' '),
      },
      {
        name: 'no timers left after dispose()',
        ok: runs.every((r) => r.timersAfter === 0),
        detail: runs.map((r) => `${r.timersBefore}→${r.timersAfter}`).join(' '),
      },
      {
        name: `heap growth < 1 MB over ${cycles.toLocaleString('en')} refreshes`,
        ok: heapOk,
        detail: mem.gc ? `${fmt(mem.growth / 1024, 1)} KiB over ${mem.refreshes}` : 'no --expose-gc',
      },
    ],
    summary: {
      ideal,
      refreshes: runs.map((r) => r.refreshes),
      api401s: runs.map((r) => r.api401s),
      heapKiB: mem.gc ? mem.growth / 1024 : null,
    },
    quick,
  };
}
